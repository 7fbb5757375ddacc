"""Group commit of the audit log: concurrent requests' rows chained together, nothing lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from store import audit
from store.audit_chain import AuditRow
from store.audit_writer import AuditWriter
from store.database import create_engine


@pytest_asyncio.fixture
async def store(fresh_store_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh_store_url, pool_size=4)
    try:
        yield engine
    finally:
        await engine.dispose()


def drafts(request: int, rows: int = 1, level: str = "province") -> list[AuditRow]:
    return [
        audit.draft(
            request_id=f"request-{request}",
            client_id="portal",
            subject=None if request % 2 else f"officer-{request}",
            level=level,
            organization="000.00.00.H27",
            purposes=["personnel"] if request % 3 else [],
            person_ids=[request * 100 + row, request * 100 + row + 1],
            fields=["Person.birthDate", "Person.personalId"][: 1 + row % 2],
        )
        for row in range(rows)
    ]


async def logged(engine: AsyncEngine) -> list[AuditRow]:
    return [row async for row in audit.rows(engine)]


async def test_concurrent_requests_share_statements_and_the_chain_verifies(
    store: AsyncEngine,
) -> None:
    writer = AuditWriter(store)
    requests = 40
    answers = await asyncio.gather(
        *(writer.append(drafts(i, rows=1 + i % 3)) for i in range(requests))
    )

    # every request got its own rows back, linked, and the log holds exactly those
    for i, written in enumerate(answers):
        assert [row.request_id for row in written] == [f"request-{i}"] * (1 + i % 3)
        assert all(row.id > 0 and len(row.hash) == 64 for row in written)
    in_log = await logged(store)
    assert sorted(row.id for written in answers for row in written) == [r.id for r in in_log]
    assert {(r.id, r.hash) for r in in_log} == {
        (row.id, row.hash) for written in answers for row in written
    }
    assert await audit.verify(store) == (len(in_log), [])
    # one request waited alone; the others gathered behind it
    assert writer.statements < requests


async def test_the_rows_of_one_request_keep_their_order_and_content(store: AsyncEngine) -> None:
    writer = AuditWriter(store)
    sent = drafts(7, rows=3)
    written = await writer.append(sent)
    assert writer.statements == 1
    assert [r.id for r in written] == sorted(r.id for r in written)
    stored = await logged(store)
    assert [(r.person_ids, r.fields, r.purposes, r.subject, r.at) for r in stored] == [
        (list(d.person_ids), list(d.fields), list(d.purposes), d.subject, d.at) for d in sent
    ]
    assert await audit.verify(store) == (3, [])


async def test_a_row_the_store_refuses_fails_only_its_own_request(store: AsyncEngine) -> None:
    writer = AuditWriter(store)
    too_long = "x" * 40  # the level column holds 16 characters
    results = await asyncio.gather(
        writer.append(drafts(1)),
        writer.append(drafts(2)),
        writer.append(drafts(3, level=too_long)),
        writer.append(drafts(4)),
        return_exceptions=True,
    )
    assert [isinstance(r, Exception) for r in results] == [False, False, True, False]
    assert sorted(r.request_id for r in await logged(store)) == [
        "request-1",
        "request-2",
        "request-4",
    ]
    assert (await audit.verify(store))[1] == []


async def test_nothing_to_audit_writes_nothing(store: AsyncEngine) -> None:
    writer = AuditWriter(store)
    assert await writer.append([]) == []
    assert writer.statements == 0
    assert await logged(store) == []


@pytest.mark.parametrize("max_rows", [1, 4])
async def test_a_batch_never_exceeds_its_row_limit(store: AsyncEngine, max_rows: int) -> None:
    writer = AuditWriter(store, max_batch_rows=max_rows)
    await asyncio.gather(*(writer.append(drafts(i, rows=2)) for i in range(10)))
    in_log = await logged(store)
    assert len(in_log) == 20
    # a request's rows are never split, so a limit below them still writes one request a time
    assert writer.statements >= (10 if max_rows == 1 else 5)
    assert await audit.verify(store) == (20, [])
