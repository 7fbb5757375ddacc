"""Kind `insurance`: the social insurance database (BHXH): insurance number and contribution
periods (start, end, employer, salary basis) by personal ID.

    POST <base_url>/v1/insured/lookup {"personal_ids": [...]}   (at most `max_batch` a call)
    GET  <base_url>/v1/health
"""

from __future__ import annotations

import asyncio
import re
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
from adapters.population import batches
from adapters.types import Capability, ContributionPeriod, Health, InsuranceRecord, SourceKind
from exchange.payload import PayloadError, Reader

MAX_BATCH = 100
MAX_PERIODS = 200
_INSURANCE_NUMBER = re.compile(r"^[0-9]{10}$")


def parse_insured(payload: object, asked: Sequence[str]) -> dict[str, InsuranceRecord]:
    """The lookup's answer as insurance records; PayloadError when its shape is wrong."""
    wanted = set(asked)
    found = {}
    for item in Reader(payload).field("insured").array(max_items=len(wanted)):
        personal_id = item.field("personal_id")
        if personal_id.text(max_length=12) not in wanted:
            raise personal_id.fail("one of the personal IDs asked about")
        number = item.field("insurance_number")
        if not _INSURANCE_NUMBER.match(number.text(max_length=10)):
            raise number.fail("a 10-digit insurance number")
        periods = []
        for period in item.field("periods").array(max_items=MAX_PERIODS):
            end = period.optional("to")
            basis = period.field("salary_basis")
            salary_basis = basis.decimal()
            if salary_basis < 0:
                raise basis.fail("a salary basis of 0 or more")
            periods.append(
                ContributionPeriod(
                    start=period.field("from").day(),
                    end=end.day() if end else None,
                    employer=period.field("employer").text(max_length=500),
                    salary_basis=salary_basis,
                )
            )
        record = InsuranceRecord(personal_id.text(), number.text(), tuple(periods))
        found[record.personal_id] = record
    return found


_SETTINGS = frozenset({"base_url", "timeout_s", "max_batch"})


class InsuranceSource(Source):
    """The social insurance database (holds everyone insured: no owner)."""

    kind: ClassVar[SourceKind] = SourceKind.INSURANCE
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.INSURANCE})

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

    async def insurance(self, personal_ids: Sequence[str]) -> Mapping[str, InsuranceRecord]:
        found: dict[str, InsuranceRecord] = {}
        for result in await asyncio.gather(
            *(self._lookup(batch) for batch in batches(personal_ids, self.max_batch))
        ):
            found.update(result)
        return found

    async def _lookup(self, personal_ids: list[str]) -> dict[str, InsuranceRecord]:
        payload = await self.http.post("v1/insured/lookup", {"personal_ids": personal_ids})
        try:
            return parse_insured(payload, personal_ids)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def health(self) -> Health:
        async def check() -> str:
            payload = await self.http.get("v1/health")
            try:
                return f"{Reader(payload).field('insured').integer(minimum=0)} insured"
            except PayloadError as error:
                raise protocol_error(error, self.id) from error

        return await timed_health(check)

    async def aclose(self) -> None:
        await self.http.aclose()


def from_settings(settings: Mapping[str, Any]) -> Source:
    """An InsuranceSource from a sources-config entry:

    {id, kind: insurance, base_url, owner?: null, timeout_s?: 5.0, max_batch?: 100}
    """
    check_settings(settings, "insurance", _SETTINGS)
    try:
        return InsuranceSource(
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
