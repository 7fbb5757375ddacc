"""The demo's sync, checked run by run (issue 12's done-when: a demo sync leaves no run failed).

    .venv/bin/python -m bench.demo_sync_check [--people 20000] [--unconnected]

Seeds a truth of `--people` (the demo's 20,000 by default), starts the sandbox agencies from
it and syncs them into an empty store exactly as `cbccvc demo` does (`fill_store_from_sandbox`),
on databases of its own (`cbccvc_rejects_demo_*`, sandbox `cbccvc_rej_sb`, so that it never
touches another run's), then prints every run's status, the people stored and the open rejects
by rule, and drops its databases. `--unconnected` adds the demo's never-connected agency (its
run fails because its source does: the one failure the issue allows). Exit 1 if a run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import time

import asyncpg
from sqlalchemy.engine import make_url

from sandbox.fill_by_sync import fill_store_from_sandbox
from store.database import drop_database, ensure_database, sync_free_dsn
from store.prepare import prepare_store

STORE, TRUTH, SANDBOX = "cbccvc_rejects_demo_store", "cbccvc_rejects_demo_truth", "cbccvc_rej_sb"


async def check(server_url: str, people: int, unconnected: bool) -> int:
    server = make_url(server_url)
    store = await ensure_database(server, STORE)
    await prepare_store(store)
    url = store.render_as_string(hide_password=False)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        sandbox, results = await fill_store_from_sandbox(
            url, server_url, workdir, people=people, seed=2026, truth_name=TRUTH,
            unconnected=unconnected, name=SANDBOX,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        try:
            statuses = collections.Counter(r.status for r in results)
            print(f"runs: {dict(statuses)} in {seconds:.0f} s (seeding and sandbox included)")
            for r in results:
                if r.status != "ok":
                    print(f"  {r.source_id}: {r.status} {r.error}")
            conn = await asyncpg.connect(sync_free_dsn(url))
            try:
                stored = await conn.fetchval("SELECT count(*) FROM person")
                rules = await conn.fetch(
                    "SELECT rule, count(*) AS n FROM sync_reject WHERE resolved_at IS NULL"
                    " GROUP BY rule ORDER BY n DESC, rule"
                )
            finally:
                await conn.close()
            print(f"people stored: {stored}; open rejects: {sum(r['n'] for r in rules)}")
            print("  " + ", ".join(f"{r['rule']} {r['n']}" for r in rules))
        finally:
            await sandbox.aclose()
            await drop_database(server, STORE)
            await drop_database(server, TRUTH)
    return 1 if statuses.get("failed") else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--unconnected", action="store_true")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    return asyncio.run(check(args.database_url, args.people, args.unconnected))


if __name__ == "__main__":
    raise SystemExit(main())
