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

A worker reports each source's result as it finishes it. A worker that stops (killed, out of
memory, or unable to reach the store) costs only the source it had in hand, whose result says
so: the other workers take the sources left, and the next run resumes that source from its
bookmark, as after any crash. Workers are spawned, not forked: the caller has an event loop and
open connections, which a forked child would share.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from adapters.base import Source
from adapters.registry import SourceRegistry
from adapters.wiring import NO_WIRING, SourceWiring
from sync.collector import bulk_collector
from sync.refusals import safe_error
from sync.run import BATCH_SIZE, Progress, RunResult, change_feed_sources, sync_in_lanes

POLL_S = 0.2
"""How often the caller looks at its workers' reports (progress is shown at this pace)."""


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


def _take(next_index: Any, count: int) -> int | None:
    """The index of the next source no worker has taken, or None when all are taken."""
    with next_index.get_lock():
        index = int(next_index.value)
        if index >= count:
            return None
        next_index.value = index + 1
        return index


def _worker(work: Work, next_index: Any, reports: Any) -> None:
    """A worker process: sources from the counter until none is left; each page's count and
    each source's result into `reports`; what stopped it, when something did, last."""
    bulk_collector()
    try:
        asyncio.run(_work(work, next_index, reports))
    except Exception as exc:
        reports.put(("stopped", safe_error(exc)))
        raise SystemExit(1) from None


async def _work(work: Work, next_index: Any, reports: Any) -> None:
    registry = SourceRegistry.from_yaml(work.sources_file, work.wiring)

    def take() -> Source | None:
        index = _take(next_index, len(work.source_ids))
        return None if index is None else registry[work.source_ids[index]]

    try:
        await sync_in_lanes(
            work.dsn, take, lambda result: reports.put(("done", result)),
            concurrency=work.concurrency, full=work.full, batch_size=work.batch_size,
            today=work.today, progress=lambda source_id, count: reports.put(
                ("page", source_id, count)
            ),
        )  # fmt: skip
    finally:
        await registry.aclose()


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
    over `processes` workers of `concurrency` sources each. One result per source, in source
    id order as `sync_all`'s; a source whose worker stopped before it finished is "failed",
    with what stopped the worker when the worker could tell."""
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
    work = Work(dsn, str(sources_file), wiring, ids, full, batch_size, today, max(1, concurrency))
    context = multiprocessing.get_context("spawn")
    next_index, reports = context.Value("l", 0), context.Queue()
    workers = [
        context.Process(target=_worker, args=(work, next_index, reports), daemon=True)
        for _ in range(max(1, min(processes, len(ids))))
    ]
    results: dict[str, RunResult] = {}
    stopped: list[str] = []
    try:
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            await asyncio.sleep(POLL_S)
            _read(reports, results, stopped, progress)
        for worker in workers:
            worker.join()
        _read(reports, results, stopped, progress)  # what the workers sent before they went
    finally:
        for worker in workers:
            if worker.is_alive():  # the caller was cancelled: its workers go with it
                worker.terminate()
                worker.join()
    why = "; ".join(sorted(set(stopped))) or "the worker process stopped"
    return [results.get(source_id) or _unfinished(source_id, why) for source_id in ids]


def _read(
    reports: Any, results: dict[str, RunResult], stopped: list[str], progress: Progress | None
) -> None:
    """The workers' reports that have arrived: page counts to `progress`, results kept."""
    while True:
        try:
            report = reports.get_nowait()
        except queue.Empty:
            return
        if report[0] == "page" and progress is not None:
            progress(report[1], report[2])
        elif report[0] == "done":
            results[report[1].source_id] = report[1]
        elif report[0] == "stopped":
            stopped.append(report[1])


def _unfinished(source_id: str, why: str) -> RunResult:
    """The result of a source no worker finished (its run row, left "running", is marked
    interrupted by the next run, which resumes from its bookmark)."""
    return RunResult(source_id, None, status="failed", error=f"not finished: {why}")
