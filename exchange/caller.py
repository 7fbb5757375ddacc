"""MOHA's side of the envelope: sign each call to a connector, open and check each answer.

    caller = EnvelopeCaller(moha_keys, TrustedKeysFile(Path("g18.jwks.json")).current, agency_id)
    assertion = caller.sign("GET", "/v1/changes?limit=500", b"")
    payload = caller.open(response_body, assertion)       # raises EnvelopeError

The agency's keys come from a JWKS registered out of band (a file the agency hands over, read
again when it changes), never from the connector being called: a connector cannot vouch for
itself. Every envelope sent and received is logged with its digest when a MessageLog is given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from exchange.envelope import (
    DEFAULT_POLICY,
    EnvelopeError,
    Policy,
    claims_jti,
    digest,
    open_response,
    request_hash,
    sign_request,
)
from exchange.keys import PartyKeys, TrustedKeys
from exchange.msglog import MessageLog


@dataclass
class EnvelopeCaller:
    """Args:
    moha: MOHA's keys with their private halves (sign assertions, decrypt answers).
    agency: the agency's trusted keys, or a callable returning the current ones.
    audience: the agency's identifier (`VN:GOV:<code>:HRM`), the assertions' `aud`.
    """

    moha: PartyKeys
    agency: TrustedKeys | Callable[[], TrustedKeys]
    audience: str
    policy: Policy = DEFAULT_POLICY
    message_log: MessageLog | None = None
    lifetime_s: float = 120.0
    clock: Callable[[], float] = time.time

    def sign(self, method: str, target: str, body: bytes) -> str:
        assertion = sign_request(
            self.moha, self.audience, method, target, body, self.clock(),
            lifetime_s=self.lifetime_s,
        )  # fmt: skip
        if self.message_log is not None:
            self.message_log.append(
                claims_jti(assertion), self.moha.party, self.audience, digest(assertion),
                kind="request",
            )  # fmt: skip
        return assertion

    def open(self, token: bytes, assertion: str) -> bytes:
        """The payload of an answer to `assertion`; EnvelopeError when any check fails."""
        now = self.clock()
        when = datetime.fromtimestamp(now, UTC)
        trusted = self.agency() if callable(self.agency) else self.agency
        opened = open_response(
            token,
            decrypter=lambda kid: self.moha.decryption_key(kid, when),
            trusted=trusted,
            issuer=self.audience,
            audience=self.moha.party,
            answers=request_hash(assertion),
            now=now,
            policy=self.policy,
        )
        if self.message_log is not None:
            self.message_log.append(
                claims_jti(assertion), self.audience, self.moha.party, opened.digest,
                kind="response",
            )  # fmt: skip
        return opened.payload


__all__ = ["EnvelopeCaller", "EnvelopeError"]
