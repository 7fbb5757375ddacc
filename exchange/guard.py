"""The connector's side of the envelope: check MOHA's assertion, seal the answer, log both.

    guard = EnvelopeGuard({"000.00.00.G18": agency_keys}, moha_trusted)
    create_connector_app(dsn, envelope=guard)

With a guard, a request carrying `Authorization: Bearer <assertion>` is verified before any
database is read (refused with 401 and the reason logged otherwise), and its 200 answer goes
back sealed (`application/jose`: signed by the agency, encrypted to MOHA). A request without an
assertion is refused with 401 ASSERTION_REQUIRED when `required`, or answered in plain JSON
when not (the transition mode that lets agencies move to v1 envelopes one by one). Error
payloads stay plain JSON: they carry no personal data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from exchange.envelope import (
    DEFAULT_POLICY,
    MEDIA_TYPE,
    EnvelopeError,
    Policy,
    ReplayCache,
    digest,
    seal_response,
    verify_request,
)
from exchange.keys import MOHA_ID, PartyKeys, TrustedKeys
from exchange.msglog import MessageLog

log = logging.getLogger(__name__)

BEARER = "bearer "


@dataclass
class Verdict:
    """What the guard decided about one request."""

    request_hash: str | None = None  # set when the request was authenticated: seal the answer
    request_id: str | None = None
    refusal: tuple[str, str] | None = None  # (error code, message) when refused


@dataclass
class EnvelopeGuard:
    """Per-agency keys (with private halves) and the MOHA keys the connector trusts.

    Args:
        agencies: agency code -> its keys; an agency without keys is served in plain JSON
            unless `required`.
        moha: MOHA's trusted keys, or a callable returning them (re-read on each request, so
            a revocation takes effect at once).
        required: refuse requests without an assertion.
        issuer: who must have signed the assertions.
    """

    agencies: Mapping[str, PartyKeys]
    moha: TrustedKeys | Callable[[], TrustedKeys]
    required: bool = True
    issuer: str = MOHA_ID
    policy: Policy = DEFAULT_POLICY
    message_log: MessageLog | None = None
    clock: Callable[[], float] = time.time
    replay: ReplayCache = field(default_factory=ReplayCache)

    def trusted(self) -> TrustedKeys:
        return self.moha() if callable(self.moha) else self.moha

    def jwks(self, code: str) -> dict[str, list[dict[str, object]]] | None:
        keys = self.agencies.get(code)
        return None if keys is None else keys.jwks(datetime.now(UTC))

    def check(
        self, code: str, authorization: str | None, method: str, target: str, body: bytes
    ) -> Verdict:
        keys = self.agencies.get(code)
        if authorization is None or not authorization.lower().startswith(BEARER):
            if self.required:
                return Verdict(refusal=("ASSERTION_REQUIRED", "sign the request (protocol v1)"))
            return Verdict()
        if keys is None:
            return Verdict(refusal=("ASSERTION_REFUSED", "this agency has no exchange keys"))
        assertion = authorization[len(BEARER) :].strip()
        try:
            claims = verify_request(
                assertion,
                trusted=self.trusted(),
                issuer=self.issuer,
                audience=keys.party,
                method=method,
                target=target,
                body=body,
                now=self.clock(),
                replay=self.replay,
                policy=self.policy,
            )
        except EnvelopeError as error:
            log.warning("refused a request for %s: %s", code, error)
            return Verdict(refusal=("ASSERTION_REFUSED", str(error)[:300]))
        if self.message_log is not None:
            self.message_log.append(
                claims.jti, claims.issuer, keys.party, digest(assertion), kind="request"
            )
        return Verdict(claims.request_hash, claims.jti)

    def seal(self, code: str, verdict: Verdict, payload: bytes) -> bytes:
        keys = self.agencies[code]
        assert verdict.request_hash is not None
        sealed = seal_response(
            payload, keys, self.trusted(), verdict.request_hash, self.clock()
        ).encode("ascii")
        if self.message_log is not None:
            self.message_log.append(
                verdict.request_id or "", keys.party, self.issuer, digest(sealed), kind="response"
            )
        return sealed


__all__ = ["MEDIA_TYPE", "EnvelopeGuard", "Verdict"]
