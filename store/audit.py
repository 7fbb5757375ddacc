"""Writing and checking the audit log (the hash chain itself is in store/audit_chain.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from store.audit_chain import GENESIS, AuditRow, ChainProblem, ChainVerifier, row_hash
from store.models import table_of
from store.models_access import AuditEntry

audit_log = table_of(AuditEntry)

# One writer at a time extends the chain, across every gateway replica: the lock is the
# database's, held until the inserting transaction ends.
_CHAIN_LOCK = 0x61756469  # "audi"


async def append(conn: AsyncConnection, drafts: Sequence[AuditRow]) -> list[AuditRow]:
    """Chain `drafts` (id, prev_hash and hash are filled in here) onto the log, in order."""
    if not drafts:
        return []
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = (
        await conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1))
    ).scalar_one_or_none()
    previous = last or GENESIS
    ids = (
        (
            await conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"n": len(drafts)},
            )
        )
        .scalars()
        .all()
    )
    written = []
    for draft, row_id in zip(drafts, sorted(ids), strict=True):
        row = replace(draft, id=row_id, prev_hash=previous, at=draft.at.astimezone(UTC))
        row = replace(row, hash=row_hash(row))
        written.append(row)
        previous = row.hash
    await conn.execute(
        audit_log.insert(),
        [
            {
                "id": row.id,
                "at": row.at,
                "request_id": row.request_id,
                "client_id": row.client_id,
                "subject": row.subject,
                "level": row.level,
                "organization": row.organization,
                "purposes": list(row.purposes),
                "person_ids": list(row.person_ids),
                "fields": list(row.fields),
                "prev_hash": row.prev_hash,
                "hash": row.hash,
            }
            for row in written
        ],
    )
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
