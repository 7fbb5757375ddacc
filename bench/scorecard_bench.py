"""The national scorecard at 2.5 million people: snapshots read, against a raw asyncpg baseline.

    .venv/bin/python -m bench.scorecard_bench --server postgresql://postgres@127.0.0.1:5432/postgres

Builds its own store (dropped afterwards unless --keep): the schema, 130 agencies (96 ministries
and sectors, the 34 provinces), and a year of daily snapshots for each (47,450 rows) whose
`people` add up to 2.5 million: what `take_snapshot` keeps, so the read does not depend on how
many people there are (snapshots, not scans). Three timings, p50 and p90 of `--runs` runs after
two warm-up runs:

- store:    analytics.scorecard_store.national, the statement `agencyScorecards` runs;
- raw:      the same rows by hand with asyncpg, no mapping (the baseline);
- graphql:  the whole `agencyScorecards` field through the in-process gateway (token check,
            row masks, sorting, JSON) at the central level, every headline field and the
            breakdowns.

Computing a snapshot (gathering the facts) scans the people once a day and is not timed here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import uuid
from datetime import date, timedelta

import asyncpg
import httpx

from analytics.scorecard import Breach
from analytics.scorecard_store import national
from bench.analytics_bench import summary_of, timed
from gateway.app import create_app
from gateway.auth.claims import Grant
from gateway.settings import Settings
from policies.types import Level
from store.database import create_engine, drop_database, ensure_database, sync_free_dsn
from store.prepare import prepare_store

PEOPLE = 2_500_000
MINISTRIES, PROVINCES, DAYS = 96, 34, 365
GRAPHQL = (
    "{ agencyScorecards { agencyCode name level connected lastSuccessAt withinDeadlineShare"
    " completeShare rejectRate unmappedShare breaches people openRejects oldestRejectDays"
    " rejectsByRule { rule titleVi records rate } completeByGroup { group share } } }"
)
RAW = (
    "SELECT * FROM agency_scorecard s JOIN organization o ON o.id = s.organization_id"
    " WHERE s.day = $1"
)


async def fill(dsn: str, today: date) -> None:
    rng = random.Random(16)
    conn = await asyncpg.connect(dsn)
    try:
        root = await conn.fetchval(
            "INSERT INTO organization (code, name, level) VALUES ('000.00.00.A00',"
            " 'Chính phủ', 'central') RETURNING id"
        )
        agencies = [(f"000.00.00.G{n:02d}", f"Bộ {n}", "ministry") for n in range(MINISTRIES)]
        agencies += [(f"000.00.00.H{n:02d}", f"Tỉnh {n}", "province") for n in range(PROVINCES)]
        ids = []
        for code, name, level in agencies:
            ids.append(
                await conn.fetchval(
                    "INSERT INTO organization (code, name, level, parent_id)"
                    " VALUES ($1, $2, $3, $4) RETURNING id",
                    code,
                    name,
                    level,
                    root,
                )
            )
        share = PEOPLE // len(agencies)
        breaches = [b.value for b in Breach]
        detail = json.dumps(
            {
                "sources": ["VN:GOV:000.00.00.G01:HRM"],
                "complete_by_group": {"1": "0.9900", "4": "0.9800", "5": "0.9000", "6": "0.9500"},
                "rejects_by_rule": {"mandatory": {"records": 120, "rate": "0.0060"},
                                    "code_unknown": {"records": 40, "rate": "0.0020"}},
                "lag_histogram": {"0": 900, "1": 50, "2": 20, "3": 10, "4+": 20},
                "runs": [], "normalisation_corrections": 30,
                "corrections_by_rule": {"invisible_removed": 30},
            }
        )  # fmt: skip
        rows = []
        for back in range(DAYS):
            day = today - timedelta(days=back)
            for (code, _name, level), org_id in zip(agencies, ids, strict=True):
                rows.append((
                    day, code, org_id, level, True, None, rng.randint(0, 3), 1000,
                    round(rng.uniform(0.8, 1), 4), rng.randint(0, 9), share,
                    round(rng.uniform(0.85, 1), 4), round(rng.uniform(0, 0.05), 4), 3, 5, 1, 160,
                    rng.randint(0, 20), round(rng.uniform(0, 0.02), 4),
                    rng.sample(breaches, rng.randint(0, 3)), detail,
                ))  # fmt: skip
        await conn.copy_records_to_table(
            "agency_scorecard",
            records=rows,
            columns=[
                "day", "agency_code", "organization_id", "level", "connected",
                "last_success_at", "failed_runs", "changes", "within_deadline_share",
                "oldest_outstanding_days", "people", "complete_share", "reject_rate",
                "identity_mismatches", "cross_field_violations", "open_conflicts",
                "open_rejects", "oldest_reject_days", "unmapped_share", "breaches", "detail",
            ],
        )  # fmt: skip
        await conn.execute("ANALYZE agency_scorecard")
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    name = f"cbccvc_bench_scorecard_{uuid.uuid4().hex[:6]}"
    url = await ensure_database(args.server, name)
    try:
        await prepare_store(url)
        today = date.today()
        await fill(sync_free_dsn(url), today)
        engine = create_engine(url, pool_size=4)
        raw = await asyncpg.connect(sync_free_dsn(url))
        try:
            async with engine.connect() as conn:
                rows = await national(conn, today)
                assert len(rows) == MINISTRIES + PROVINCES
                assert sum(r.people for r in rows) >= PEOPLE - len(rows)

                async def store() -> None:
                    await national(conn, today)

                store_ms = await timed(args.runs, store)

            async def baseline() -> None:
                await raw.fetch(RAW, today)

            raw_ms = await timed(args.runs, baseline)
            app = create_app(Settings(), url, engine=engine)
            async with app.router.lifespan_context(app):
                token = app.state.resources.auth.issue(
                    Grant(Level.CENTRAL, "000.00.00.G09", "bench", "bench-client", ())
                )[0]
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:

                    async def graphql() -> None:
                        response = await client.post(
                            "/graphql",
                            json={"query": GRAPHQL},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        body = response.json()
                        assert response.status_code == 200, body
                        assert "errors" not in body, body
                        assert len(body["data"]["agencyScorecards"]) == len(rows)

                    graphql_ms = await timed(args.runs, graphql)
        finally:
            await raw.close()
            await engine.dispose()
    finally:
        if not args.keep:
            await drop_database(args.server, name)
    figures = {
        "people": PEOPLE, "agencies": MINISTRIES + PROVINCES, "snapshot_rows": DAYS * len(rows),
        "runs": args.runs, "store": summary_of(store_ms), "raw_asyncpg": summary_of(raw_ms),
        "graphql_agency_scorecards": summary_of(graphql_ms),
    }  # fmt: skip
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
