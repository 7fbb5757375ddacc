"""Kind `population`: the national population database, asked who a personal ID belongs to.

    POST <base_url>/v1/citizens/lookup {"personal_ids": [...]}   (at most `max_batch` a call)
    GET  <base_url>/v1/health

The database writes gender as "Nam"/"Nữ"; we answer in the standard's terms ("male"/"female").
A record we cannot read fails the whole call with SourceProtocolError: an identity check must
never be answered with a guess.
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
from adapters.types import Capability, Health, IdentityRecord, SourceKind
from exchange.payload import PayloadError, Reader

MAX_BATCH = 100
GENDERS = {"Nam": "male", "Nữ": "female"}


def parse_citizens(payload: object, asked: Sequence[str]) -> dict[str, IdentityRecord]:
    """The lookup's answer as identity records; PayloadError when its shape is wrong."""
    wanted = set(asked)
    found = {}
    for item in Reader(payload).field("citizens").array(max_items=len(wanted)):
        personal_id = item.field("personal_id")
        if personal_id.text(max_length=12) not in wanted:
            raise personal_id.fail("one of the personal IDs asked about")
        residence = item.optional("residence")
        record = IdentityRecord(
            personal_id=personal_id.text(),
            full_name=item.field("full_name").text(max_length=200),
            birth_date=item.field("birth_date").day(),
            gender=GENDERS[item.field("gender").choice(GENDERS)],
            residence=residence.text(max_length=500) if residence else None,
        )
        found[record.personal_id] = record
    return found


def batches(personal_ids: Sequence[str], size: int) -> list[list[str]]:
    unique = list(dict.fromkeys(personal_ids))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


_SETTINGS = frozenset({"base_url", "timeout_s", "max_batch"})


class PopulationSource(Source):
    """The population database (holds everyone: no owner).

    Args:
        base_url: the service's address.
        timeout: seconds one HTTP call may take in all.
        max_batch: personal IDs per call (the service takes at most 100).
    """

    kind: ClassVar[SourceKind] = SourceKind.POPULATION
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.IDENTITY_CHECK})

    def __init__(
        self,
        source_id: str,
        base_url: str,
        *,
        owner: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_batch: int = MAX_BATCH,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(source_id, owner)
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError(f"max_batch must be from 1 to {MAX_BATCH}")
        self.max_batch = max_batch
        self.http = JsonClient(source_id, base_url, timeout=timeout, transport=transport)

    async def identities(self, personal_ids: Sequence[str]) -> Mapping[str, IdentityRecord]:
        found: dict[str, IdentityRecord] = {}
        for result in await asyncio.gather(
            *(self._lookup(batch) for batch in batches(personal_ids, self.max_batch))
        ):
            found.update(result)
        return found

    async def _lookup(self, personal_ids: list[str]) -> dict[str, IdentityRecord]:
        payload = await self.http.post("v1/citizens/lookup", {"personal_ids": personal_ids})
        try:
            return parse_citizens(payload, personal_ids)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def health(self) -> Health:
        async def check() -> str:
            payload = await self.http.get("v1/health")
            try:
                return f"{Reader(payload).field('citizens').integer(minimum=0)} citizens"
            except PayloadError as error:
                raise protocol_error(error, self.id) from error

        return await timed_health(check)

    async def aclose(self) -> None:
        await self.http.aclose()


def from_settings(settings: Mapping[str, Any]) -> Source:
    """A PopulationSource from a sources-config entry:

    {id, kind: population, base_url, owner?: null, timeout_s?: 5.0, max_batch?: 100}
    """
    check_settings(settings, "population", _SETTINGS)
    try:
        return PopulationSource(
            setting(settings, "id", str),
            setting(settings, "base_url", str),
            owner=setting(settings, "owner", str, None),
            timeout=setting(settings, "timeout_s", float, DEFAULT_TIMEOUT),
            max_batch=setting(settings, "max_batch", int, MAX_BATCH),
        )
    except ValueError as error:  # a malformed id or batch size
        raise FatalSourceError(str(error)) from error


# the name the registry's brief used; the registry looks up `from_settings`
from_config = from_settings
