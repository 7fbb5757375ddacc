"""The sync inside `cbccvc serve`: every source with a change feed, every `interval_s` seconds.

    stop = asyncio.Event()
    task = asyncio.create_task(run_scheduler(engine, registry, 300.0, stop))
    ...
    stop.set(); await task

A round syncs the organisation trees, then each source from its bookmark, one at a time (a
source already being synced by another replica is skipped: the pipeline's advisory lock). A
failing source is logged and retried next round; nothing ends the loop but `stop_event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Source
from analytics.scorecard import VIETNAM
from analytics.scorecard_store import take_snapshot
from store.database import sync_free_dsn
from sync.organizations import sync_organizations
from sync.pipeline import change_feed_sources, sync_source

log = logging.getLogger(__name__)
SNAPSHOT_EVERY_S = 3600.0
"""A snapshot reads every person once: at most hourly, however often the sources sync."""


async def _snapshot(engine: AsyncEngine) -> None:
    """Today's scorecard snapshot after a round, so the national table is as fresh as the sync
    (a day's snapshot is replaced until the day ends, then kept for the trend)."""
    try:
        await take_snapshot(engine, datetime.now(VIETNAM).date())
    except Exception:
        log.exception("scorecard snapshot failed")


async def run_scheduler(
    engine: AsyncEngine,
    registry: Mapping[str, Source],
    interval_s: float,
    stop_event: asyncio.Event,
    *,
    intervals: Mapping[str, float] | None = None,
) -> None:
    """Runs rounds until `stop_event` is set. `intervals` overrides the interval per source."""
    dsn = sync_free_dsn(engine.url)
    sources = change_feed_sources(registry)
    due = dict.fromkeys((s.id for s in sources), 0.0)
    every = {s.id: (intervals or {}).get(s.id, interval_s) for s in sources}
    last_snapshot = -SNAPSHOT_EVERY_S
    while not stop_event.is_set():
        now = time.monotonic()
        ready = [s for s in sources if due[s.id] <= now]
        if ready:
            try:
                await sync_organizations(dsn, registry)
            except Exception:
                log.exception("organisation sync failed")
        for source in ready:
            if stop_event.is_set():
                return
            try:
                result = await sync_source(dsn, source)
                if result.counts.total or result.status != "ok":
                    log.info("sync %s: %s %s", source.id, result.status, result.counts)
            except Exception:
                log.exception("sync of %s failed", source.id)
            due[source.id] = time.monotonic() + every[source.id]
        if ready and time.monotonic() - last_snapshot >= SNAPSHOT_EVERY_S:
            await _snapshot(engine)
            last_snapshot = time.monotonic()
        wait = max(0.0, min(due.values(), default=now + interval_s) - time.monotonic())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), timeout=wait or 0.01)
