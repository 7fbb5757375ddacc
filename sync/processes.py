"""The sync's sources spread over worker processes, so that a national run uses every core.

    results = await sync_in_processes(dsn, "sources.yaml", processes=2)

One process runs the sync's Python on one core, and reading and checking a record is most of
what a sync costs (docs/sync.md "What a record costs"): on a machine of N cores, N workers sync
about N sources at a time and the store takes their pages side by side. Each worker builds its
own sources from the sources file (a source holds connections, clients and keys, which do not
cross processes) and takes the next source not yet taken from one shared counter, so that a
large source does not hold back the sources behind it. Each source is synced by `sync_source`,
exactly as `sync_all` does in one process: its advisory lock, its pages, its bookmark. The
organisations are synced once, first, by the calling process.

Workers are spawned, not forked: the caller has an event loop and open connections, which a
forked child would share.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from adapters.registry import SourceRegistry
from adapters.wiring import NO_WIRING, SourceWiring
from sync.collector import bulk_collector
from sync.run import BATCH_SIZE, Progress, RunResult, change_feed_sources, load_standard
from sync.run import sync_source as _sync_source


@dataclass(frozen=True)
class Work:
    """What every worker is given: where the store and the sources are, and how to sync."""

    dsn: str
    sources_file: str
    wiring: SourceWiring
    source_ids: tuple[str, ...]
    full: bool
    batch_size: int
    today: date | None
    concurrency: int


# set in each worker by _join: the next index into Work.source_ids, shared by all workers, and
# where each page's progress goes
_next: Any = None
_events: Any = None


def _join(next_index: Any, events: Any) -> None:
    global _next, _events
    _next, _events = next_index, events


def _take(count: int) -> int | None:
    """The index of the next source no worker has taken, or None when all are taken."""
    with _next.get_lock():
        index = int(_next.value)
        if index >= count:
            return None
        _next.value = index + 1
        return index


def _worker(work: Work) -> list[RunResult]:
    bulk_collector()
    return asyncio.run(_work(work))


async def _work(work: Work) -> list[RunResult]:
    registry = SourceRegistry.from_yaml(work.sources_file, work.wiring)
    results: list[RunResult] = []
    pool = await asyncpg.create_pool(work.dsn, min_size=1, max_size=work.concurrency)
    try:
        standard = await load_standard(pool)

        def progress(source_id: str, count: int) -> None:
            _events.put((source_id, count))

        async def lane() -> None:
            async with pool.acquire() as conn:
                while (index := _take(len(work.source_ids))) is not None:
                    result = await _sync_source(
                        work.dsn, registry[work.source_ids[index]], full=work.full,
                        batch_size=work.batch_size, today=work.today, progress=progress,
                        conn=conn, standard=standard,
                    )  # fmt: skip
                    results.append(result)

        await asyncio.gather(*(lane() for _ in range(work.concurrency)))
    finally:
        await pool.close()
        await registry.aclose()
    return results


async def sync_in_processes(
    dsn: str,
    sources_file: str | Path,
    processes: int,
    *,
    wiring: SourceWiring = NO_WIRING,
    only: str | None = None,
    full: bool = False,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    progress: Progress | None = None,
    organizations: bool = True,
    concurrency: int = 1,
) -> list[RunResult]:
    """Organisations first (in this process), then every change feed of the sources file,
    over `processes` workers of `concurrency` sources each. The results come in source id
    order, as `sync_all`'s do."""
    from sync.organizations import sync_organizations

    registry = SourceRegistry.from_yaml(sources_file, wiring)
    try:
        if organizations:
            await sync_organizations(dsn, registry)
        ids = tuple(source.id for source in change_feed_sources(registry, only))
    finally:
        await registry.aclose()
    if not ids:
        return []
    workers = max(1, min(processes, len(ids)))
    work = Work(dsn, str(sources_file), wiring, ids, full, batch_size, today, max(1, concurrency))
    context = multiprocessing.get_context("spawn")
    next_index, events = context.Value("l", 0), context.Queue()
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_join, initargs=(next_index, events)
    ) as executor:
        running = [loop.run_in_executor(executor, _worker, work) for _ in range(workers)]
        done = asyncio.gather(*running)
        while not done.done():
            await asyncio.wait([done], timeout=0.2)
            _report(events, progress)
        results = [r for worker in await done for r in worker]
    _report(events, progress)  # the last pages' counts: the workers have flushed them and gone
    return sorted(results, key=lambda r: ids.index(r.source_id))


def _report(events: Any, progress: Progress | None) -> None:
    """Hands the workers' page counts to `progress`, as many as have arrived."""
    while True:
        try:
            source_id, count = events.get_nowait()
        except queue.Empty:
            return
        if progress is not None:
            progress(source_id, count)
