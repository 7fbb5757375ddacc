"""An in-memory source for unit tests: records, details and identities handed to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from adapters.base import Source
from vocabulary.sources import (
    Capability,
    ChangePage,
    DetailPart,
    Health,
    PersonDetail,
    SourceKind,
    SourceRecord,
)


class MockSource(Source):
    kind: ClassVar[SourceKind] = SourceKind.MOCK
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.CHANGE_FEED, Capability.PERSON_DETAIL}
    )

    def __init__(
        self,
        source_id: str,
        owner: str | None = None,
        records: Sequence[SourceRecord] = (),
        details: Mapping[str, PersonDetail] | None = None,
    ) -> None:
        super().__init__(source_id, owner)
        self.records = list(records)
        self.details = dict(details or {})
        self.closed = False

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        start = int(cursor) if cursor else 0
        page = tuple(self.records[start : start + limit])
        end = start + len(page)
        return ChangePage(page, str(end) if page else cursor, end < len(self.records))

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        found = {}
        for personal_id in personal_ids:
            detail = self.details.get(personal_id)
            if detail is not None:
                kept = {part: entries for part, entries in detail.parts.items() if part in parts}
                found[personal_id] = PersonDetail(personal_id, kept)
        return found

    async def health(self) -> Health:
        return Health(ok=not self.closed, checked_at=datetime.now(UTC), latency_ms=0.0)

    async def aclose(self) -> None:
        self.closed = True
