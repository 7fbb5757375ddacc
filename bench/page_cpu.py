"""Benchmark: the directory page answered in-process, its CPU and its statements per request.

The same page, caller and store as bench/query_vs_raw.py (which must have created the store),
without HTTP or a load generator in the way: the gateway app is called as ASGI in this process,
one request after another (concurrency 1) or in waves of --concurrency. It reports the process's
CPU time per request (user + system: everything the gateway does, from the token to the
audit record, and the driver's side of the round trips), the wall time, and how many SQL
statements a request cost, page and audit apart: under concurrency the audit records of
requests finishing together are chained by one statement (store/audit_writer.py).

    .venv/bin/python -m bench.page_cpu                       # 20,000 people, c=1 and c=32
    .venv/bin/python -m bench.page_cpu --requests 1000 --concurrency 1,8,32
    .venv/bin/python -m bench.page_cpu --split    # and the page JSON's parse and walk apart

--split times, inside the same requests, the two steps between the statement and the response
that a pass-through of the statement's JSON text would save: orjson parsing the page's text
(resolvers/compiled/planner.py) and the walk that takes the mask keys and people out of it
(resolvers/compiled/results.finish), by wrapping both for the run (the wrappers' own cost, two
clock reads a call, is in the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from bench.query_vs_raw import (
    DEFAULT_SERVER,
    _gateway_in_process,
    _issue_token,
    asgi_post,
    pick_subtree,
    prepare_store,
    request_body,
    request_headers,
)


class Split:
    """Time spent parsing the page statements' JSON and walking it, and the text's size."""

    def __init__(self) -> None:
        self.calls = 0
        self.parse_s = 0.0
        self.walk_s = 0.0
        self.characters = 0

    def row(self) -> dict[str, float]:
        calls = max(self.calls, 1)
        return {
            "parse_us": 1e6 * self.parse_s / calls,
            "walk_us": 1e6 * self.walk_s / calls,
            "json_characters": self.characters / calls,
        }


@contextmanager
def split_timed(split: Split) -> Iterator[None]:
    import resolvers.compiled.planner as planner

    real_json, real_finish = planner.orjson, planner.finish

    class TimedJson:
        def __getattr__(self, name: str) -> Any:
            return getattr(orjson, name)

        @staticmethod
        def loads(text: str) -> Any:
            start = time.perf_counter()
            value = orjson.loads(text)
            split.parse_s += time.perf_counter() - start
            split.calls += 1
            split.characters += len(text)
            return value

    def timed_finish(*args: Any) -> None:
        start = time.perf_counter()
        real_finish(*args)
        split.walk_s += time.perf_counter() - start

    planner.orjson, planner.finish = TimedJson(), timed_finish  # type: ignore[assignment]
    try:
        yield
    finally:
        planner.orjson, planner.finish = real_json, real_finish


async def measure(
    url: str, requests: int, levels: list[int], split: bool = False
) -> list[dict[str, Any]]:
    subtree = await pick_subtree(url)
    body = request_body(subtree.code)
    results = []
    with _gateway_in_process(url) as (app, counter, engine):
        try:
            async with app.router.lifespan_context(app):
                headers = request_headers(_issue_token(app, subtree.code))
                for _ in range(50):  # parse and plan caches, the token, the pool
                    status, payload = await asgi_post(app, body, headers)
                if status != 200 or b'"errors"' in payload:
                    raise SystemExit(f"the gateway answered {status}: {payload[:300]!r}")
                for level in levels:
                    waves = max(1, requests // level)
                    counter.reset()
                    timed = Split()
                    with split_timed(timed) if split else contextlib.nullcontext():
                        cpu, wall = time.process_time(), time.perf_counter()
                        for _ in range(waves):
                            answers = await asyncio.gather(
                                *(asgi_post(app, body, headers) for _ in range(level))
                            )
                            assert all(status == 200 for status, _ in answers), answers[0]
                        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                    done = waves * level
                    audit = sum("audit_append" in s for s in counter.statements)
                    results.append(
                        {
                            "concurrency": level,
                            "requests": done,
                            "cpu_ms": 1000 * cpu / done,
                            "wall_ms": 1000 * wall / done,
                            "requests_per_s": done / wall,
                            "page_statements": (counter.count - audit) / done,
                            "audit_statements": audit / done,
                            **(timed.row() if split else {}),
                        }
                    )
        finally:
            await engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    )
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=640)
    parser.add_argument("--concurrency", default="1,32", help="comma-separated levels")
    parser.add_argument(
        "--split", action="store_true", help="time the page JSON's parse and walk apart"
    )
    args = parser.parse_args(argv)
    store = asyncio.run(prepare_store(args.database_url, args.people, 2026, reseed=False))
    levels = [int(level) for level in args.concurrency.split(",")]
    load = os.getloadavg()[0]
    results = asyncio.run(measure(store.url, args.requests, levels, args.split))
    print(f"\n{args.people:,} people, in-process, 1-minute load average {load:.2f} before\n")
    print("| concurrency | requests | CPU ms / request | wall ms / request | req/s "
          "| page statements / request | audit statements / request |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['concurrency']} | {r['requests']} | {r['cpu_ms']:.2f} | {r['wall_ms']:.2f} "
            f"| {r['requests_per_s']:.0f} | {r['page_statements']:.2f} "
            f"| {r['audit_statements']:.2f} |"
        )
    if args.split:
        print("\n| concurrency | page JSON characters | parse µs / request | walk µs / request |")
        print("|---:|---:|---:|---:|")
        for r in results:
            print(
                f"| {r['concurrency']} | {r['json_characters']:,.0f} | {r['parse_us']:.0f} "
                f"| {r['walk_us']:.0f} |"
            )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
