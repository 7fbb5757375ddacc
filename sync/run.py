"""The run loop: each source's change feed into the store, page by page, from its bookmark.

    result = await sync_source(dsn, source)          # from the stored bookmark
    results = await sync_all(dsn, registry)           # every source with a change feed

One page is one transaction: its records' outcomes (sync/page.py) and the bookmark that follows
them commit together, so a crash at any point loses at most the page in flight, which the next
run reads again from the bookmark. Memory holds one page at a time, whatever the size of the
source. A record the store refuses is that record's reject, not the run's failure; a run fails
only when the source or the store itself does, and its error text names no value
(sync/refusals.py safe_error).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from adapters.base import Source
from sync.normalise import Standard
from sync.page import OUTCOMES, Context, Counts, PageResult, apply_page
from sync.refusals import safe_error
from sync.writes import prepare
from telemetry.metrics import SYNC_RUNS, record_sync, record_sync_reject
from vocabulary.sources import Capability, ChangePage, SourceRecord

log = logging.getLogger(__name__)

BATCH_SIZE = 1000

Progress = Callable[[str, int], None]
"""Called with (source id, records processed) after each page."""


@dataclass
class RunResult:
    source_id: str
    run_id: int | None
    counts: Counts = field(default_factory=Counts)
    status: str = "ok"
    error: str | None = None
    seconds: float = 0.0
    lists_kept: int = 0
    """Records stored whose dossier lists came as last stored: neither read nor rewritten."""


async def load_standard(conn: Any) -> Standard:
    rows = await conn.fetch("SELECT code, id FROM organization")
    return Standard({row["code"]: row["id"] for row in rows})


RETRIED = (asyncpg.DeadlockDetectedError,)
ATTEMPTS = 3


async def _commit_page(
    conn: Any,
    records: Sequence[SourceRecord],
    context: Context,
    next_cursor: str | None,
    run_id: int | None,
) -> PageResult:
    """One page and the bookmark after it, in one transaction. Retried when it deadlocked with
    another source's sync (a person both touch)."""
    source_id = context.source_id
    for attempt in range(ATTEMPTS):
        try:
            async with conn.transaction():
                page = await apply_page(conn, records, context)
                await conn.execute(
                    """INSERT INTO sync_bookmark (source_id, cursor, updated_at)
                       VALUES ($1, $2, now())
                       ON CONFLICT (source_id) DO UPDATE SET cursor = EXCLUDED.cursor,
                                                             updated_at = now()""",
                    source_id,
                    next_cursor,
                )
                c = page.counts
                await conn.execute(
                    """UPDATE sync_run SET inserted = inserted + $2, updated = updated + $3,
                           unchanged = unchanged + $4, rejected = rejected + $5,
                           deleted = deleted + $6, conflicts = conflicts + $7,
                           lists_kept = lists_kept + $8
                        WHERE id = $1""",
                    run_id,
                    c.inserted,
                    c.updated,
                    c.unchanged,
                    c.rejected,
                    c.deleted,
                    c.conflicts,
                    page.lists_kept,
                )
            return page
        except RETRIED:
            if attempt == ATTEMPTS - 1:
                raise
            log.info("sync of %s: a page deadlocked with another source, retrying", source_id)
    raise AssertionError("unreachable")


# --- one source ---------------------------------------------------------------------------------


def _lock_key(source_id: str) -> str:
    return f"cbccvc-sync:{source_id}"


async def sync_source(
    dsn: str,
    source: Source,
    *,
    full: bool = False,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    progress: Progress | None = None,
    conn: Any = None,
    standard: Standard | None = None,
) -> RunResult:
    """Syncs one source from its bookmark (from the beginning with `full`).

    A second sync of the same source while one runs is refused (status "busy"), by an advisory
    lock held for the run's connection: a crashed run's lock goes with its connection.
    `conn` is a connection to use (and leave open), `standard` the organisations already read
    (sync_all reads them once for every source).
    """
    started = time.perf_counter()
    own = conn is None
    if own:
        conn = await asyncpg.connect(dsn)
    result = RunResult(source.id, None)
    try:
        if not await conn.fetchval(
            "SELECT pg_try_advisory_lock(hashtext($1))", _lock_key(source.id)
        ):
            result.status = "busy"
            return result
        try:
            await _run(
                conn, source, result, full, batch_size, today or date.today(), progress, standard
            )
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", _lock_key(source.id))
    finally:
        if own:
            await conn.close()
        result.seconds = time.perf_counter() - started
    return result


