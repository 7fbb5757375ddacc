"""A person row as its writers fill it: the columns in table order, and its content hash.

Two writers fill the person table: the sandbox's seed (the records it makes up) and the sync
(the records the agencies send). Both write these columns and hash a row's content the same
way, so a record seeded and the same record synced carry the same hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from store.models import Person

PROVENANCE_COLUMNS: tuple[str, ...] = (
    "source_id",
    "source_record_id",
    "source_version",
    "content_hash",
)
CONTENT_COLUMNS: tuple[str, ...] = tuple(
    column.name
    for column in Person.__table__.columns
    if column.name not in {"id", "synced_at", *PROVENANCE_COLUMNS}
)
"""What the record says, in table order: every column but the store's own and provenance."""
PERSON_COLUMNS: tuple[str, ...] = CONTENT_COLUMNS + PROVENANCE_COLUMNS
"""Every column a writer fills, in table order (provenance is last in the table)."""

_ORGANIZATION = CONTENT_COLUMNS.index("organization_id")


def content_hash(row: Sequence[object], organization_code: str) -> str:
    """SHA-256 of a row's content (its first values, in CONTENT_COLUMNS order; provenance may
    follow), the same for the same content.

    The organisation is hashed by its code, not its store id, so a re-seeded store or another
    store holding the same record gives the same hash.
    """
    values = list(row[: len(CONTENT_COLUMNS)])
    values[_ORGANIZATION] = organization_code
    text = "\x1f".join(["\x00" if value is None else str(value) for value in values])
    return hashlib.sha256(text.encode()).hexdigest()
