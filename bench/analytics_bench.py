"""National province x category breakdown: the summaries against a direct GROUP BY, same run.

    .venv/bin/python -m bench.analytics_bench                      # quick: the 200,000-person store
    .venv/bin/python -m bench.analytics_bench --url postgresql://postgres@127.0.0.1:5432/cbccvc_bench_2500000

The store must be seeded (`cbccvc seed`); `--migrate` first adds the analysis tables (migration
0006 only, which fills the summaries from `person`). Three timings, each the p50 (and p90) of
`--runs` runs after two warm-up runs:

- summary:  analytics.statistics.breakdown, the statement the `statistics` field runs;
- direct:   the same question as a GROUP BY over `person` (the baseline, same org map join);
- graphql:  the whole `statistics` field through the in-process gateway (token check, policy,
            execution, JSON), at the central level.

Both store-level answers are compared cell by cell before timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics as stats
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from analytics.dimensions import Dimension
from analytics.orgs import org_index
from analytics.statistics import StatisticsQuery, breakdown, direct
from gateway.app import create_app
from gateway.auth.claims import Grant
from gateway.settings import Settings
from policies.types import Level
from store.database import create_engine
from store.migrate import upgrade

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cbccvc_bench_200000"
QUERY = StatisticsQuery((Dimension.PROVINCE, Dimension.CATEGORY))
GRAPHQL = "{ statistics(groupBy: [PROVINCE, CATEGORY]) { cells { keys count } total summary } }"


async def timed(runs: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(2):
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary_of(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(stats.median(ordered), 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--migrate", action="store_true", help="apply migration 0006 first")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    engine = create_engine(args.url, pool_size=4)
    try:
        if args.migrate:
            await upgrade(engine, "0006")
        async with engine.connect() as conn:
            people = (await conn.exec_driver_sql("SELECT count(*) FROM person")).scalar_one()
        index = await org_index(engine)
        from_summary = await breakdown(engine, index, QUERY)
        from_person = await direct(engine, index, QUERY)
        assert from_summary == from_person, "the summary and the GROUP BY disagree"

        summary = await timed(args.runs, lambda: breakdown(engine, index, QUERY))
        baseline = await timed(args.runs, lambda: direct(engine, index, QUERY))

        settings = Settings()
        app = create_app(settings, args.url, engine=engine)
        async with app.router.lifespan_context(app):
            token = app.state.resources.auth.issue(
                Grant(Level.CENTRAL, "000.00.00.G09", "bench", "bench-client", ())
            )[0]
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                async def through_graphql() -> None:
                    response = await client.post(
                        "/graphql",
                        json={"query": GRAPHQL},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    assert response.status_code == 200, response.text
                    assert "errors" not in response.json(), response.text

                graphql = await timed(args.runs, through_graphql)
    finally:
        await engine.dispose()

    figures = {
        "people": people,
        "cells": len(from_summary),
        "runs": args.runs,
        "summary": summary_of(summary),
        "direct_group_by": summary_of(baseline),
        "graphql_statistics": summary_of(graphql),
    }
    figures["speed_up_p50"] = round(
        figures["direct_group_by"]["p50_ms"] / figures["summary"]["p50_ms"], 1
    )
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"national province x category breakdown, {people:,} people, {len(from_summary)} cells")
    print(f"{'':24}{'p50 ms':>10}{'p90 ms':>10}")
    for name in ("summary", "direct_group_by", "graphql_statistics"):
        row = figures[name]
        print(f"{name:24}{row['p50_ms']:>10}{row['p90_ms']:>10}")
    print(f"summary is {figures['speed_up_p50']}x faster than the direct GROUP BY (p50)")


if __name__ == "__main__":
    asyncio.run(main())
