"""The store's engine never lets a statement outlive the request deadline it was given."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from graphql_client import CENTRAL, token_for
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.settings import Settings
from store.database import create_engine

# a statement that is genuinely slow: a cross join counted row by row, no sleep
SLOW = "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b"


async def test_a_statement_past_the_deadline_is_cancelled_by_the_server(
    seeded_store_url: URL,
) -> None:
    engine = create_engine(seeded_store_url, pool_size=1, statement_timeout_s=0.2)
    try:
        started = time.monotonic()
        with pytest.raises(DBAPIError, match="statement timeout"):
            async with engine.connect() as conn:
                await conn.execute(text(SLOW))
        assert time.monotonic() - started < 3
        async with engine.connect() as conn:
            running = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE state = 'active' AND datname = current_database() "
                    "AND query LIKE '%generate_series(1, 100000) a%' "
                    "AND pid <> pg_backend_pid()"
                )
            )
        assert running == 0, "the backend still runs the statement after the deadline"
    finally:
        await engine.dispose()


async def test_a_request_that_ends_cancels_its_statement_on_the_server(
    seeded_store_url: URL,
) -> None:
    # what DeadlineMiddleware (504) and a client disconnect do: cancel the request's task
    engine = create_engine(seeded_store_url, pool_size=1)
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2), engine.connect() as conn:
                await conn.execute(text(SLOW))
        for _ in range(40):  # poll for up to 2 s: the cancel request is asynchronous
            if (running := await _running(seeded_store_url)) == 0:
                break
            await asyncio.sleep(0.05)
        assert running == 0, "the backend still runs the statement after the request ended"
    finally:
        await engine.dispose()


async def _running(url: URL) -> int:
    watcher = create_engine(url, pool_size=1)
    try:
        async with watcher.connect() as conn:
            return int(
                await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                        "AND datname = current_database() "
                        "AND query LIKE '%generate_series(1, 100000) a%' "
                        "AND pid <> pg_backend_pid()"
                    )
                )
            )
    finally:
        await watcher.dispose()


async def test_after_a_504_no_backend_still_works_for_the_request(
    seeded_store_url: URL, engine: AsyncEngine
) -> None:
    """Through the whole gateway: a lock held elsewhere makes the directory's statement wait;
    the deadline answers 504, and the request's backend is neither waiting nor running after it.
    The gateway's engine here has no statement_timeout (a shared test pool), so what stops the
    statement is the request's end itself."""
    app = create_app(Settings(request_deadline=0.5), seeded_store_url, engine=engine)
    blocker = create_engine(seeded_store_url, pool_size=1)
    marker = "directory_page_under_lock"
    query = f"query {marker} {{ persons(first: 5) {{ edges {{ node {{ fullName }} }} }} }}"
    try:
        async with app.router.lifespan_context(app), blocker.connect() as lock:
            await lock.execute(text("LOCK TABLE person IN ACCESS EXCLUSIVE MODE"))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                response = await client.post(
                    "/graphql",
                    json={"query": query},
                    headers={"Authorization": f"Bearer {token_for(app, CENTRAL)}"},
                )
            assert response.status_code == 504
            assert response.json()["errors"][0]["extensions"]["code"] == "DEADLINE_EXCEEDED"
            for _ in range(40):  # the cancel request is asynchronous: poll for up to 2 s
                waiting = await lock.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                        "AND datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                if waiting == 0:
                    break
                await asyncio.sleep(0.05)
            assert waiting == 0, "a backend still waits for the request that was answered 504"
            await lock.rollback()
    finally:
        await blocker.dispose()
