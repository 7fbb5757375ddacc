"""When each stamped change reached the store: one row per record version a source stamped.

Written inside the batch's transaction, so the arrival is the moment the version was stored or
rejected; a version read again (a crash, a full resync) keeps its first arrival.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vocabulary.sources import SourceRecord


async def record_arrivals(conn: Any, source_id: str, records: Sequence[SourceRecord]) -> None:
    stamped = [r for r in records if r.changed_at is not None]
    if stamped:
        # one statement per batch, whatever its size
        await conn.execute(
            """INSERT INTO sync_arrival (source_id, source_record_id, source_version, changed_at)
               SELECT $1, r, v, c
                 FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS s(r, v, c)
               ON CONFLICT DO NOTHING""",
            source_id,
            [r.source_record_id for r in stamped],
            [r.version for r in stamped],
            [r.changed_at for r in stamped],
        )
