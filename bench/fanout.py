"""Benchmark: one GraphQL request that fans out to 64 sources, against the slowest source alone.

64 simulated agencies answer person-detail lookups over HTTP on loopback, with latencies spread
evenly over 10–100 ms (bench/_fanout_sim.py, a separate process). One request asks the
gateway for the work history of 64 people, one per agency; the gateway calls every source
concurrently, each behind its guard (deadline, retries, circuit). The baseline, in the same run
and with the same client, is a direct call to the slowest agency. Then one agency hangs: the
response must come back with partial results within the deadline plus 100 ms.

    .venv/bin/python -m bench.fanout            # about 40 s
    .venv/bin/python -m bench.fanout --runs 50

The store is a fresh database on --database-url's server (env BENCH_DATABASE_URL; default the
local PostgreSQL), seeded with 2,000 people and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent

SOURCES = 64
DEADLINE_S = 2.0
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def latencies() -> dict[str, float]:
    """Agency SIM.01 … SIM.64 with latencies evenly from 10 to 100 ms."""
    step = 90 / (SOURCES - 1)
    return {f"SIM.{i + 1:02d}": round(10 + i * step, 1) for i in range(SOURCES)}


async def prepare(server: str) -> tuple[str, list[tuple[str, int]]]:
    """A seeded store whose 64 people each belong to one simulated source."""
    from sqlalchemy import text

    from sandbox.seed import seed_store
    from store.database import create_engine, ensure_database
    from store.migrate import upgrade
    from store.reference_data import load_code_lists

    url = await ensure_database(server, f"cbccvc_fanout_{uuid.uuid4().hex[:8]}")
    engine = create_engine(url, pool_size=2)
    await upgrade(engine)
    async with engine.begin() as conn:
        await load_code_lists(conn)
    await seed_store(url.render_as_string(hide_password=False), 2000, 2026, progress=False)
    people = []
    async with engine.begin() as conn:
        ids = (
            (
                await conn.execute(
                    text("SELECT id FROM person ORDER BY name_sort, id LIMIT :n"), {"n": SOURCES}
                )
            )
            .scalars()
            .all()
        )
        for code, person_id in zip(latencies(), ids, strict=True):
            await conn.execute(
                text("UPDATE person SET source_id = :s WHERE id = :id"),
                {"s": f"VN:GOV:{code}:HRM", "id": person_id},
            )
            people.append((code, person_id))
    await engine.dispose()
    return url.render_as_string(hide_password=False), people


def start_sim(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FANOUT_LATENCIES": json.dumps(latencies()), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._fanout_sim", "--port", str(port)], env=env, cwd=ROOT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}/_latency", json={"code": "x", "ms": 0}, timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the simulated sources did not start")


class Gateway:
    """The real gateway under uvicorn in a thread, its sources the simulated agencies."""

    def __init__(self, store_url: str, sim_port: int) -> None:
        import uvicorn

        from gateway.app import create_app
        from gateway.settings import Settings

        self.port = _free_port()
        self.app = create_app(Settings(), store_url)
        self.sim_port = sim_port
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Gateway:
        from adapters.registry import SourceRegistry
        from adapters.resilience import GuardedSource, GuardPolicy
        from bench._fanout_sim import SimSource

        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        policy = GuardPolicy(deadline_s=DEADLINE_S, retries=0, concurrency=8)
        self.app.state.resources.sources = SourceRegistry(
            [
                GuardedSource(
                    SimSource(
                        f"VN:GOV:{code}:HRM",
                        code,
                        f"http://127.0.0.1:{self.sim_port}/agencies/{code}/",
                    ),
                    policy,
                )
                for code in latencies()
            ]
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


# the first page of the directory: its 64 people are the ones spread over the 64 sources
_PAGE = f"persons(first: {SOURCES}) {{ edges {{ node {{ workHistory {{ start }} }} }} }}"
FANOUT_QUERY = orjson.dumps({"query": f"{{ {_PAGE} }}"})


async def raw_fanout(sim_port: int, runs: int) -> list[float]:
    """The same 64 calls made directly and concurrently, slowest first and one loop turn apart
    as the gateway starts them (resolvers/live.one_by_one), each through its own source's
    client (the gateway's JsonClient): what HTTP and this machine cost, the floor."""
    from bench._fanout_sim import SimSource
    from resolvers.live import one_by_one
    from vocabulary.sources import DetailPart

    sources = [
        SimSource(f"VN:GOV:{code}:HRM", code, f"http://127.0.0.1:{sim_port}/agencies/{code}/")
        for code in sorted(latencies(), key=latencies().__getitem__, reverse=True)
    ]
    parts = frozenset({DetailPart.WORK_HISTORY})
    timings = []
    try:
        for _ in range(runs + 3):
            started = time.perf_counter()
            await asyncio.gather(
                *await one_by_one(source.person_details(["x"], parts) for source in sources)
            )
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        for source in sources:
            await source.aclose()
    return timings[3:]


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    )
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    from bench._tokens import issue_token
    from policies.types import Level
    from store.database import drop_database

    store_url, people = asyncio.run(prepare(args.database_url))
    sim_port = _free_port()
    sim = start_sim(sim_port)
    try:
        with Gateway(store_url, sim_port) as gateway:
            token = issue_token(gateway.app, Level.CENTRAL, "000.00.00.G09")
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/graphql-response+json",
            }
            body = FANOUT_QUERY
            slowest = max(latencies(), key=lambda c: latencies()[c])
            direct = f"http://127.0.0.1:{sim_port}/agencies/{slowest}/details"
            with httpx.Client(timeout=30) as client:
                url = f"http://127.0.0.1:{gateway.port}/graphql"
                for _ in range(3):  # warm-up: connections, caches
                    client.post(url, content=body, headers=headers)
                gateway_ms, baseline_ms = [], []
                for _ in range(args.runs):
                    ms, response = timed(lambda: client.post(url, content=body, headers=headers))
                    payload = response.json()
                    assert "errors" not in payload, payload["errors"][:2]
                    edges = payload["data"]["persons"]["edges"]
                    assert len(edges) == SOURCES
                    assert all(edge["node"]["workHistory"] for edge in edges)
                    gateway_ms.append(ms)
                    ms, _ = timed(lambda: client.post(direct, content=b'{"personal_ids": ["x"]}'))
                    baseline_ms.append(ms)
                raw_fanout_ms = asyncio.run(raw_fanout(sim_port, args.runs))
                hung = people[0][0]
                client.post(f"http://127.0.0.1:{sim_port}/_latency", json={"code": hung, "ms": -1})
                hung_ms = []
                for _ in range(5):
                    ms, response = timed(lambda: client.post(url, content=body, headers=headers))
                    payload = response.json()
                    codes = {e["extensions"]["code"] for e in payload.get("errors", [])}
                    assert codes == {"SOURCE_TIMEOUT"}, payload.get("errors")
                    answered = [
                        e["node"]["workHistory"] for e in payload["data"]["persons"]["edges"]
                    ]
                    assert sum(bool(w) for w in answered) == SOURCES - 1, "the others answer"
                    hung_ms.append(ms)
    finally:
        sim.terminate()
        try:
            sim.wait(5)
        except subprocess.TimeoutExpired:  # the hung agency's connection keeps it open
            sim.kill()
            sim.wait(5)
        asyncio.run(drop_database(args.database_url, store_url.rsplit("/", 1)[1].split("?")[0]))

    p50_gateway, p50_base = statistics.median(gateway_ms), statistics.median(baseline_ms)
    print(
        f"\n{SOURCES} sources, latencies 10–100 ms, {args.runs} runs, deadline {DEADLINE_S:.1f} s\n"
    )
    print("| | p50 ms | p90 ms |")
    print("|---|---:|---:|")
    q = lambda xs: statistics.quantiles(xs, n=10)[-1]  # noqa: E731
    print(f"| slowest source alone | {p50_base:.1f} | {q(baseline_ms):.1f} |")
    print(f"| gateway, all {SOURCES} sources | {p50_gateway:.1f} | {q(gateway_ms):.1f} |")
    p50_raw = statistics.median(raw_fanout_ms)
    label = f"the {SOURCES} calls made directly, concurrently, same client"
    print(f"| {label} | {p50_raw:.1f} | {q(raw_fanout_ms):.1f} |")
    ratio = p50_gateway / p50_base
    print(f"\ngateway ÷ slowest source (p50): **{ratio:.2f}** (goal ≤ 1.1, issue 15)")
    print(f"gateway ÷ the same calls made directly (p50): {p50_gateway / p50_raw:.2f}")
    worst = max(hung_ms)
    print(
        f"one source hung: response {statistics.median(hung_ms):.0f} ms median, "
        f"{worst:.0f} ms worst;"
        f" deadline + {worst - DEADLINE_S * 1000:.0f} ms (goal ≤ deadline + 100 ms)"
    )


if __name__ == "__main__":
    main()
