"""The two servers that bench/query_vs_raw.py compares, as uvicorn factories.

    BENCH_STORE_URL=postgresql://... uvicorn --factory bench._apps:gateway_app
    BENCH_STORE_URL=postgresql://... uvicorn --factory bench._apps:raw_app

`gateway_app` is the real gateway with its default settings: it authenticates the bearer token
of every request, applies the field policy and audits the personal fields it returns. `raw_app`
is what a developer would write by hand for the directory page alone: one asyncpg query
(organisation subtree, directory order, organisation code and name joined in) and the same JSON
built with orjson; it ignores the token.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.app import create_app
from gateway.http_negotiation import GRAPHQL_RESPONSE
from gateway.settings import Settings
from resolvers.global_id import encode
from store.database import sync_free_dsn
from store.vocabulary import Gender, PersonnelCategory, PersonStatus

STORE_URL_ENV = "BENCH_STORE_URL"
POOL_SIZE = 10
"""The gateway's default pool size (Settings.pool_size; it opens up to twice this)."""

# The page: the people in the subtree of the organisation with code $1, in directory order
# (name_sort, id), with their organisation's code and name, in one statement: the cheapest
# hand-written form found, so that the baseline does not flatter the gateway. The subtree is the
# organisations whose materialised path lies in [root path, root path with its last character's
# successor), which PostgreSQL estimates well, the page's 50 ids are chosen from the index
# (organization_id, name_sort, id) alone, and only those 50 rows are read. Measured against
# the forms used before (bench/_apps.py until 3 December 2026, docs/benchmarks.md "Generic
# plans, uvloop and connections kept"): a prefix LIKE on the joined organisation's path walks
# ix_person_order reading ~5,900 buffers per page at 200,000 people (2.5x this form's time);
# `organization_id IN (SELECT ... starts_with(path, ...))` gets a top-N sort of the whole
# subtree's rows (4x).
DIRECTORY_PAGE = """
SELECT p.id, p.full_name, p.family_name, p.middle_name, p.given_name, p.gender, p.birth_date,
       p.category, p.status, p.job_position, p.recruited_on, p.personal_id,
       o.code AS organization_code, o.name AS organization_name
  FROM (SELECT k.id
          FROM person AS k
         WHERE k.organization_id IN (
               SELECT s.id
                 FROM organization AS s
                WHERE s.path ~>=~ (SELECT path FROM organization WHERE code = $1)
                  AND s.path ~<~ (SELECT left(path, -1) || chr(ascii(right(path, 1)) + 1)
                                    FROM organization WHERE code = $1))
         ORDER BY k.name_sort, k.id
         LIMIT $2) AS page
  JOIN person AS p ON p.id = page.id
  JOIN organization AS o ON o.id = p.organization_id
 ORDER BY p.name_sort, p.id
"""

# GraphQL serialises an enum value by its name
_GENDER = {member.value: member.name for member in Gender}
_CATEGORY = {member.value: member.name for member in PersonnelCategory}
_STATUS = {member.value: member.name for member in PersonStatus}


def store_url() -> str:
    url = os.environ.get(STORE_URL_ENV)
    if not url:
        raise RuntimeError(f"set {STORE_URL_ENV} to the benchmark store's URL")
    return url


def build_gateway(url: str, engine: Any = None) -> Starlette:
    """The gateway with its default settings (the same issuer and audience in every process)."""
    # CBCCVC_COMPILED_READS=false measures the resolver path, the reference of compiled reads
    compiled = os.environ.get("CBCCVC_COMPILED_READS", "true").lower() != "false"
    settings = Settings(database_url=url, pool_size=POOL_SIZE, compiled_reads=compiled)
    return create_app(settings, url, engine=engine)


def gateway_app() -> Starlette:
    return build_gateway(store_url())


def _node(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": encode("Person", row[0]),
        "fullName": row[1],
        "familyName": row[2],
        "middleName": row[3],
        "givenName": row[4],
        "gender": _GENDER[row[5]],
        "birthDate": row[6],
        "category": _CATEGORY[row[7]],
        "status": _STATUS[row[8]],
        "jobPosition": row[9],
        "recruitedOn": row[10],
        "personalId": row[11],
        "organization": {"code": row[12], "name": row[13]},
    }


def raw_app() -> Starlette:
    dsn = sync_free_dsn(store_url())
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2 * POOL_SIZE)
        pools.append(pool)
        try:
            yield
        finally:
            await pool.close()

    async def directory(request: Request) -> Response:
        variables = orjson.loads(await request.body())["variables"]
        rows = await pools[0].fetch(DIRECTORY_PAGE, variables["organization"], variables["first"])
        payload = {"data": {"persons": {"edges": [{"node": _node(row)} for row in rows]}}}
        return Response(orjson.dumps(payload), media_type=GRAPHQL_RESPONSE)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/graphql", directory, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
