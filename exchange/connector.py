"""The agency connector: a small Starlette service an agency runs beside its own database.

It serves the exchange protocol (exchange/protocol.py) for every agency its database holds
(exchange/staffdb.py), each under `/agencies/<agency code>/v1/...`, through read-only
connections:

    app = create_connector_app(dsn)
    uvicorn.run(app)   # GET /agencies/000.00.00.G18/v1/changes?limit=100 ...

With an EnvelopeGuard (exchange/guard.py), requests are authenticated by MOHA's signed
assertion and answers go back signed by the agency and encrypted to MOHA; each agency's public
keys are at `/agencies/<code>/v1/jwks`.

The agencies are read once at start-up; an agency added later needs a restart. Reads are GET;
the detail lookup is a POST because its body carries personal IDs, which must not sit in URLs
(access logs, proxies), yet it changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from exchange import protocol
from exchange.cursor import CursorError, decode_cursor, encode_cursor
from exchange.guard import MEDIA_TYPE, EnvelopeGuard
from exchange.payload import PayloadError
from exchange.staffdb import (
    DEFAULT_SCHEMA,
    StaffDatabase,
    check_schema,
    create_reader_pool,
    served_agencies,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a full detail batch of 200 IDs is under 8 KiB
RETRY_AFTER_SECONDS = 5  # what a client should wait when our own database is unreachable

Handler = Callable[[Request], Awaitable[Response]]


class ProtocolResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return protocol.dumps(content)


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> ProtocolResponse:
    return ProtocolResponse(protocol.error_payload(code, message), status, headers=headers)


class _Served:
    """The pool and the agencies, opened by the app's lifespan and shared by every route."""

    def __init__(self, schema: str) -> None:
        self.schema = check_schema(schema)
        self.pool: asyncpg.Pool | None = None
        self.agencies: dict[str, str] = {}  # code -> source id

    def db(self, request: Request) -> tuple[StaffDatabase, str]:
        """The agency a request is for, and its source id; 404 for one we do not serve."""
        if self.pool is None:
            raise RuntimeError("the connector's lifespan has not started")
        code = request.path_params["agency"]
        if code not in self.agencies:
            raise HTTPException(404, f"this connector does not serve agency {code[:40]!r}")
        return StaffDatabase(self.pool, code, self.schema), self.agencies[code]


class AgencyEndpoints:
    """The protocol's endpoints, for whichever agency the path names."""

    def __init__(self, served: _Served, guard: EnvelopeGuard | None = None) -> None:
        self.served = served
        self.guard = guard

    def routes(self) -> list[BaseRoute]:
        def route(path: str, handler: Handler, method: str) -> Route:
            wrapped = _guarded(handler)
            if self.guard is not None:
                wrapped = _enveloped(wrapped, self.guard)
            return Route(path, wrapped, methods=[method])

        return [
            route("/v1/changes", self.changes, "GET"),
            route("/v1/persons/detail", self.details, "POST"),
            route("/v1/organizations", self.organizations, "GET"),
            route("/v1/health", self.health, "GET"),
            Route("/v1/jwks", self.jwks, methods=["GET"]),
        ]

    async def jwks(self, request: Request) -> Response:
        """The agency's public signing keys (no envelope: they are what verifies envelopes)."""
        code = request.path_params["agency"]
        document = self.guard.jwks(code) if self.guard is not None else None
        if document is None:
            raise HTTPException(404, f"agency {code[:40]!r} publishes no exchange keys here")
        return Response(orjson.dumps(document), media_type="application/jwk-set+json")

    async def changes(self, request: Request) -> Response:
        db, source_id = self.served.db(request)
        params = request.query_params
        try:
            limit = int(params.get("limit") or protocol.DEFAULT_PAGE_SIZE)
        except ValueError:
            limit = 0
        if not 1 <= limit <= protocol.MAX_PAGE_SIZE:
            return error_response(
                400, "BAD_LIMIT", f"limit must be an integer from 1 to {protocol.MAX_PAGE_SIZE}"
            )
        cursor = params.get("cursor") or None
        try:
            after = decode_cursor(cursor) if cursor else 0
        except CursorError:
            return error_response(400, "BAD_CURSOR", "this connector never issued that cursor")
        # one row more than asked tells whether another page follows, without a count
        rows = await db.changes(after, limit + 1)
        page = rows[:limit]
        records = [
            protocol.change_record(
                row["staff_no"],
                str(row["version"]),
                row["deleted"],
                row["profile"],
                row["changed_at"],
            )
            for row in page
        ]
        next_cursor = encode_cursor(page[-1]["change_seq"]) if page else cursor
        return ProtocolResponse(
            protocol.changes_payload(source_id, records, next_cursor, len(rows) > limit)
        )

    async def details(self, request: Request) -> Response:
        db, _ = self.served.db(request)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return error_response(415, "UNSUPPORTED_MEDIA_TYPE", "send application/json")
        body = getattr(request.state, "body", None)
        if body is None:
            body = await _read_body(request)
        try:
            asked = protocol.parse_detail_request(orjson.loads(body))
        except (orjson.JSONDecodeError, PayloadError) as error:
            return error_response(400, "BAD_REQUEST", str(error)[:300])
        rows = {row["personal_id"]: row["details"] for row in await db.details(asked.personal_ids)}
        persons = [
            (pid, {part.value: rows[pid].get(part.value, []) for part in asked.parts})
            for pid in asked.personal_ids
            if pid in rows
        ]
        return ProtocolResponse(protocol.details_payload(persons))

    async def organizations(self, request: Request) -> Response:
        db, _ = self.served.db(request)
        return ProtocolResponse(protocol.organizations_payload(await db.organizations()))

    async def health(self, request: Request) -> Response:
        db, source_id = self.served.db(request)
        payload = protocol.health_payload(source_id, await db.count(), datetime.now(UTC))
        return ProtocolResponse(payload)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, f"at most {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, f"at most {MAX_BODY_BYTES} bytes")
    return bytes(body)


