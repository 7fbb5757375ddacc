"""Kind `population`: the national population database, asked who a personal ID belongs to.

    POST <base_url>/v1/citizens/lookup {"personal_ids": [...]}   (at most `max_batch` a call)
    GET  <base_url>/v1/health

The database writes gender as "Nam"/"Nữ"; we answer in the standard's terms ("male"/"female").
A record we cannot read fails the whole call with SourceProtocolError: an identity check must
never be answered with a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from adapters.lookup import LookupSource, settings_reader
from exchange.payload import Reader
from vocabulary.sources import Capability, IdentityRecord, SourceKind

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


class PopulationSource(LookupSource[IdentityRecord]):
    """The population database: who a personal ID belongs to."""

    kind: ClassVar[SourceKind] = SourceKind.POPULATION
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.IDENTITY_CHECK})
    collection: ClassVar[str] = "citizens"

    def parse(self, payload: object, asked: Sequence[str]) -> dict[str, IdentityRecord]:
        return parse_citizens(payload, asked)

    async def identities(self, personal_ids: Sequence[str]) -> Mapping[str, IdentityRecord]:
        return await self.lookup(personal_ids)


from_settings = settings_reader("population", PopulationSource)
