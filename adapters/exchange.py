"""Kind `exchange`: the client of an agency connector speaking the exchange protocol.

    source = ExchangeSource("VN:GOV:000.00.00.G18:HRM", "000.00.00.G18",
                            "http://127.0.0.1:8101/agencies/000.00.00.G18")
    page = await source.changes(None, 500)

GET for the change feed, organisations and health; POST only for detail lookups (personal IDs
in the body, never in URLs), one call per batch of at most `max_batch` people. Payloads are
checked against exchange/protocol.py; errors are translated by adapters/http.py.

With `envelope` (an exchange.caller.EnvelopeCaller), every call carries MOHA's signed
assertion and every answer must come back signed by the agency and encrypted to MOHA
(`application/jose`); an answer that fails any check raises SourceSecurityError with the
reason, is logged, and nothing of it is parsed. A plain JSON 200 is then refused too (no
downgrade). Sources configured with an `envelope` entry use it:

    envelope: {keys: moha-keys.json, agency_jwks: g18.jwks.json, message_log?: log.jsonl,
               skew_s?: 60}
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import orjson

from adapters.base import Source, timed_health
from adapters.errors import FatalSourceError, SourceSecurityError
from adapters.http import (
    DEFAULT_TIMEOUT,
    JsonClient,
    OutgoingCall,
    check_settings,
    decode_json,
    error_for_status,
    protocol_error,
    setting,
)
from adapters.wiring import NO_WIRING, SourceWiring
from exchange import declaration, protocol
from exchange.caller import EnvelopeCaller
from exchange.envelope import DEFAULT_POLICY, MEDIA_TYPE, EnvelopeError, digest
from exchange.keys import ExchangeKeyError, TrustedKeysFile, load
from exchange.msglog import MessageLog
from exchange.payload import PayloadError
from keymaterial.sealing import KeyMaterialError
from vocabulary.sources import (
    Capability,
    ChangePage,
    DetailPart,
    Health,
    OrganizationRecord,
    PersonDetail,
    SourceKind,
)

log = logging.getLogger(__name__)

_SETTINGS = frozenset({"base_url", "timeout_s", "max_batch", "envelope"})
_ENVELOPE_SETTINGS = frozenset({"keys", "agency_jwks", "message_log", "skew_s"})


class ExchangeSource(Source):
    """An agency connector.

    Args:
        source_id: `VN:GOV:<agency code>:HRM`.
        owner: the agency's electronic code (the root of the subtree it holds).
        base_url: the connector's address for this agency (with `/agencies/<code>` when one
            connector serves several agencies).
        timeout: seconds one HTTP call may take in all.
        max_batch: personal IDs per detail call (the protocol allows at most 200).
        envelope: sign calls and open sealed answers (None: plain JSON, protocol v1 without
            envelopes).
    """

    kind: ClassVar[SourceKind] = SourceKind.EXCHANGE
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.CHANGE_FEED, Capability.PERSON_DETAIL, Capability.ORGANIZATION_TREE}
    )

    def __init__(
        self,
        source_id: str,
        owner: str | None,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_batch: int = protocol.MAX_DETAIL_BATCH,
        envelope: EnvelopeCaller | None = None,
    ) -> None:
        super().__init__(source_id, owner)
        self.envelope = envelope
        if not 1 <= max_batch <= protocol.MAX_DETAIL_BATCH:
            raise ValueError(f"max_batch must be from 1 to {protocol.MAX_DETAIL_BATCH}")
        self.max_batch = max_batch
        self.http = JsonClient(source_id, base_url, timeout=timeout)

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        limit = max(1, min(limit, protocol.MAX_PAGE_SIZE))
        params = {"limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        payload = await self._get("v1/changes", params)
        try:
            # the lists are typed by the sync, and only when they are not the ones it holds
            return protocol.parse_changes(payload, limit, defer_sections=True)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        unique = list(dict.fromkeys(personal_ids))
        if not unique or not parts:
            return {}
        batches = [
            unique[start : start + self.max_batch]
            for start in range(0, len(unique), self.max_batch)
        ]
        found: dict[str, PersonDetail] = {}
        for result in await asyncio.gather(*(self._details(b, parts) for b in batches)):
            found.update(result)
        return found

    async def _details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> dict[str, PersonDetail]:
        request = protocol.detail_request(personal_ids, parts)
        if self.envelope is None:
            payload = await self.http.post("v1/persons/detail", request)
        else:
            payload = await self._sealed("POST", "v1/persons/detail", None, orjson.dumps(request))
        try:
            return protocol.parse_details(payload, personal_ids, parts)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def organizations(self) -> Sequence[OrganizationRecord]:
        payload = await self._get("v1/organizations")
        try:
            return protocol.parse_organizations(payload)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def health(self) -> Health:
        async def check() -> str:
            payload = await self._get("v1/health")
            try:
                report = protocol.parse_health(payload)
            except PayloadError as error:
                raise protocol_error(error, self.id) from error
            return f"{report.records} records"

        return await timed_health(check)

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        if self.envelope is None:
            return await self.http.get(path, params)
        return await self._sealed("GET", path, params, None)

    async def _sealed(
        self, method: str, path: str, params: Mapping[str, str] | None, content: bytes | None
    ) -> Any:
        """One call with MOHA's assertion; the answer's payload once its envelope checks out."""
        envelope = self.envelope
        assert envelope is not None
        assertions: list[str] = []

        def sign(call: OutgoingCall) -> None:
            # the target as it goes on the wire, below the base URL's path
            path_below = call.path.removeprefix(self.http.base_path.rstrip("/"))
            target = f"{path_below}?{call.query}" if call.query else path_below
            assertion = envelope.sign(method, target, content or b"")
            assertions.append(assertion)
            call.headers["Authorization"] = f"Bearer {assertion}"
            call.headers["Accept"] = f"{MEDIA_TYPE}, application/json;q=0.5"

        response, body = await self.http.send(
            method, path, params=params, content=content, prepare=sign
        )
        error = error_for_status(
            response.status_code, response.headers, body, self.id, datetime.now(UTC)
        )
        if error is not None:
            raise error
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != MEDIA_TYPE:
            raise SourceSecurityError(
                f"{self.id} answered {media or 'without a content type'} unsealed; "
                "an envelope was asked for",
                source_id=self.id,
                reason="malformed",
            )
        try:
            payload = envelope.open(body, assertions[-1])
        except EnvelopeError as exc:
            log.warning("refused an answer of %s: %s", self.id, exc)
            raise SourceSecurityError(
                f"{self.id} answered with an envelope that fails verification: {exc}",
                source_id=self.id,
                reason=exc.reason,
            ) from exc
        return decode_json(payload, self.id)

    # --- self-declarations (protocol version 2) -------------------------------------------

    @property
    def takes_declarations(self) -> bool:
        """Declarations travel sealed only: a source without the envelope gets them by export."""
        return self.envelope is not None

    async def send_declaration(
        self, payload: Mapping[str, Any], now: float
    ) -> DeliveredDeclaration:
        """Seals `payload` (exchange.declaration.declaration_payload) to the agency, posts it,
        and checks the agency's signed receipt for exactly that message."""
        envelope = self.envelope
        if envelope is None:
            raise FatalSourceError(f"{self.id} takes no declarations without the envelope")
        trusted = envelope.agency() if callable(envelope.agency) else envelope.agency
        try:
            token = declaration.seal_declaration(payload, envelope.moha, trusted, now)
        except EnvelopeError as error:
            raise SourceSecurityError(
                f"{self.id}: cannot seal a declaration: {error}",
                source_id=self.id,
                reason=error.reason,
            ) from error
        body = orjson.dumps(protocol.sealed_declaration(token))
        answer = await self._sealed("POST", "v1/declarations", None, body)
        try:
            receipt_token = protocol.parse_receipt(answer)
            receipt = declaration.verify_receipt(
                receipt_token, trusted, str(payload["declaration"]["id"]), digest(token)
            )
        except PayloadError as error:
            raise protocol_error(error, self.id) from error
        except EnvelopeError as error:
            raise SourceSecurityError(
                f"{self.id} answered a receipt that fails verification: {error}",
                source_id=self.id,
                reason=error.reason,
            ) from error
        return DeliveredDeclaration(token, receipt_token, receipt)

    async def declaration_outcomes(self, ids: Sequence[str]) -> list[declaration.Outcome]:
        """The agency's decisions on these declarations, each verified with its keys; the
        ones still undecided are simply absent."""
        envelope = self.envelope
        if envelope is None or not ids:
            return []
        trusted = envelope.agency() if callable(envelope.agency) else envelope.agency
        found: list[declaration.Outcome] = []
        for start in range(0, len(ids), protocol.MAX_DETAIL_BATCH):
            batch = list(ids[start : start + protocol.MAX_DETAIL_BATCH])
            body = orjson.dumps(protocol.outcomes_request(batch))
            answer = await self._sealed("POST", "v1/declarations/outcomes", None, body)
            try:
                tokens = protocol.parse_outcomes(answer)
                for token in tokens:
                    outcome = declaration.verify_outcome(token, trusted)
                    if outcome.declaration_id not in batch:
                        raise EnvelopeError(
                            "wrong_request", "an outcome of a declaration not asked"
                        )
                    found.append(replace(outcome, token=token))
            except PayloadError as error:
                raise protocol_error(error, self.id) from error
            except EnvelopeError as error:
                raise SourceSecurityError(
                    f"{self.id} answered an outcome that fails verification: {error}",
                    source_id=self.id,
                    reason=error.reason,
                ) from error
        return found

    async def aclose(self) -> None:
        await self.http.aclose()