async def _run(
    conn: Any,
    source: Source,
    result: RunResult,
    full: bool,
    batch_size: int,
    today: date,
    progress: Progress | None,
    standard: Standard | None,
) -> None:
    source_id = source.id
    # a run left "running" by a process that died: its lock is gone, so it is not running
    await conn.execute(
        "UPDATE sync_run SET status = 'interrupted', finished_at = now()"
        " WHERE source_id = $1 AND status = 'running'",
        source_id,
    )
    result.run_id = await conn.fetchval(
        "INSERT INTO sync_run (source_id, full_resync) VALUES ($1, $2) RETURNING id",
        source_id,
        full,
    )
    await prepare(conn)
    context = Context(source_id, standard or await load_standard(conn), today, source.declarations)
    stored = (
        None
        if full
        else await conn.fetchrow("SELECT cursor FROM sync_bookmark WHERE source_id = $1", source_id)
    )
    cursor = stored["cursor"] if stored is not None else None
    # an empty page that leaves a stored bookmark where it is needs no transaction (the first
    # run of an empty source still records its bookmark, as a full one does)
    skip_empty = stored is not None
    processed = 0
    run_id = result.run_id
    following: asyncio.Future[ChangePage] | None = None
    try:
        page = await source.changes(cursor, batch_size)
        while True:
            next_cursor = page.next_cursor if page.next_cursor is not None else cursor
            # the next page is read from the source while this one is written to the store
            more = page.has_more and bool(page.records)
            following = (
                asyncio.ensure_future(source.changes(next_cursor, batch_size)) if more else None
            )
            if page.records or next_cursor != cursor or not skip_empty:
                done = await _commit_page(conn, page.records, context, next_cursor, run_id)
            else:
                done = PageResult()  # nothing new: the stored bookmark stays as it is
            result.counts.add(done.counts)
            result.lists_kept += done.lists_kept
            for name in OUTCOMES:
                if getattr(done.counts, name):
                    record_sync(source_id, name, getattr(done.counts, name))
            for rule in done.reject_rules:
                record_sync_reject(source_id, rule)
            processed += len(page.records)
            if progress is not None:
                progress(source_id, len(page.records))
            cursor = next_cursor
            if following is None:
                break
            page = await following
            following = None
    except Exception as exc:
        if following is not None:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
        result.status = "failed"
        result.error = safe_error(exc)
        log.warning("sync of %s failed after %d records: %s", source_id, processed, result.error)
        await conn.execute(
            "UPDATE sync_run SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1",
            result.run_id,
            result.error[:2000],
        )
        SYNC_RUNS.labels(source_id, "failed").inc()
        return
    await conn.execute(
        "UPDATE sync_run SET status = 'ok', finished_at = now() WHERE id = $1", result.run_id
    )
    SYNC_RUNS.labels(source_id, "ok").inc()


def change_feed_sources(sources: Mapping[str, Source], only: str | None = None) -> list[Source]:
    chosen = [s for s in sources.values() if Capability.CHANGE_FEED in s.capabilities]
    if only is not None:
        chosen = [s for s in chosen if s.id == only]
    return sorted(chosen, key=lambda s: s.id)


async def sync_all(
    dsn: str,
    sources: Mapping[str, Source],
    *,
    only: str | None = None,
    full: bool = False,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    progress: Progress | None = None,
    organizations: bool = True,
    concurrency: int = 1,
) -> list[RunResult]:
    """Organisations first (so that people's references resolve), then every change feed in
    source id order, `concurrency` sources at a time (1: one after another, so that which
    source first claims a person shared by two is repeatable).

    The organisations are read once for every source, and each of the `concurrency`
    connections serves one source after another: an incremental run of sixty sources with a
    few changes each is mostly these fixed costs, paid once instead of sixty times.
    """
    from sync.organizations import sync_organizations

    if organizations:
        await sync_organizations(dsn, sources)
    chosen = change_feed_sources(sources, only)
    if not chosen:
        return []
    waiting = iter(chosen)
    results: dict[str, RunResult] = {}
    await sync_in_lanes(
        dsn, lambda: next(waiting, None), lambda r: results.__setitem__(r.source_id, r),
        concurrency=min(concurrency, len(chosen)), full=full, batch_size=batch_size,
        today=today, progress=progress,
    )  # fmt: skip
    return [results[source.id] for source in chosen]


async def sync_in_lanes(
    dsn: str,
    take: Callable[[], Source | None],
    done: Callable[[RunResult], None],
    *,
    concurrency: int = 1,
    full: bool = False,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    progress: Progress | None = None,
) -> None:
    """`concurrency` lanes, each with a connection of one pool, syncing the next source `take`
    gives until it gives None, and handing each result to `done`; the organisations read once
    for all (sync_all in one process, each worker of sync/processes.py)."""
    lanes = max(1, concurrency)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=lanes)
    try:
        standard = await load_standard(pool)

        async def lane() -> None:
            async with pool.acquire() as conn:
                while (source := take()) is not None:
                    result = await sync_source(
                        dsn, source, full=full, batch_size=batch_size, today=today,
                        progress=progress, conn=conn, standard=standard,
                    )  # fmt: skip
                    done(result)

        await asyncio.gather(*(lane() for _ in range(lanes)))
    finally:
        await pool.close()
