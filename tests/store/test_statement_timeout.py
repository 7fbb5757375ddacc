"""The store's engine never lets a statement outlive the request deadline it was given."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

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
                    "WHERE state = 'active' AND query LIKE '%generate_series(1, 100000) a%' "
                    "AND pid <> pg_backend_pid()"
                )
            )
        assert running == 0, "the backend still runs the statement after the deadline"
    finally:
        await engine.dispose()
