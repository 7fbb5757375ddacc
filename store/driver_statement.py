"""One fixed statement run straight on asyncpg, under a pooled connection of the engine.

The hot path of a request runs two statements whose text never changes between requests
(the compiled page, the audit append). SQLAlchemy's execution layer (execution context,
greenlet hop, result wrapping) costs about as much client CPU again as asyncpg itself for
each of them, for nothing such a text needs, so they skip it: the connection still comes from
the engine's pool (its server settings, statement timeout included, and its size), asyncpg
still prepares the text once per connection, and the engine's statement listeners
(store.database.StatementCounter) are still told of every statement, so counts stay true.

Autocommit only: nothing was run through SQLAlchemy on the connection, so no transaction was
begun there, and the statement commits on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from asyncpg import Record
from sqlalchemy.ext.asyncio import AsyncEngine


async def fetch_autocommit(engine: AsyncEngine, sql: str, arguments: Sequence[Any]) -> list[Record]:
    """The rows of `sql` ($1, $2... placeholders) with `arguments`, committed on return."""
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None, "the engine's connection is closed"
        engine.sync_engine.dispatch.before_cursor_execute(
            conn.sync_connection, None, sql, tuple(arguments), None, False
        )
        try:
            rows: list[Record] = await driver.fetch(sql, *arguments)
        except asyncio.CancelledError:
            # The request ended (its deadline, a client gone) mid-statement. asyncpg sends the
            # server a CancelRequest from a background task, and leaves the connection mid-way
            # through the extended protocol (the backend stays "active", reading). Returned to the
            # pool as it is, the backend would look busy and the next request would inherit it;
            # terminated at once, the CancelRequest task is cancelled with it and a backend
            # waiting on a lock keeps waiting. So: let the CancelRequest go out, then discard the
            # connection.
            await _cancel_request_sent(driver)
            await conn.invalidate()
            raise
    return rows


async def _cancel_request_sent(driver: Any, *, within_s: float = 1.0) -> None:
    """Wait (shielded from the request's own cancellation, bounded) for asyncpg's pending
    CancelRequest tasks. `_cancellations` is asyncpg's own set of them; if a later asyncpg
    drops it, nothing waits (and tests/store/test_statement_timeout.py says so)."""
    pending = [task for task in getattr(driver, "_cancellations", ()) if not task.done()]
    if pending:
        await asyncio.shield(asyncio.wait(pending, timeout=within_s))
