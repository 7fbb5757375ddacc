"""The sync over worker processes (sync/processes.py, `cbccvc sync --processes N`) stores what
the sync in one process stores, and tells the same per source."""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import signal
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL
from sync_helpers import store_checksum

from adapters.registry import SourceRegistry
from gateway.cli.sync import add_command as add_sync_command
from gateway.settings import Settings
from sandbox.agencies import SandboxAgencies
from store.database import drop_database, ensure_database, sync_free_dsn
from store.prepare import prepare_store
from sync.pipeline import change_feed_sources, sync_all
from sync.processes import sync_in_processes


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """`cbccvc sync` sets the collector for a bulk process (sync/collector.py): put back."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def _new_store(server: URL) -> tuple[str, str]:
    name = f"cbccvc_test_{uuid.uuid4().hex[:12]}"
    url = await ensure_database(server, name)
    await prepare_store(url)
    return name, sync_free_dsn(url)


async def test_worker_processes_store_what_one_process_stores_even_when_one_is_killed(
    fresh_store_url: str, sync_sandbox: SandboxAgencies, postgres_server: URL
) -> None:
    one = sync_free_dsn(fresh_store_url)
    config = sync_sandbox.sources_config_path
    registry = SourceRegistry.from_yaml(config)
    try:
        in_one = await sync_all(one, registry)
        expected = sorted(source.id for source in change_feed_sources(registry))
    finally:
        await registry.aclose()
    stored = await store_checksum(one)
    names: list[str] = []
    try:
        name, two = await _new_store(postgres_server)
        names.append(name)
        pages: list[tuple[str, int]] = []
        in_two = await sync_in_processes(
            two, config, 2, progress=lambda source_id, count: pages.append((source_id, count))
        )
        assert [r.source_id for r in in_two] == expected  # every source, in id order
        assert all(r.status == "ok" for r in in_two), [r.error for r in in_two if r.error]
        assert {r.source_id: r.counts for r in in_two} == {r.source_id: r.counts for r in in_one}
        # the workers' progress reached the caller: every record of every source, counted
        assert sum(count for _, count in pages) == sum(r.counts.total for r in in_one)
        assert {source_id for source_id, _ in pages} <= set(expected)
        assert await store_checksum(two) == stored

        # one worker killed as soon as a page is in: its source fails and says why, the other
        # worker syncs the rest, and the next run leaves the store as one clean run does
        name, killed = await _new_store(postgres_server)
        names.append(name)
        first_page = asyncio.Event()
        run = asyncio.create_task(
            sync_in_processes(killed, config, 2, progress=lambda *_: first_page.set())
        )
        await asyncio.wait_for(first_page.wait(), 60)
        victim = multiprocessing.active_children()[0]
        os.kill(victim.pid or 0, signal.SIGKILL)
        outcome = await run
        assert [r.source_id for r in outcome] == expected
        failed = [r for r in outcome if r.status == "failed"]
        assert failed, "the killed worker's source failed"
        assert {r.error for r in failed} == {"not finished: the worker process stopped"}
        assert any(r.status == "ok" for r in outcome)  # the other worker went on
        again = await sync_in_processes(killed, config, 2)
        assert all(r.status == "ok" for r in again), [r.error for r in again if r.error]
        assert await store_checksum(killed) == stored
    finally:
        for name in names:
            await drop_database(postgres_server, name)


async def test_a_worker_that_cannot_reach_the_store_fails_every_source_it_would_sync(
    sync_sandbox: SandboxAgencies,
) -> None:
    gone = "postgresql://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    results = await sync_in_processes(
        gone, sync_sandbox.sources_config_path, 2, organizations=False
    )
    assert len(results) > 1  # every change feed of the sandbox, each with its result
    assert all(r.status == "failed" for r in results)
    # what stopped the workers, by class: no address, no value
    assert {r.error for r in results} == {"not finished: ConnectionRefusedError"}


def test_cbccvc_sync_with_processes_reports_each_source(
    fresh_store_url: str,
    sync_sandbox: SandboxAgencies,
    capsys: pytest.CaptureFixture[str],
    collector_restored: None,
) -> None:
    parser = argparse.ArgumentParser()
    add_sync_command(parser.add_subparsers(dest="command"))
    settings = Settings(
        database_url=fresh_store_url, sources_config=sync_sandbox.sources_config_path
    )
    args = parser.parse_args(["sync", "--processes", "2"])
    assert args.run(args, settings) == 0
    out = capsys.readouterr().out
    registry = SourceRegistry.from_yaml(sync_sandbox.sources_config_path)
    try:
        ids = [source.id for source in change_feed_sources(registry)]
    finally:
        asyncio.run(registry.aclose())
    for source_id in ids:
        assert f"{source_id}: ok +" in out
    with pytest.raises(SystemExit):
        parser.parse_args(["sync", "--processes", "0"])
    assert "argument --processes: 0: at least 1" in capsys.readouterr().err
