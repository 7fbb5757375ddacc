"""Crash safety: kill -9 the sync at random points, restart, and the store ends up exactly as
after an uninterrupted run (people, open rejects, history, conflicts, bookmarks)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL
from sync_helpers import store_checksum

from sandbox.agencies import SandboxAgencies
from sandbox.fill_by_sync import copy_organization_register
from store.database import sync_free_dsn

ROOT = Path(__file__).resolve().parents[2]
BATCH = 100  # small batches: many transactions to be killed between (and inside)


async def _last_run_id(store_url: str) -> int:
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        return int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM sync_run"))
    finally:
        await conn.close()


async def _run_started(store_url: str, process: asyncio.subprocess.Process, after: int) -> None:
    """Until the subprocess has a run row of its own (start-up is over, pages are being
    written); rows left "running" by an earlier killed process do not count."""
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        query = "SELECT count(*) FROM sync_run WHERE status = 'running' AND id > $1"
        while process.returncode is None:
            if await conn.fetchval(query, after):
                return
            await asyncio.sleep(0.05)  # polling another process's rows: no event to wait on
    finally:
        await conn.close()


async def _sync(store_url: str, sources: Path, kill_after: float | None) -> int | None:
    """Runs `cbccvc sync` in a subprocess; SIGKILL `kill_after` seconds after its run started
    writing (None: let it finish). Returns the exit code, None when killed."""
    before = await _last_run_id(store_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "sync", "--batch-size", str(BATCH),
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": store_url,
            "CBCCVC_SOURCES": str(sources),
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        if kill_after is None:
            _, err = await process.communicate()
            assert process.returncode == 0, err.decode()[-2000:]
            return process.returncode
        try:
            # the kill lands inside the run, not in the interpreter's start-up
            await asyncio.wait_for(_run_started(store_url, process, before), timeout=120)
            await asyncio.wait_for(process.wait(), timeout=kill_after)
            return process.returncode  # finished before the kill
        except TimeoutError:
            process.send_signal(signal.SIGKILL)
            await process.wait()
            return None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_kill_9_at_random_points_then_restart(
    fresh_store_url: str,
    sync_sandbox: SandboxAgencies,
    seeded_store_url: URL,
    postgres_server: URL,
) -> None:
    from store.database import drop_database, ensure_database, with_database

    truth = sync_free_dsn(seeded_store_url)
    sources = sync_sandbox.sources_config_path
    # the uninterrupted run
    await copy_organization_register(truth, sync_free_dsn(fresh_store_url))
    await _sync(fresh_store_url, sources, None)
    expected = await store_checksum(sync_free_dsn(fresh_store_url))
    assert expected["people_count"] > 0
    assert expected["reject_count"] > 0

    # the same into another store, killed a few times on the way
    name = f"{with_database(fresh_store_url, 'x').database}_crash"[:60]
    crash_url = (await ensure_database(postgres_server, name)).render_as_string(False)
    try:
        from store.prepare import prepare_store

        await prepare_store(crash_url)
        await copy_organization_register(truth, sync_free_dsn(crash_url))
        rng = random.Random(2026)
        killed = 0
        for _ in range(4):
            if await _sync(crash_url, sources, rng.uniform(0.1, 1.5)) is None:
                killed += 1
        await _sync(crash_url, sources, None)  # to completion
        assert killed >= 1, "the sync always finished before the kill: lower the kill points"
        assert await store_checksum(sync_free_dsn(crash_url)) == expected
        # a killed run is recorded as interrupted by the next one, never left running
        conn = await asyncpg.connect(sync_free_dsn(crash_url))
        try:
            running = await conn.fetchval("SELECT count(*) FROM sync_run WHERE status = 'running'")
            interrupted = await conn.fetchval(
                "SELECT count(*) FROM sync_run WHERE status = 'interrupted'"
            )
        finally:
            await conn.close()
        assert running == 0
        assert 1 <= interrupted <= killed  # a kill during start-up comes before the run's row
    finally:
        await drop_database(postgres_server, name)
