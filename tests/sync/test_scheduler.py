"""The scheduler inside `cbccvc serve`: a round syncs, and the stop event ends it promptly."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from adapters.registry import SourceRegistry
from store.database import create_engine, sync_free_dsn


async def test_a_round_then_stop(fresh_store_url: str, registry: SourceRegistry) -> None:
    from sync.scheduler import run_scheduler

    # a small agency behind the connector, and the root's source (whose tree has the root)
    source_id = "VN:GOV:000.00.00.B01:HRM"
    root = "VN:GOV:000.00.00.A00:HRM"
    one = {source_id: registry[source_id], root: registry[root]}
    engine = create_engine(fresh_store_url, pool_size=1)
    stop = asyncio.Event()
    task = asyncio.create_task(run_scheduler(engine, one, 3600.0, stop))
    try:
        conn = await asyncpg.connect(sync_free_dsn(fresh_store_url))
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                done = await conn.fetchval(
                    "SELECT count(*) FROM sync_run WHERE source_id = $1 AND status = 'ok'",
                    source_id,
                )
                if done:
                    break
                await asyncio.sleep(0.1)
            assert done == 1
            assert await conn.fetchval("SELECT count(*) FROM person") > 0
        finally:
            await conn.close()
        stop.set()
        await asyncio.wait_for(task, timeout=5)  # waits out no interval once stopped
    finally:
        stop.set()
        if not task.done():
            task.cancel()
        await engine.dispose()