def _target(request: Request) -> str:
    """The path and query below the agency's base URL, as the assertion's `htu` names them."""
    prefix = f"/agencies/{request.path_params['agency']}"
    path = request.url.path.removeprefix(prefix)
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def _enveloped(handler: Handler, guard: EnvelopeGuard) -> Handler:
    """Checks the assertion before the handler runs; seals a 200 answer to an authenticated one."""

    async def enveloped(request: Request) -> Response:
        code = request.path_params["agency"]
        body = await _read_body(request) if request.method == "POST" else b""
        request.state.body = body
        verdict = guard.check(
            code, request.headers.get("authorization"), request.method, _target(request), body
        )
        if verdict.refusal is not None:
            return error_response(
                401, *verdict.refusal, headers={"WWW-Authenticate": 'Bearer realm="exchange"'}
            )
        response = await handler(request)
        if verdict.request_hash is None or response.status_code != 200:
            return response
        sealed = guard.seal(code, verdict, bytes(response.body))
        return Response(sealed, media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"})

    return enveloped


# Our own database being down, restarting, full or gone is the agency's outage: 503, come back
# later. Anything else the database says is a bug of ours: 500 through the exception handler.
_OUTAGES = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.InvalidCatalogNameError,
)


def _guarded(handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except _OUTAGES as error:
            log.warning("agency database unreachable: %s", error)
            return error_response(
                503,
                "DATABASE_UNAVAILABLE",
                "the agency database is unreachable",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )

    return guarded


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    headers = exc.headers if isinstance(exc, HTTPException) else None  # Allow, on a 405
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "TOO_LARGE"}.get(status, "ERROR")
    return error_response(status, code, str(detail), headers)


def create_connector_app(
    dsn: str, *, schema: str = DEFAULT_SCHEMA, pool_size: int = 4,
    envelope: EnvelopeGuard | None = None,
) -> Starlette:  # fmt: skip
    """A connector for every agency in the database at `dsn` (tables in `schema`); with
    `envelope`, signed and encrypted as exchange/guard.py says."""
    served = _Served(schema)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        served.pool = await create_reader_pool(dsn, max_size=pool_size)
        try:
            served.agencies = await served_agencies(served.pool, served.schema)
            yield
        finally:
            await served.pool.close()

    return Starlette(
        routes=[Mount("/agencies/{agency}", routes=AgencyEndpoints(served, envelope).routes())],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _http_error},
    )
