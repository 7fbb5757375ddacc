"""Kind `exchange`: the client of an agency connector speaking the exchange protocol.

    source = ExchangeSource("VN:GOV:000.00.00.G18:HRM", "000.00.00.G18",
                            "http://127.0.0.1:8101/agencies/000.00.00.G18")
    page = await source.changes(None, 500)

GET for the change feed, organisations and health; POST only for detail lookups (personal IDs
in the body, never in URLs), one call per batch of at most `max_batch` people. Payloads are
checked against exchange/protocol.py; errors are translated by adapters/http.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx

from adapters.base import Source
from adapters.errors import FatalSourceError
from adapters.http import (
    DEFAULT_TIMEOUT,
    JsonClient,
    check_settings,
    protocol_error,
    setting,
    timed_health,
)
from adapters.types import (
    Capability,
    ChangePage,
    DetailPart,
    Health,
    OrganizationRecord,
    PersonDetail,
    SourceKind,
)
from exchange import protocol
from exchange.payload import PayloadError

_SETTINGS = frozenset({"base_url", "timeout_s", "max_batch"})


class ExchangeSource(Source):
    """An agency connector.

    Args:
        source_id: `VN:GOV:<agency code>:HRM`.
        owner: the agency's electronic code (the root of the subtree it holds).
        base_url: the connector's address for this agency (with `/agencies/<code>` when one
            connector serves several agencies).
        timeout: seconds one HTTP call may take in all.
        max_batch: personal IDs per detail call (the protocol allows at most 200).
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
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(source_id, owner)
        if not 1 <= max_batch <= protocol.MAX_DETAIL_BATCH:
            raise ValueError(f"max_batch must be from 1 to {protocol.MAX_DETAIL_BATCH}")
        self.max_batch = max_batch
        self.http = JsonClient(source_id, base_url, timeout=timeout, transport=transport)

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        limit = max(1, min(limit, protocol.MAX_PAGE_SIZE))
        params = {"limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        payload = await self.http.get("v1/changes", params)
        try:
            return protocol.parse_changes(payload, limit)
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
        payload = await self.http.post(
            "v1/persons/detail", protocol.detail_request(personal_ids, parts)
        )
        try:
            return protocol.parse_details(payload, personal_ids, parts)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def organizations(self) -> Sequence[OrganizationRecord]:
        payload = await self.http.get("v1/organizations")
        try:
            return protocol.parse_organizations(payload)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def health(self) -> Health:
        async def check() -> str:
            payload = await self.http.get("v1/health")
            try:
                report = protocol.parse_health(payload)
            except PayloadError as error:
                raise protocol_error(error, self.id) from error
            return f"{report.records} records"

        return await timed_health(check)

    async def aclose(self) -> None:
        await self.http.aclose()


def from_settings(settings: Mapping[str, Any]) -> Source:
    """An ExchangeSource from a sources-config entry:

    {id, kind: exchange, owner, base_url, timeout_s?: 5.0, max_batch?: 200}
    """
    check_settings(settings, "exchange", _SETTINGS)
    try:
        return ExchangeSource(
            setting(settings, "id", str),
            setting(settings, "owner", str, None),
            setting(settings, "base_url", str),
            timeout=setting(settings, "timeout_s", float, DEFAULT_TIMEOUT),
            max_batch=setting(settings, "max_batch", int, protocol.MAX_DETAIL_BATCH),
        )
    except ValueError as error:  # a malformed id or batch size
        raise FatalSourceError(str(error)) from error


# the name the registry's brief used; the registry looks up `from_settings`
from_config = from_settings
