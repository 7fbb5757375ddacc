"""One fixed statement run straight on asyncpg, on a connection of the engine's pool.

The hot path of a request runs two statements whose text never changes between requests
(the compiled page, the audit append). SQLAlchemy's execution layer (execution context,
greenlet hop, result wrapping) costs about as much client CPU again as asyncpg itself for
each of them, for nothing such a text needs, so they skip it: the connection still comes from
the engine's pool (its server settings, statement timeout included, and its size), asyncpg
still prepares the text once per connection, and the engine's statement listeners
(store.database.StatementCounter) are still told of every statement, so counts stay true.

Checking a connection out of SQLAlchemy's pool and back in costs ~100 µs of client CPU (two
greenlet hops, the pool's events and its reset), three times the statement's own ~30 µs; so
these statements keep a few of the pool's connections checked out between calls, in a lane of
their own (`_Lane`): at most half the pool, so the rest of the gateway always has the other
half. `engine.dispose()` closes the lane's idle connections with the pool's.

Autocommit only: nothing was run through SQLAlchemy on the connection, so no transaction was
begun there, and the statement commits on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from asyncpg import Connection, PostgresError, Record
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


class _Lane:
    """Connections of one engine's pool kept checked out for these statements while idle."""

    def __init__(self, engine: AsyncEngine) -> None:
        size = getattr(engine.sync_engine.pool, "size", None)  # no size: a NullPool, keep none
        self.keep = size() // 2 if callable(size) else 0
        self.idle: list[tuple[AsyncConnection, Connection]] = []
        self.generation = 0
        event.listen(engine.sync_engine, "engine_disposed", self._disposed)

    def _disposed(self, _engine: Engine) -> None:
        """The pool was closed: close the lane's idle connections too, and let those in use go
        back to the pool (not to the lane) when their statement ends."""
        self.generation += 1
        idle, self.idle = self.idle, []
        for conn, _driver in idle:
            try:
                conn.sync_connection.invalidate()  # type: ignore[union-attr]
            except Exception as exc:  # already gone with its server: nothing left to close
                log.debug("closing an idle statement connection: %s", type(exc).__name__)

    async def take(self, engine: AsyncEngine) -> tuple[AsyncConnection, Connection, int]:
        while self.idle:
            conn, driver = self.idle.pop()
            if not driver.is_closed():
                return conn, driver, self.generation
            await _discard(conn)  # its server went away while it waited
        conn = await engine.connect()
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None, "the engine's connection is closed"
        return conn, driver, self.generation

    async def give_back(self, conn: AsyncConnection, driver: Connection, generation: int) -> None:
        if generation == self.generation and len(self.idle) < self.keep and not driver.is_closed():
            self.idle.append((conn, driver))
        else:
            await conn.close()


_LANES: WeakKeyDictionary[Engine, _Lane] = WeakKeyDictionary()


def _lane_of(engine: AsyncEngine) -> _Lane:
    lane = _LANES.get(engine.sync_engine)
    if lane is None:
        lane = _LANES[engine.sync_engine] = _Lane(engine)
    return lane


def _ends_the_session(error: PostgresError) -> bool:
    """A FATAL or PANIC error means the backend ended the session, whether or not asyncpg has
    seen its socket close yet: such a connection is not lent again."""
    severity = getattr(error, "severity_en", None) or getattr(error, "severity", None)
    return severity in ("FATAL", "PANIC")


async def _discard(conn: AsyncConnection) -> None:
    try:
        await conn.invalidate()
    except Exception as exc:  # the connection is broken already: nothing left to close
        log.debug("discarding a statement connection: %s", type(exc).__name__)


async def fetch_autocommit(engine: AsyncEngine, sql: str, arguments: Sequence[Any]) -> list[Record]:
    """The rows of `sql` ($1, $2... placeholders) with `arguments`, committed on return."""
    lane = _lane_of(engine)
    conn, driver, generation = await lane.take(engine)
    try:
        engine.sync_engine.dispatch.before_cursor_execute(
            conn.sync_connection, None, sql, tuple(arguments), None, False
        )
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
        await _discard(conn)
        raise
    except PostgresError as refused:
        if _ends_the_session(refused):  # the server ended it (a restart, an administrator)
            await _discard(conn)
        else:  # the server refused the statement; the connection is as it was
            await lane.give_back(conn, driver, generation)
        raise
    except BaseException:  # the connection itself failed: no one gets it again
        await _discard(conn)
        raise
    await lane.give_back(conn, driver, generation)
    return rows


async def _cancel_request_sent(driver: Any, *, within_s: float = 1.0) -> None:
    """Wait (shielded from the request's own cancellation, bounded) for asyncpg's pending
    CancelRequest tasks. `_cancellations` is asyncpg's own set of them; if a later asyncpg
    drops it, nothing waits (and tests/store/test_statement_timeout.py says so)."""
    pending = [task for task in getattr(driver, "_cancellations", ()) if not task.done()]
    if pending:
        await asyncio.shield(asyncio.wait(pending, timeout=within_s))
