"""Benchmark: what carrying the dossier's lists costs a sync (issue 17, item 3).

    nice -n 10 .venv/bin/python -m bench.dossier_bench --people 20000 --rounds 2

One legacy agency (the Vietnamese-style schema, its CV module filled from the truth's lists)
holding every person of the truth's largest ministry or province, synced with SqlSource into a
fresh store twice per round, alternating: with the mapping as shipped (the lists read, checked
and written) and with the same mapping without its `dossier` section (person rows only). The
figures are each run's wall time and people per second; compare the ratio within one run of
this script, not seconds across machines. The truth `cbccvc_dossier_bench_truth_<N>` is seeded
once and kept; the legacy database and the stores are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from dataclasses import replace
from types import MappingProxyType

import asyncpg

from adapters.mappings import load_mapping
from adapters.sql import SqlSource
from sandbox.fill_by_sync import copy_organization_register, prepare_truth
from sandbox.legacy.build import build_legacy_agency, drop_legacy_agency, reader_dsn
from store.database import drop_database, ensure_database, sync_free_dsn
from store.prepare import prepare_store
from sync.pipeline import sync_source
from vocabulary.sources import make_source_id

LARGEST_SUBTREE = """
SELECT root.code, count(*) AS people FROM organization root
  JOIN organization o ON o.path LIKE root.path || '%'
  JOIN person p ON p.organization_id = o.id
 WHERE root.depth = 1 GROUP BY root.code ORDER BY count(*) DESC LIMIT 1
"""


async def _run(server: str, people: int, rounds: int) -> None:
    truth = await prepare_truth(server, f"cbccvc_dossier_bench_truth_{people}", people, 2026)
    conn = await asyncpg.connect(sync_free_dsn(truth))
    try:
        root = await conn.fetchrow(LARGEST_SUBTREE)
        rows = await conn.fetchval(
            "SELECT (SELECT count(*) FROM dossier_family_member)"
            " + (SELECT count(*) FROM dossier_history_period)"
            " + (SELECT count(*) FROM dossier_annual_rating)"
        )
    finally:
        await conn.close()
    suffix = uuid.uuid4().hex[:8]
    legacy_name, role, password = (
        f"cbccvc_dossier_bench_legacy_{suffix}",
        f"rd_{suffix}",
        suffix * 2,
    )
    legacy = (await ensure_database(server, legacy_name)).render_as_string(hide_password=False)
    held = await build_legacy_agency(
        truth, legacy, "hrm", root["code"], "vi", role, reader_password=password
    )
    print(f"agency {root['code']}: {held} people (truth {people}; {rows} family, history and"
          " rating rows in all)")  # fmt: skip
    with_lists = load_mapping("legacy_vi")
    without = replace(with_lists, dossier=MappingProxyType({}))
    try:
        for round_number in range(rounds):
            for label, mapping in (("with lists", with_lists), ("person rows only", without)):
                name = f"cbccvc_dossier_bench_store_{suffix}_{round_number}_{len(label)}"
                url = await ensure_database(server, name)
                await prepare_store(url)
                dsn = sync_free_dsn(url.render_as_string(hide_password=False))
                await copy_organization_register(sync_free_dsn(truth), dsn)
                source = SqlSource(
                    make_source_id(root["code"], "HRM"), root["code"],
                    dsn=reader_dsn(legacy, role, password), mapping=mapping, schema="hrm",
                )  # fmt: skip
                started = time.perf_counter()
                try:
                    result = await sync_source(dsn, source)
                finally:
                    await source.aclose()
                seconds = time.perf_counter() - started
                load = os.getloadavg()[0]
                print(
                    f"round {round_number + 1} {label:>16}: {seconds:6.2f} s,"
                    f" {result.counts.total / seconds:7.0f} records/s"
                    f" ({result.counts.inserted} stored, {result.counts.rejected} rejected;"
                    f" load {load:.2f})"
                )
                await drop_database(server, name)
    finally:
        await drop_legacy_agency(legacy, "hrm", role)
        await drop_database(server, legacy_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    asyncio.run(_run(args.database_url, args.people, args.rounds))


if __name__ == "__main__":
    main()
