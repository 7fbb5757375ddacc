"""Where the Ministry store lives: a configured PostgreSQL, or an embedded one we start ourselves.

Without a database URL the program starts a real PostgreSQL from the `pgserver` wheel (binaries
shipped inside the package, listening on a Unix socket in its data directory). pgserver ships no
contrib extensions, so the schema uses none.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)


def async_url(url: str | URL) -> URL:
    """The same database, addressed through the asyncpg driver."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.set(drivername="postgresql+asyncpg")


def sync_free_dsn(url: str | URL) -> str:
    """A libpq-style DSN that asyncpg.connect accepts (for COPY and other raw work)."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def start_embedded(data_dir: Path, *, cleanup: str = "stop") -> tuple[URL, Any]:
    """Start (or reuse) an embedded PostgreSQL whose data lives in `data_dir`.

    Returns the URL of its `postgres` database and the server handle; `cleanup` is pgserver's
    cleanup mode: "stop" keeps the data for the next start, "delete" removes it, None leaves the
    server running after this process ends.
    """
    import pgserver  # imported here: only the embedded path needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    get_server = pgserver.get_server  # type: ignore[attr-defined]
    server = get_server(str(data_dir.resolve()), cleanup_mode=cleanup)
    url = make_url(server.get_uri())
    log.info("embedded PostgreSQL running in %s", data_dir)
    return url, server


def create_engine(
    url: str | URL,
    *,
    pool_size: int = 10,
    statement_timeout_s: float | None = None,
) -> AsyncEngine:
    """`pool_size`: the connections a process normally needs; up to twice this may be open.

    `statement_timeout_s`: the server cancels any statement of this engine after this long.

    The gateway passes its request deadline, so no statement of a request (store, audit,
    analytics) keeps a backend busy past the time its request could still be answered.

    Its statements are prepared once per connection, and PostgreSQL may keep one generic plan
    for a text after five executions (plan_cache_mode `auto`): the texts whose values change
    what a good plan is are written per kind of value (the directory page of a wide subtree,
    resolvers/compiled/planner.people_conditions), so that planning is not paid per request.
    """
    server_settings = {"application_name": "cbccvc-gateway"}
    if statement_timeout_s is not None:
        server_settings["statement_timeout"] = str(max(1, int(statement_timeout_s * 1000)))
    engine = create_async_engine(
        async_url(url),
        # Up to twice `pool_size` connections, each kept once opened. An overflow connection
        # (SQLAlchemy's max_overflow) is closed when it comes back to a full pool, so above
        # `pool_size` concurrent requests a new backend was started, and every statement
        # prepared and planned again, for about one request in five (bench/query_vs_raw.py
        # at concurrency 32: 252 new sessions in 5 s; docs/benchmarks.md, "Generic plans,
        # uvloop and connections kept").
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        # asyncpg prepares each statement once per connection and caches it
        connect_args={"server_settings": server_settings},
    )
    return engine


class StatementCounter:
    """Counts the SQL statements an engine runs (tests and benchmarks use it)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1
        self.statements.append(str(args[2]))

    def reset(self) -> None:
        self.count = 0
        self.statements.clear()


def with_database(url: str | URL, name: str) -> URL:
    """The same server, another database."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.set(database=name)


async def _admin_execute(server_url: str | URL, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(sync_free_dsn(server_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def ensure_database(server_url: str | URL, name: str) -> URL:
    """Create database `name` on the server of `server_url` unless it exists; return its URL."""
    import asyncpg

    conn = await asyncpg.connect(sync_free_dsn(server_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def drop_database(server_url: str | URL, name: str) -> None:
    await _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
