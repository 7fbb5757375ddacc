"""Writing and checking the audit log (the hash chain itself is in store/audit_chain.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from store.audit_chain import AuditRow, ChainProblem, ChainVerifier, content_digest
from store.models import table_of
from store.models_access import AuditEntry

audit_log = table_of(AuditEntry)


async def append(conn: AsyncConnection, drafts: Sequence[AuditRow]) -> list[AuditRow]:
    """Chain `drafts` onto the log in order: one `audit_append()` statement each.

    The function takes the chain lock, links the row and inserts it atomically, so this works
    in autocommit mode: the hot path of a request pays one round trip for its audit record.
    """
    written = []
    for draft in drafts:
        row = replace(draft, at=draft.at.astimezone(UTC))
        result = (
            await conn.execute(
                select(
                    func.audit_append(
                        row.at,
                        row.request_id,
                        row.client_id,
                        row.subject,
                        row.level,
                        row.organization,
                        list(row.purposes),
                        list(row.person_ids),
                        list(row.fields),
                        content_digest(row),
                    ).table_valued("id", "hash")
                )
            )
        ).one()
        written.append(replace(row, id=result.id, hash=result.hash))
    return written


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
