"""Benchmark: a full sync of N people from the sandbox agencies into an empty store, against a
plain COPY of the same normalised rows into the same tables, in the same run; then an
incremental sync of K changes.

    .venv/bin/python -m bench.sync_bench --quick                 # 20,000 people, 1,000 changes
    .venv/bin/python -m bench.sync_bench                         # 200,000 people, 10,000 changes
    .venv/bin/python -m bench.sync_bench --people 2500000        # the national scale
    .venv/bin/python -m bench.sync_bench --quick --processes 2   # the full sync on two cores

What is measured:
- full: sync_all (the same code as `cbccvc sync`) in a subprocess, from empty
  bookmarks into a store holding only the organisation register: wall time, people/s, and the
  subprocess's peak RSS (the sandbox's services run in this process, not in the measured one);
- baseline: the rows the sync wrote, read back and COPYed in batches of the same size into
  another empty store of the same schema (indexes and all): the floor any sync could reach;
- incremental: K people changed at the connector's agencies (sandbox simulate_update), then one
  sync of every source from its bookmark, timed in-process.

The truth database `cbccvc_bench_truth_<N>` (seeded once) and the sandbox are built on
--database-url's server (env BENCH_DATABASE_URL). Results go to bench/results/sync-<N>.json.

The sources' per-call deadline is raised to --deadline-s (30 s): the connector's agencies all
answer from one thread of this process, and under load a page of 1,000 answered in 3 s is a
slow page, which the figures show, not a failed run. `sync_cpu_s` is the sync process's own CPU
time (user + system): on a shared machine it moves far less with the load than the wall time.
--profile DIR writes cProfile stats of both syncs; --tag keeps a second run's databases apart.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from adapters.registry import SourceRegistry
from sandbox.agencies import start_agencies
from sandbox.fill_by_sync import copy_organization_register, prepare_truth
from sandbox.services.agency_data import simulate_update
from store.database import (
    drop_database,
    ensure_database,
    sync_free_dsn,
    with_database,
)
from store.person_row import PERSON_COLUMNS
from store.prepare import prepare_store
from sync.organizations import sync_organizations
from sync.pipeline import BATCH_SIZE, sync_all

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = ROOT / "bench" / "results"


async def _empty_store(server: str, name: str) -> str:
    await drop_database(server, name)
    url = await ensure_database(server, name)
    await prepare_store(url)
    return url.render_as_string(hide_password=False)


# Runs the sync (sync_all, or with --processes N sync_in_processes: what `cbccvc sync` runs,
# without its progress bar and settings), then reports the process's own peak RSS (VmHWM: the
# child's ru_maxrss as the parent sees it still counts the parent's pages it was forked with),
# its workers' largest peak RSS, and the CPU seconds of both.
_CHILD = """
import asyncio, cProfile, resource, sys
from adapters.registry import SourceRegistry
from store.database import sync_free_dsn
from sync.collector import bulk_collector
from sync.pipeline import sync_all
from sync.processes import sync_in_processes

async def main(store_url, sources, batch_size, concurrency, processes):
    if processes > 1:
        results = await sync_in_processes(
            sync_free_dsn(store_url), sources, processes, batch_size=batch_size,
            concurrency=concurrency,
        )
        return 1 if any(r.status == "failed" for r in results) else 0
    registry = SourceRegistry.from_yaml(sources)
    try:
        results = await sync_all(
            sync_free_dsn(store_url), registry, batch_size=batch_size, concurrency=concurrency
        )
    finally:
        await registry.aclose()
    return 1 if any(r.status == "failed" for r in results) else 0

bulk_collector()  # as `cbccvc sync` and each sync worker do
profiler = cProfile.Profile() if len(sys.argv) > 6 else None
if profiler is not None:
    profiler.enable()
