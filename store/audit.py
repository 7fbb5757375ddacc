"""Writing and checking the audit log (the hash chain itself is in store/audit_chain.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from store.audit_chain import AuditRow, ChainProblem, ChainVerifier, content_digest
from store.driver_statement import fetch_autocommit
from store.models import table_of
from store.models_access import AuditEntry

audit_log = table_of(AuditEntry)


# Every row of `$1` (a JSON array of rows, each an array in audit_append()'s argument order)
# chained in one statement: audit_append() runs once per row, in order. Each call takes the
# chain lock (re-entrant within the transaction) and, being VOLATILE, sees the rows the calls
# before it inserted, so N rows are linked exactly as N statements would link them, for one
# round trip and one commit. `n` says which row got which id and hash.
APPEND_ROWS = """
SELECT d.n, a.id, a.hash
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS d(r, n)
 CROSS JOIN LATERAL audit_append(
       (d.r->>0)::timestamptz, d.r->>1, d.r->>2, d.r->>3, d.r->>4, d.r->>5,
       ARRAY(SELECT e FROM jsonb_array_elements_text(d.r->6) WITH ORDINALITY AS t(e, i)
              ORDER BY i),
       ARRAY(SELECT e::bigint FROM jsonb_array_elements_text(d.r->7) WITH ORDINALITY AS t(e, i)
              ORDER BY i),
       ARRAY(SELECT e FROM jsonb_array_elements_text(d.r->8) WITH ORDINALITY AS t(e, i)
              ORDER BY i),
       d.r->>9) AS a
 ORDER BY d.n
"""


def _as_arguments(row: AuditRow) -> list[object]:
    """audit_append()'s arguments for `row`, as JSON values that convert back exactly."""
    return [
        # microseconds and the UTC offset written out: the text parses back to the very
        # instant the content digest was computed over
        row.at.isoformat(timespec="microseconds"),
        row.request_id,
        row.client_id,
        row.subject,
        row.level,
        row.organization,
        list(row.purposes),
        list(row.person_ids),
        list(row.fields),
        content_digest(row),
    ]


async def append(conn: AsyncConnection, drafts: Sequence[AuditRow]) -> list[AuditRow]:
    """Chain `drafts` onto the log in order, in one statement (APPEND_ROWS), on `conn` (in
    its transaction, if it has one begun)."""
    if not drafts:
        return []
    rows, argument = _prepared(drafts)
    result = await conn.exec_driver_sql(APPEND_ROWS, (argument,))
    return _linked(rows, result.mappings().all())


async def append_autocommit(engine: AsyncEngine, drafts: Sequence[AuditRow]) -> list[AuditRow]:
    """`append` on a connection of its own, committed when it returns.

    audit_append() takes the chain lock, links each row and inserts it atomically, so no
    transaction is opened around it: the rows of a request, or of a batch of requests
    (store/audit_writer.py), cost one round trip and one commit. The fixed text goes straight
    to asyncpg (store/driver_statement.py).
    """
    if not drafts:
        return []
    rows, argument = _prepared(drafts)
    records = await fetch_autocommit(engine, APPEND_ROWS, (argument,))
    return _linked(rows, records)


def _prepared(drafts: Sequence[AuditRow]) -> tuple[list[AuditRow], str]:
    rows = [replace(d, at=d.at.astimezone(UTC)) for d in drafts]
    return rows, orjson.dumps([_as_arguments(row) for row in rows]).decode()


def _linked(rows: list[AuditRow], results: Sequence[Any]) -> list[AuditRow]:
    """The rows with the id and hash audit_append() gave each (`n` is the row's place)."""
    linked = {result["n"]: (result["id"], result["hash"]) for result in results}
    return [replace(row, id=linked[n][0], hash=linked[n][1]) for n, row in enumerate(rows, start=1)]


def draft(
    *,
    request_id: str,
    client_id: str | None,
    subject: str | None,
    level: str,
    organization: str | None,
    purposes: Sequence[str],
    person_ids: Sequence[int],
    fields: Sequence[str],
    at: datetime | None = None,
) -> AuditRow:
    return AuditRow(
        id=0,
        at=at or datetime.now(UTC),
        request_id=request_id,
        client_id=client_id,
        subject=subject,
        level=level,
        organization=organization,
        purposes=sorted(purposes),
        person_ids=list(person_ids),
        fields=list(fields),
        prev_hash="",
    )


async def rows(engine: AsyncEngine, batch: int = 5000) -> AsyncIterator[AuditRow]:
    """The whole log in id order, read in batches (bounded memory for a long log)."""
    after = 0
    while True:
        async with engine.connect() as conn:
            page = (
                await conn.execute(
                    select(audit_log)
                    .where(audit_log.c.id > after)
                    .order_by(audit_log.c.id)
                    .limit(batch)
                )
            ).all()
        if not page:
            return
        for row in page:
            yield AuditRow(
                id=row.id,
                at=row.at,
                request_id=row.request_id,
                client_id=row.client_id,
                subject=row.subject,
                level=row.level,
                organization=row.organization,
                purposes=row.purposes,
                person_ids=row.person_ids,
                fields=row.fields,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
        after = page[-1].id


async def verify(engine: AsyncEngine) -> tuple[int, list[ChainProblem]]:
    """(rows checked, problems found) over the whole log."""
    verifier = ChainVerifier()
    async for row in rows(engine):
        verifier.feed(row)
    return verifier.checked, verifier.problems
