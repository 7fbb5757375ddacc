"""Benchmark: what protocol version 2's dossier lists cost a change page, against version 1's
same page, in the same run.

A page is 500 change records of bench/exchange_bench.py (40 standard fields each); the version 2
page carries each person's dossier lists as sandbox/dossier.py draws them (families, personal
history, courses, rewards, ratings, service, assets, health: about a dozen entries a person).
Both pages go through the connector's write (protocol.dumps) and MOHA's read (decode_json +
protocol.parse_changes, the lists typed by the catalogue), alternately, `--rounds` times each;
the medians and the page sizes are reported.

    .venv/bin/python -m bench.sections_bench                  # 500-record pages, 30 rounds
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from adapters.http import decode_json
from bench.exchange_bench import AGENCY, record
from exchange import protocol
from sandbox.dossier import COLUMNS, Holder, dossier_rows


def lists_of(rng: random.Random, fields: dict[str, Any], n: int) -> dict[str, list[Any]]:
    holder = Holder(
        id=n, family_name=fields["family_name"], gender=fields["gender"],
        birth_date=date.fromisoformat(fields["birth_date"]),
        recruited_on=date.fromisoformat(fields["recruited_on"]), category="civil_servant",
        performance_rating="good", performance_year=2025, home_town=fields["home_town"],
        current_address=fields["current_address"], source_id=AGENCY,
        source_record_id=f"NV-{n:07d}", source_version="1",
    )  # fmt: skip
    rows = dossier_rows(rng, holder)
    return {
        table: [dict(zip(columns, row, strict=True)) for row in rows.get(table, [])]
        for table, columns in COLUMNS.items()
    }


def pages(size: int, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = random.Random(seed)  # synthetic data, not a secret
    plain, with_lists = [], []
    for n in range(size):
        base = record(rng, n)
        wire_fields = json.loads(protocol.dumps(base["fields"]))
        plain.append(base)
        with_lists.append({**base, "sections": lists_of(rng, wire_fields, n)})
    return (
        protocol.at_version(protocol.changes_payload(AGENCY, plain, "YzE6NTAw", True), "1.1"),
        protocol.changes_payload(AGENCY, with_lists, "YzE6NTAw", True),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("bench/results/sections.json"))
    args = parser.parse_args()
    v1, v2 = pages(args.records, 2026)
    entries = sum(len(e) for r in v2["records"] for e in r["sections"].values())
    times: dict[str, list[float]] = {"v1 write": [], "v1 read": [], "v2 write": [], "v2 read": []}
    sizes = {}
    for _ in range(args.rounds):
        for name, payload in (("v1", v1), ("v2", v2)):  # alternating, same process
            started = time.perf_counter()
            body = protocol.dumps(payload)
            written = time.perf_counter()
            page = protocol.parse_changes(decode_json(body, AGENCY), args.records)
            read = time.perf_counter()
            assert len(page.records) == args.records
            times[f"{name} write"].append(written - started)
            times[f"{name} read"].append(read - written)
            sizes[name] = len(body)
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    result = {
        "records": args.records,
        "list_entries": entries,
        "rounds": args.rounds,
        "bytes": sizes,
        "median_ms": medians,
        "read_ratio_v2_over_v1": medians["v2 read"] / medians["v1 read"],
        "write_ratio_v2_over_v1": medians["v2 write"] / medians["v1 write"],
        "v2_read_records_per_s": args.records / (medians["v2 read"] / 1000),
        "python": platform.python_version(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
