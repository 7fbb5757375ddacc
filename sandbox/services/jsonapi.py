"""JSON over HTTP for the simulated national databases: responses, batch bodies, read-only pools.

Both national services answer the same kind of call, a batch lookup by personal IDs in a POST
body (personal IDs never go into URLs, which end up in access logs), and read their own database
through read-only connections; `lookup_app` is that service, given what it holds and how to
find it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from exchange.payload import PayloadError, Reader
from sandbox.services.faults import FaultInjector, FaultPlan
from sandbox.services.ratelimit import RateLimit

MAX_BODY_BYTES = 64 * 1024
_PERSONAL_ID = re.compile(r"^[0-9]{12}$")


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status)


class BadRequest(Exception):
    def __init__(self, response: JsonResponse) -> None:
        self.response = response


async def personal_ids_of(request: Request, max_ids: int) -> list[str]:
    """The `personal_ids` of a lookup body; BadRequest carries the answer when it is wrong."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadRequest(error(415, "UNSUPPORTED_MEDIA_TYPE", "send application/json"))
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(error(413, "TOO_LARGE", f"at most {MAX_BODY_BYTES} bytes"))
    try:
        items = Reader(orjson.loads(body)).field("personal_ids").array(max_items=max_ids)
        ids = [item.text(max_length=12) for item in items]
    except (orjson.JSONDecodeError, PayloadError) as problem:
        raise BadRequest(error(400, "BAD_REQUEST", str(problem)[:300])) from None
    if not all(_PERSONAL_ID.match(pid) for pid in ids):
        raise BadRequest(error(400, "BAD_REQUEST", "personal IDs are 12 digits"))
    return list(dict.fromkeys(ids))


class PoolHolder:
    """A read-only pool opened by the app's lifespan, for the routes to use."""

    def __init__(self) -> None:
        self._pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the service's lifespan has not started")
        return self._pool

    def lifespan(self, dsn: str, name: str) -> Callable[[Starlette], Any]:
        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self._pool = await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=4,
                server_settings={"default_transaction_read_only": "on", "application_name": name},
            )
            try:
                yield
            finally:
                await self.pool.close()

        return lifespan


Find = Callable[[asyncpg.Pool, list[str]], Awaitable[list[dict[str, Any]]]]
"""(pool, personal IDs asked) -> the items found; unknown IDs are simply absent."""


def lookup_app(
    name: str, dsn: str, collection: str, count_sql: str, find: Find, *,
    max_ids: int, rate: float, burst: int, baseline: FaultPlan | None,
) -> ASGIApp:  # fmt: skip
    """A national database as a service over its schema of the database at `dsn`:

        POST /v1/<collection>/lookup  {"personal_ids": [...]} -> {<collection>: find(...)}
        GET  /v1/health               -> {"status": "ok", <collection>: <count_sql's count>}

    rate-limited (token bucket: `rate` a second, `burst` at once; 429 with Retry-After) and
    fault-injectable through /_faults, starting from and returning to `baseline`.
    """
    holder = PoolHolder()

    async def lookup(request: Request) -> Response:
        try:
            ids = await personal_ids_of(request, max_ids)
        except BadRequest as bad:
            return bad.response
        return JsonResponse({collection: await find(holder.pool, ids)})

    async def health(request: Request) -> Response:
        return JsonResponse({"status": "ok", collection: await holder.pool.fetchval(count_sql)})

    app = Starlette(
        routes=[
            Route(f"/v1/{collection}/lookup", lookup, methods=["POST"]),
            Route("/v1/health", health, methods=["GET"]),
        ],
        lifespan=holder.lifespan(dsn, name),
    )
    return FaultInjector(RateLimit(app, rate=rate, burst=burst), baseline=baseline)
