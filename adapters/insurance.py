"""Kind `insurance`: the social insurance database (BHXH): insurance number and contribution
periods (start, end, employer, salary basis) by personal ID.

    POST <base_url>/v1/insured/lookup {"personal_ids": [...]}   (at most `max_batch` a call)
    GET  <base_url>/v1/health
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from adapters.lookup import LookupSource, settings_reader
from exchange.payload import Reader
from vocabulary.sources import Capability, ContributionPeriod, InsuranceRecord, SourceKind

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


class InsuranceSource(LookupSource[InsuranceRecord]):
    """The social insurance database (holds everyone insured)."""

    kind: ClassVar[SourceKind] = SourceKind.INSURANCE
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.INSURANCE})
    collection: ClassVar[str] = "insured"

    def parse(self, payload: object, asked: Sequence[str]) -> dict[str, InsuranceRecord]:
        return parse_insured(payload, asked)

    async def insurance(self, personal_ids: Sequence[str]) -> Mapping[str, InsuranceRecord]:
        return await self.lookup(personal_ids)


from_settings = settings_reader("insurance", InsuranceSource)
