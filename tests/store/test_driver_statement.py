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
        await fetch_autocommit(engine, "CREATE TABLE driver_statement_t (x int)", ())
        await fetch_autocommit(engine, "INSERT INTO driver_statement_t VALUES (1)", ())
        async with engine.connect() as conn:  # another session sees the row: it is committed
            assert await conn.scalar(text("SELECT count(*) FROM driver_statement_t")) == 1
    finally:
        await fetch_autocommit(engine, "DROP TABLE IF EXISTS driver_statement_t", ())
        await engine.dispose()


BACKENDS = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])"


async def test_its_connections_are_kept_between_statements_and_closed_with_the_engine(
    seeded_store_url: URL,
) -> None:
    """The statements keep their backends (at most half the pool) instead of checking one out
    of SQLAlchemy's pool per statement; disposing of the engine closes them."""
    engine = create_engine(seeded_store_url, pool_size=2)  # a pool of 4, a lane of 2
    pid = "SELECT pg_backend_pid()"
    try:
        first = (await fetch_autocommit(engine, pid, ()))[0][0]
        for _ in range(5):
            assert (await fetch_autocommit(engine, pid, ()))[0][0] == first
        # four at once: the lane lends the two it keeps and borrows the pool's other two
        together = await asyncio.gather(
            *(fetch_autocommit(engine, SLOW_ENOUGH, ()) for _ in range(4))
        )
        used = {rows[0][0] for rows in together}
        assert len(used) == 4
        async with engine.connect() as one, engine.connect() as two:  # it kept two, not four
            assert await one.scalar(text("SELECT 1")) == await two.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
    watcher = await asyncpg.connect(
        host=seeded_store_url.host, port=seeded_store_url.port,
        user=seeded_store_url.username, database=seeded_store_url.database,
    )  # fmt: skip
    try:
        for _ in range(40):  # a backend ends shortly after its client closes the socket
            if await watcher.fetchval(BACKENDS, sorted(used)) == 0:
                break
            await asyncio.sleep(0.05)
        assert await watcher.fetchval(BACKENDS, sorted(used)) == 0, (
            "the engine's backends outlived dispose()"
        )
    finally:
        await watcher.close()


SLOW_ENOUGH = "SELECT pg_backend_pid() FROM pg_sleep(0.1)"
"""Long enough that four run at the same time, each on its own connection."""


async def test_a_connection_that_failed_is_not_lent_again(seeded_store_url: URL) -> None:
    engine = create_engine(seeded_store_url, pool_size=1)
    pid = "SELECT pg_backend_pid()"
    try:
        first = (await fetch_autocommit(engine, pid, ()))[0][0]
        async with engine.connect() as conn:  # its backend ends, as when the server restarts
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        for _ in range(40):
            try:
                second = (await fetch_autocommit(engine, pid, ()))[0][0]
                break
            # the first call may meet the end: the server's FATAL error, the closed socket, or
            # the protocol left mid-way by the server's unsolicited goodbye
            except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError):
                await asyncio.sleep(0.05)
        assert second != first
        with pytest.raises(asyncpg.UndefinedTableError):  # refused by the server: kept
            await fetch_autocommit(engine, "SELECT * FROM no_such_table", ())
        assert (await fetch_autocommit(engine, pid, ()))[0][0] == second
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
