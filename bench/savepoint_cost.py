"""Benchmark: what the sync's per-page SAVEPOINT costs on the happy path.

    .venv/bin/python -m bench.savepoint_cost [--database-url URL] [--pages 2000]

sync/page.py applies each page inside a savepoint so that a record the database refuses can be
isolated without losing the page. A page that nothing refuses pays one SAVEPOINT and one RELEASE.
This times N page-sized transactions writing 1,000 rows each into a temporary table, with and
without the savepoint, alternately, on one connection, and prints the difference per page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import asyncpg

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
ROWS = [(i, f"row {i}") for i in range(1000)]


async def _page(conn: asyncpg.Connection, savepoint: bool) -> float:
    started = time.perf_counter()
    async with conn.transaction():
        if savepoint:
            async with conn.transaction():
                await conn.copy_records_to_table("bench_page", records=ROWS)
        else:
            await conn.copy_records_to_table("bench_page", records=ROWS)
        await conn.execute("TRUNCATE bench_page")
    return time.perf_counter() - started


async def run(url: str, pages: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TEMP TABLE bench_page (id int, text text)")
        plain, saved = [], []
        for _ in range(pages):
            plain.append(await _page(conn, False))
            saved.append(await _page(conn, True))
    finally:
        await conn.close()
    p, s = statistics.median(plain) * 1000, statistics.median(saved) * 1000
    print(f"pages: {pages} x 1,000 rows, load {os.getloadavg()[0]:.2f}")
    print(f"median page without savepoint: {p:.3f} ms; with: {s:.3f} ms; cost {s - p:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    )
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.database_url, args.pages))


if __name__ == "__main__":
    main()
