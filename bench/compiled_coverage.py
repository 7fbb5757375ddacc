"""Compiled reads beyond the directory page: a page with nested objects and dossier lists.

    nice -n 10 .venv/bin/python -m bench.compiled_coverage                 # the 20,000-person store
    nice -n 10 .venv/bin/python -m bench.compiled_coverage --url postgresql://.../cbccvc_bench_200000

Two gateways over one seeded store in this process, compiled reads on and off, asked the same
pages as a province caller (masking and audit on): the directory page of bench/query_vs_raw.py
and a richer one (code lists, salary, education, membership, two dossier lists paged forward
and backward), which before issue 15's coverage work fell back to the resolver path whole.
Their answers are checked equal first; then the two gateways are timed in alternating rounds
(`--rounds` of `--requests` each), and the best round of each is reported: wall time and this
process's CPU per page (token, policy, execution or statement, JSON, audit), and the statements
one request costs. Ratios come from one run; quote the load beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
from typing import Any

import asyncpg
import orjson

from bench._tokens import issue_token
from bench.query_vs_raw import asgi_post
from gateway.app import create_app
from gateway.settings import Settings
from policies.types import Level
from store.database import StatementCounter, create_engine

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cbccvc_bench_20000"
PAGES = {
    "directory": """query($organization: String!) {
  persons(filter: {organization: $organization}, first: 50) { edges { node {
    id fullName familyName middleName givenName gender birthDate category status
    jobPosition recruitedOn personalId organization { code name } } } } }""",
    "nested": """query($organization: String!) {
  persons(filter: {organization: $organization}, first: 50) { edges { node {
    id fullName birthDate personalId organization { code name }
    grade { code name } position { name } ethnicity { name }
    salary { coefficient monthlyBaseAmount } education { professionalLevel fieldOfStudy }
    membership { partyJoinedOn }
    familyMembers(first: 3) { edges { node { relation fullName birthYear } } }
    rewardRecords(last: 2) { edges { node { title decidedOn } } } } } } }""",
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _province(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        code = await conn.fetchval(
            "SELECT code FROM organization WHERE level = 'province' AND status = 'active' "
            "ORDER BY code LIMIT 1"
        )
    finally:
        await conn.close()
    return str(code)


async def run(url: str, requests: int, rounds: int) -> None:
    engine = create_engine(url, pool_size=4)
    counter = StatementCounter(engine)
    organization = await _province(url)
    apps = {
        compiled: create_app(
            Settings(database_url=url, pool_size=4, compiled_reads=compiled), url, engine=engine
        )
        for compiled in (True, False)
    }
    lifespans = [app.router.lifespan_context(app) for app in apps.values()]
    for lifespan in lifespans:
        await lifespan.__aenter__()
    token = issue_token(apps[True], Level.PROVINCE, organization, lifetime=3600)
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/graphql-response+json",
        "Authorization": f"Bearer {token}",
    }
    try:
        for name, query in PAGES.items():
            body = orjson.dumps({"query": query, "variables": {"organization": organization}})
            answers: dict[bool, Any] = {}
            statements: dict[bool, int] = {}
            for compiled, app in apps.items():
                for _ in range(3):  # the document, the scope and the plan cached
                    status, payload = await asgi_post(app, body, headers)
                if status != 200 or b'"errors"' in payload:
                    raise SystemExit(f"{name}: the gateway answered {status}: {payload[:300]!r}")
                answers[compiled] = orjson.loads(payload)
                counter.reset()
                await asgi_post(app, body, headers)
                statements[compiled] = counter.count
            if answers[True] != answers[False]:
                raise SystemExit(f"{name}: compiled and resolved answers differ")
            best: dict[bool, tuple[float, float]] = {}
            for _ in range(rounds):
                for compiled, app in apps.items():
                    wall, cpu = time.perf_counter(), _cpu()
                    for _ in range(requests):
                        await asgi_post(app, body, headers)
                    measured = ((time.perf_counter() - wall) / requests,
                                (_cpu() - cpu) / requests)  # fmt: skip
                    previous = best.get(compiled, measured)
                    best[compiled] = (min(previous[0], measured[0]), min(previous[1], measured[1]))
            (compiled_wall, compiled_cpu), (resolved_wall, resolved_cpu) = best[True], best[False]
            print(
                f"{name}: answers equal; statements {statements[True]} compiled, "
                f"{statements[False]} resolved | wall per page {compiled_wall * 1e3:.1f} ms "
                f"compiled, {resolved_wall * 1e3:.1f} ms resolved "
                f"(x{resolved_wall / compiled_wall:.2f}) | server CPU per page "
                f"{compiled_cpu * 1e3:.1f} ms compiled, {resolved_cpu * 1e3:.1f} ms resolved "
                f"(x{resolved_cpu / compiled_cpu:.2f}) | load {os.getloadavg()[0]:.2f}"
            )
    finally:
        for lifespan in lifespans:
            await lifespan.__aexit__(None, None, None)
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="a seeded store (`cbccvc seed`)")
    parser.add_argument("--requests", type=int, default=40, help="requests per round")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.requests, args.rounds))


if __name__ == "__main__":
    main()
