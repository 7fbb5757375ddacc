"""The database writes of a page's dossier lists, inside the caller's transaction.

    await write_lists(conn, source_id, [(personal_id, record_id, version, lists), ...])

Called once the page's person rows are written, so every person has its store id. For each
list a record carries, the person's rows *from this source* are deleted and the record's rows
copied in, each with its provenance (source, source record id, version; synced_at is the
database's now()): a key present replaces that list whole, a key absent leaves it, rows other
sources (or a self-declaration) stated stay. One DELETE and one COPY per list per page, never a
statement per person.

With them, what the record sent (`received`, sync/dossier_lists.py `received_digest`) is kept
per person and source in dossier_lists_received, when the lists were read without a problem or
a repair; otherwise that row goes, and the record's lists are read again next time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sync.dossier_lists import Lists, list_columns

PROVENANCE = ("person_id", "source_id", "source_record_id", "source_version")


async def write_lists(
    conn: Any, source_id: str, stored: Sequence[tuple[str, str, str, Lists, str | None]]
) -> None:
    found = await conn.fetch(
        "SELECT personal_id, id FROM person WHERE personal_id = ANY($1::text[])",
        [personal_id for personal_id, *_ in stored],
    )
    ids = {row["personal_id"]: row["id"] for row in found}
    replaced: dict[str, list[int]] = defaultdict(list)  # table -> person ids whose list it is
    records: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    received: dict[int, tuple[str, str, str]] = {}  # person id -> (record, received, digest)
    unread: list[int] = []  # person ids whose lists are to be read next time
    for personal_id, record_id, version, lists, sent in stored:
        person_id = ids[personal_id]  # written just before: a KeyError is this page's fault
        if sent is not None:
            received[person_id] = (record_id, sent, lists.digest())
        else:
            received.pop(person_id, None)
            unread.append(person_id)
        for table, rows in lists.rows.items():
            replaced[table].append(person_id)
            records[table] += [(person_id, source_id, record_id, version, *row) for row in rows]
    columns = list_columns()
    for table, person_ids in replaced.items():
        await conn.execute(
            f"DELETE FROM {table} WHERE source_id = $1 AND person_id = ANY($2::bigint[])",
            source_id,
            person_ids,
        )
        if records[table]:
            await conn.copy_records_to_table(
                table, records=records[table], columns=(*PROVENANCE, *columns[table])
            )
    if unread:
        await conn.execute(
            "DELETE FROM dossier_lists_received WHERE source_id = $1"
            " AND person_id = ANY($2::bigint[])",
            source_id,
            unread,
        )
    if received:
        await conn.execute(
            """INSERT INTO dossier_lists_received
                   (person_id, source_id, source_record_id, received, lists_digest)
               SELECT p, $1, r, s, d
                 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS u(p, r, s, d)
               ON CONFLICT (person_id, source_id)
               DO UPDATE SET source_record_id = EXCLUDED.source_record_id,
                             received = EXCLUDED.received,
                             lists_digest = EXCLUDED.lists_digest""",
            source_id,
            list(received),
            *([v[i] for v in received.values()] for i in range(3)),
        )