code = asyncio.run(
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
)
if profiler is not None:
    profiler.disable()
    profiler.dump_stats(sys.argv[6])
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
own = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # spawned, not forked: their own pages
cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
print(hwm[0].split()[1] if hwm else "0", workers.ru_maxrss, cpu)
sys.exit(code)
"""


def _full_sync_subprocess(
    store_url: str,
    sources: Path,
    batch: int,
    concurrency: int,
    processes: int,
    profile: Path | None = None,
) -> tuple[float, float, float, float]:
    """(seconds, peak RSS in MB, the largest worker's peak RSS in MB, CPU seconds) of the sync
    in a child process (under cProfile, its stats written to `profile`, when given: the times
    are then the profiler's; with workers, only the child's own is profiled). The CPU seconds
    are the sync's own work, which the machine's load changes far less than the wall time: on
    a shared machine, the figure to compare."""
    started = time.perf_counter()
    command = [sys.executable, "-c", _CHILD, store_url, str(sources), str(batch), str(concurrency),
               str(processes)]  # fmt: skip
    if profile is not None:
        command.append(str(profile))
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"the sync failed: {completed.stderr[-3000:]}")
    peak_kb, worker_kb, cpu = completed.stdout.strip().splitlines()[-1].split()
    return seconds, int(peak_kb) / 1024, int(worker_kb) / 1024, float(cpu)


def _with_deadline(config: Path, deadline_s: float) -> Path:
    """The sandbox's sources file with the guard's per-call deadline raised to `deadline_s`
    (the default 2 s is a service level for agencies on their own servers; here the
    connector's fifty agencies answer from one thread of the benchmark's process, on a machine
    it shares, and a page served late is slowness to measure, not a failed run)."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    for entry in document["sources"]:
        entry.setdefault("deadline_s", deadline_s)
    path = config.with_name("bench-sources.yaml")
    path.touch(mode=0o600, exist_ok=True)  # it holds the legacy readers' passwords
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


async def _copy_baseline(synced_dsn: str, baseline_dsn: str, batch: int) -> tuple[float, int]:
    """COPY the synced rows into another empty store; only the COPYs are timed. The rows are
    read batch by batch (a cursor), never all at once: 2.5 million rows of 48 columns do not
    fit in the memory the sync itself is held to."""
    source = await asyncpg.connect(synced_dsn)
    target = await asyncpg.connect(baseline_dsn)
    try:
        columns = ", ".join(PERSON_COLUMNS)
        # the baseline store's organisations have other ids: map them by code
        ids = {r["code"]: r["id"] for r in await target.fetch("SELECT code, id FROM organization")}
        codes = {
            r["id"]: r["code"] for r in await source.fetch("SELECT id, code FROM organization")
        }
        org = PERSON_COLUMNS.index("organization_id")
        seconds, copied = 0.0, 0

        async def copy(rows: list[tuple[Any, ...]]) -> None:
            nonlocal seconds, copied
            started = time.perf_counter()
            async with target.transaction():
                await target.copy_records_to_table("person", records=rows, columns=PERSON_COLUMNS)
            seconds += time.perf_counter() - started
            copied += len(rows)

        async with source.transaction():
            rows: list[tuple[Any, ...]] = []
            query = f"SELECT {columns} FROM person ORDER BY id"
            async for r in source.cursor(query, prefetch=batch):
                rows.append((*r[:org], ids[codes[r[org]]], *r[org + 1 :]))
                if len(rows) == batch:
                    await copy(rows)
                    rows = []
            if rows:
                await copy(rows)
        return seconds, copied
    finally:
        await source.close()
        await target.close()


async def _changes(connector_dsn: str, count: int) -> int:
    """`count` people changed at their agencies (a new job position), as their HR systems do."""
    conn = await asyncpg.connect(connector_dsn)
    try:
        rows = await conn.fetch(
            "SELECT agency_code, personal_id FROM hrm.staff WHERE NOT deleted"
            " ORDER BY change_seq LIMIT $1",
            count,
        )
        stamp = datetime.now(UTC).strftime("%H%M%S")
        for row in rows:
            await simulate_update(
                conn, row["agency_code"], row["personal_id"], {"job_position": f"Bench {stamp}"}
            )
        return len(rows)
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = args.database_url
    people = args.people
    tag = f"_{args.tag}" if args.tag else ""  # two runs side by side never share a database
    load_before = os.getloadavg()[0]  # the machine is shared: the figures mean little without it
    print(f"truth: {people:,} people (seeded once, kept)", flush=True)
    truth_url = await prepare_truth(server, f"cbccvc_bench_truth_{people}", people, 2026)
    truth_dsn = sync_free_dsn(truth_url)
    with tempfile.TemporaryDirectory(prefix="cbccvc-bench-sync-") as workdir:
        started = time.perf_counter()
        sandbox = await start_agencies(
            truth_url, server, workdir, name=f"cbccvc_bench_sb{tag}", national_rate=10_000.0,
            national_burst=10_000,
        )  # fmt: skip
        print(f"sandbox: {len(sandbox.sources)} sources in {time.perf_counter() - started:.0f} s")
        try:
            store_url = await _empty_store(server, f"cbccvc_bench_sync_{people}{tag}")
            baseline_url = await _empty_store(server, f"cbccvc_bench_copy_{people}{tag}")
            store_dsn, baseline_dsn = sync_free_dsn(store_url), sync_free_dsn(baseline_url)
            sources_path = _with_deadline(sandbox.sources_config_path, args.deadline_s)
            registry = SourceRegistry.from_yaml(sources_path)
            try:
                # the organisations first, the same for both stores (not timed)
                await sync_organizations(store_dsn, registry)
                await copy_organization_register(truth_dsn, store_dsn)
                await sync_organizations(baseline_dsn, registry)
                await copy_organization_register(truth_dsn, baseline_dsn)

                print("full sync ...", flush=True)
                services_cpu = time.process_time()  # this process: the sandbox's services
                seconds, rss, worker_rss, cpu = _full_sync_subprocess(
                    store_url,
                    sources_path,
                    args.batch,
                    args.concurrency,
                    args.processes,
                    args.profile / "full.prof" if args.profile else None,
                )
                services_cpu = time.process_time() - services_cpu
                conn = await asyncpg.connect(store_dsn)
                try:
                    synced = int(await conn.fetchval("SELECT count(*) FROM person"))
                    rejected = int(
                        await conn.fetchval(
                            "SELECT count(DISTINCT (source_id, source_record_id))"
                            " FROM sync_reject WHERE resolved_at IS NULL"
                        )
                    )
                finally:
                    await conn.close()
                print("baseline COPY ...", flush=True)
                copy_seconds, copied = await _copy_baseline(store_dsn, baseline_dsn, args.batch)

                connector = next(db for db in sandbox.databases if db.endswith("_connector"))
                changed = await _changes(
                    sync_free_dsn(with_database(server, connector)), args.changes
                )
                print(f"incremental sync of {changed:,} changes ...", flush=True)
                profiler = cProfile.Profile() if args.profile else None
                started = time.perf_counter()
                if profiler is not None:
                    profiler.enable()
                results = await sync_all(
                    store_dsn, registry, organizations=False, concurrency=args.concurrency
                )
                incremental = time.perf_counter() - started
                if profiler is not None:
                    profiler.disable()
                    profiler.dump_stats(args.profile / "incremental.prof")
                updated = sum(r.counts.updated for r in results)
            finally:
                await registry.aclose()
        finally:
            # a failed run leaves nothing behind either (two 100,000-person stores did, 0.7 GB)
            if not args.keep:
                await drop_database(server, f"cbccvc_bench_sync_{people}{tag}")
                await drop_database(server, f"cbccvc_bench_copy_{people}{tag}")
            await sandbox.aclose()
    return {
        "people": people,
        "synced": synced,
        "rejected": rejected,
        "batch": args.batch,
        "concurrency": args.concurrency,
        "processes": args.processes,
        "full_sync_s": round(seconds, 2),
        "people_per_s": round((synced + rejected) / seconds),
        "sync_peak_rss_mb": round(rss, 1),
        "sync_worker_peak_rss_mb": round(worker_rss, 1),
        "sync_rss_mb_all_processes_at_most": round(rss + args.processes * worker_rss, 1)
        if args.processes > 1
        else round(rss, 1),
        "sync_cpu_s": round(cpu, 2),
        "sync_cpu_us_per_person": round(cpu * 1e6 / max(1, synced + rejected)),
        "services_cpu_s_during_full_sync": round(services_cpu, 2),
        "copy_s": round(copy_seconds, 2),
        "copied": copied,
        "copy_people_per_s": round(copied / copy_seconds),
        "sync_over_copy": round(seconds / copy_seconds, 2),
        "changes": changed,
        "incremental_updated": updated,
        "incremental_s": round(incremental, 2),
        "load_1m_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="20,000 people, 1,000 changes")
    parser.add_argument("--people", type=int, default=None, help="default 200,000")
    parser.add_argument("--changes", type=int, default=None, help="default 10,000")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument(
        "--concurrency", type=int, default=4, help="sources synced at a time (per process)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes of the full sync (sync/processes.py; 1: sync_all in one)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER),
        help="a PostgreSQL server to create the bench databases on (env BENCH_DATABASE_URL)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the synced stores")
    parser.add_argument(
        "--deadline-s",
        type=float,
        default=30.0,
        help="the sources' per-call deadline (the guard's deadline_s; 2 s unless set)",
    )
    parser.add_argument(
        "--tag",
        default="",
        help="a suffix for the sandbox's and the stores' databases, so that a second run beside"
        " one in progress replaces none of its databases (the truth is shared: read only)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="a folder for cProfile stats of the full sync (full.prof, in its process) and of"
        " the incremental one (incremental.prof, this process's main thread); slows both",
    )
    args = parser.parse_args(argv)
    args.people = args.people or (20_000 if args.quick else 200_000)
    args.changes = args.changes or (1_000 if args.quick else 10_000)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"sync-{args.people}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
