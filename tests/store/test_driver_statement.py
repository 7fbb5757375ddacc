"""Statements run straight on asyncpg keep what the engine promises: counted, timed out,
cancelled with their request, the connection usable afterwards."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from store.database import StatementCounter, create_engine
from store.driver_statement import fetch_autocommit

SLOW = "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b"


async def test_the_engine_counts_it_and_its_rows_come_back(seeded_store_url: URL) -> None:
    engine = create_engine(seeded_store_url, pool_size=1)
    counter = StatementCounter(engine)
    try:
        rows = await fetch_autocommit(engine, "SELECT $1::int + 1 AS answer", (41,))
        assert [row["answer"] for row in rows] == [42]
        assert counter.statements == ["SELECT $1::int + 1 AS answer"]
    finally:
        await engine.dispose()


async def test_it_commits_on_its_own(seeded_store_url: URL) -> None:
    engine = create_engine(seeded_store_url, pool_size=1)
    try:
        await fetch_autocommit(engine, "CREATE TEMP TABLE IF NOT EXISTS t (x int)", ())
        await fetch_autocommit(engine, "INSERT INTO t VALUES (1)", ())
        async with engine.connect() as conn:  # the same pooled connection, the row committed
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 1
    finally:
        await engine.dispose()


async def test_the_engine_statement_timeout_applies(seeded_store_url: URL) -> None:
    engine = create_engine(seeded_store_url, pool_size=1, statement_timeout_s=0.2)
    try:
        with pytest.raises(asyncpg.QueryCanceledError, match="statement timeout"):
            await fetch_autocommit(engine, SLOW, ())
        assert [tuple(r) for r in await fetch_autocommit(engine, "SELECT 1", ())] == [(1,)]
    finally:
        await engine.dispose()


async def test_a_request_that_ends_cancels_it_on_the_server(seeded_store_url: URL) -> None:
    # the server's timeout only as a safety net: a cancel that arrives before the statement
    # starts is lost (PostgreSQL ignores it), and the cross join must not hog a shared server
    engine = create_engine(seeded_store_url, pool_size=1, statement_timeout_s=60)
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await fetch_autocommit(engine, SLOW, ())
        for _ in range(40):  # the cancel request is asynchronous: up to 2 s
            running = await fetch_autocommit(
                engine,
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND datname = current_database() AND pid <> pg_backend_pid() "
                "AND query LIKE '%generate_series(1, 100000) a%'",
                (),
            )
            if running[0][0] == 0:
                break
            await asyncio.sleep(0.05)
        assert running[0][0] == 0, "the backend still runs the statement after the request ended"
    finally:
        await engine.dispose()