@dataclass(frozen=True)
class DeliveredDeclaration:
    token: str  # the sealed declaration as sent
    receipt_token: str  # the agency's signed receipt, kept as proof
    receipt: declaration.Receipt


def envelope_from_settings(
    source_id: str, settings: Mapping[str, Any], key_encryption_key: bytes | None = None
) -> EnvelopeCaller:
    """An EnvelopeCaller from a source's `envelope` entry. MOHA's key file may be sealed with
    CBCCVC_KEY_ENCRYPTION_KEY, like the gateway's own signing keys: the wiring hands it in."""
    unknown = sorted(set(settings) - _ENVELOPE_SETTINGS)
    if unknown or "keys" not in settings or "agency_jwks" not in settings:
        raise FatalSourceError(
            f"source {source_id!r}: envelope takes keys, agency_jwks, message_log?, skew_s?"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
            source_id=source_id,
        )
    try:
        moha = load(Path(str(settings["keys"])), key_encryption_key)
        trusted = TrustedKeysFile(Path(str(settings["agency_jwks"])), party=source_id)
        trusted.current()  # fail at start-up, not on the first call
    except (OSError, ValueError, ExchangeKeyError, KeyMaterialError) as error:
        raise FatalSourceError(
            f"source {source_id!r}: envelope keys unusable: {error}", source_id=source_id
        ) from error
    log_path = settings.get("message_log")
    skew = settings.get("skew_s", DEFAULT_POLICY.skew_s)
    if isinstance(skew, bool) or not isinstance(skew, int | float) or skew < 0:
        raise FatalSourceError(f"source {source_id!r}: envelope skew_s must be seconds >= 0")
    return EnvelopeCaller(
        moha,
        trusted.current,
        source_id,
        policy=replace(DEFAULT_POLICY, skew_s=float(skew)),
        message_log=MessageLog(Path(str(log_path))) if log_path else None,
    )


def from_settings(settings: Mapping[str, Any], wiring: SourceWiring = NO_WIRING) -> Source:
    """An ExchangeSource from a sources-config entry:

    {id, kind: exchange, owner, base_url, timeout_s?: 5.0, max_batch?: 200,
     envelope?: {keys, agency_jwks, message_log?, skew_s?}}
    """
    check_settings(settings, "exchange", _SETTINGS)
    source_id = setting(settings, "id", str)
    envelope_settings = setting(settings, "envelope", dict, None)
    try:
        return ExchangeSource(
            source_id,
            setting(settings, "owner", str, None),
            setting(settings, "base_url", str),
            timeout=setting(settings, "timeout_s", float, DEFAULT_TIMEOUT),
            max_batch=setting(settings, "max_batch", int, protocol.MAX_DETAIL_BATCH),
            envelope=(
                envelope_from_settings(source_id, envelope_settings, wiring.key_encryption_key)
                if envelope_settings is not None
                else None
            ),
        )
    except ValueError as error:  # a malformed id or batch size
        raise FatalSourceError(str(error)) from error
