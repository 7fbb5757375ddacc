"""Operations endpoints: /healthz (the process), /readyz (what it needs), /metrics (Prometheus).

- `/healthz` answers 200 whenever the process can answer at all: a liveness probe restarts a
  replica that stops answering, and nothing else (a database outage must not restart every
  replica at once).
- `/readyz` answers 200 only when the store is reachable and every required source's check
  passes, each within `timeout` seconds, checked concurrently; 503 otherwise, naming what
  failed. A load balancer sends no traffic to a replica that is not ready.
- `/metrics` is the process's Prometheus registry (telemetry/metrics.py). It says nothing
  personal, but it does describe traffic: expose it to the monitoring network only (the nginx
  configuration in docker/ refuses it from outside).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from telemetry import metrics

HealthCheck = Callable[[], Awaitable[object]]
"""A readiness check: passes unless it raises, returns False, or returns something whose `ok`
is False (a source's `health()`, vocabulary.sources.Health)."""


async def _database(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _run(check: HealthCheck, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            result = await check()
    except TimeoutError:
        return f"timed out after {seconds:g} s"
    except Exception as error:  # any failure means "not ready"; its class says which kind
        return f"failed: {type(error).__name__}"
    # a bool, None, or an object with `ok` and maybe `detail` (vocabulary.sources.Health)
    if result is False or getattr(result, "ok", True) is False:
        detail = getattr(result, "detail", "")
        return f"failed: {detail}" if detail else "failed"
    return "ok"


Checks = Mapping[str, HealthCheck] | Iterable[HealthCheck]


def _named(checks: Checks | None) -> dict[str, HealthCheck]:
    if checks is None:
        return {}
    if isinstance(checks, Mapping):
        return dict(checks)
    return {getattr(check, "__name__", f"check {i}"): check for i, check in enumerate(checks)}


def ops_routes(
    engine: AsyncEngine | None = None,
    checks: Checks | None = None,
    *,
    started: Callable[[], bool] | None = None,
    more_checks: Callable[[], Checks] | None = None,
    timeout: float = 2.0,
) -> list[BaseRoute]:
    """The three routes; add them to the app's routes.

    `engine`: the store, checked with `SELECT 1`. `checks`: the required sources' health
    callables, by name (a plain list is named by the callables' `__name__`). `more_checks`:
    the same, asked at each request, for checks that exist only once the app has started (a
    source registry opened in the lifespan). `started`: False until the app's start-up is done
    (code lists loaded), so a replica is not ready before.

    Only sources the gateway cannot serve without belong here: the others yield partial results
    with errors when they are down, and a replica without them is still worth traffic.
    """
    named = _named(checks)
    if engine is not None:
        database = engine

        async def check_database() -> None:
            await _database(database)

        named = {"database": check_database, **named}

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        results: dict[str, str] = {}
        if started is not None and not started():
            results["startup"] = "not finished"
        current = {**named, **_named(more_checks() if more_checks is not None else None)}
        names = list(current)
        outcomes = await asyncio.gather(*(_run(current[name], timeout) for name in names))
        results.update(zip(names, outcomes, strict=True))
        ready = all(outcome == "ok" for outcome in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def metrics_endpoint(request: Request) -> Response:
        return Response(
            metrics.render(),
            media_type=metrics.CONTENT_TYPE,
            headers={"Cache-Control": "no-store"},
        )

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
