"""/healthz, /readyz, /metrics, request ids, JSON log lines and optional tracing."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway import tracing
from gateway.health import HealthCheck, ops_routes
from gateway.logging_setup import configure_logging, current_request_id
from gateway.observability import ObservabilityMiddleware, note_operation, outcome_of_status
from store.database import create_engine
from telemetry import metrics

log = logging.getLogger("tests.ops.graphql")


async def graphql(request: Request) -> Response:
    """Stands in for the GraphQL endpoint: logs, notes its operation, answers."""
    body = await request.json()
    log.info("running %s", body.get("operationName"))
    status = int(body.get("status", 200))
    note_operation(request.state, body.get("operationName"), body.get("outcome", "ok"))
    return JSONResponse(
        {"data": {"requestId": request.state.request_id, "fromContext": current_request_id()}},
        status_code=status,
    )


def make_app(
    engine: AsyncEngine | None,
    checks: dict[str, HealthCheck] | None = None,
    started: bool = True,
    more_checks: Callable[[], dict[str, HealthCheck]] | None = None,
) -> ObservabilityMiddleware:
    routes = [
        *ops_routes(engine, checks, started=lambda: started, more_checks=more_checks, timeout=0.3),
        Route("/graphql", graphql, methods=["POST"]),
    ]
    return ObservabilityMiddleware(Starlette(routes=routes))


@pytest_asyncio.fixture
async def client(ops_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(ops_engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


async def get(app: ObservabilityMiddleware, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        return await client.get(path)


async def test_healthz_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database_and_the_required_sources(
    ops_engine: AsyncEngine,
) -> None:
    async def population() -> bool:
        return True

    async def insurance() -> None:
        raise ConnectionError("refused")

    async def slow() -> None:
        await asyncio.sleep(5)

    async def down() -> bool:
        return False

    @dataclass
    class Health:  # the shape of vocabulary.sources.Health
        ok: bool
        detail: str = ""

    ready = await get(make_app(ops_engine, {"population": population}), "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "population": "ok"}}

    checks: dict[str, HealthCheck] = {
        "population": population,
        "insurance": insurance,
        "slow": slow,
        "down": down,
    }

    async def circuit_open() -> Health:
        return Health(False, "circuit open, next probe in 3.0 s")

    async def healthy() -> Health:
        return Health(True)

    app = make_app(
        ops_engine,
        checks,
        more_checks=lambda: {"VN:GOV:G18:HRM": circuit_open, "VN:GOV:H01:HRM": healthy},
    )
    not_ready = await get(app, "/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"] == {
        "database": "ok",
        "population": "ok",
        "insurance": "failed: ConnectionError",
        "slow": "timed out after 0.3 s",
        "down": "failed",
        "VN:GOV:G18:HRM": "failed: circuit open, next probe in 3.0 s",
        "VN:GOV:H01:HRM": "ok",
    }


async def test_readyz_is_503_without_the_database_or_before_start_up(
    ops_engine: AsyncEngine,
) -> None:
    dead = create_engine("postgresql://postgres@127.0.0.1:1/nothing", pool_size=1)
    try:
        response = await get(make_app(dead), "/readyz")
    finally:
        await dead.dispose()
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith(("failed", "timed out"))
    starting = await get(make_app(ops_engine, started=False), "/readyz")
    assert starting.status_code == 503
    assert starting.json()["checks"]["startup"] == "not finished"


async def test_metrics_exposes_every_metric_in_prometheus_format(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/graphql", json={"operationName": "StaffPage"})
    await client.post("/graphql", json={"operationName": "StaffPage", "outcome": "partial"})
    await client.post("/graphql", json={"status": 429, "outcome": "rate_limited"})
    metrics.record_source_call("VN:GOV:G18:HRM", "error", 0.2, failure_kind="retriable")
    metrics.set_circuit_state("VN:GOV:G18:HRM", "open")
    metrics.record_sync("VN:GOV:G18:HRM", "inserted", 10)
    metrics.record_sync_reject("VN:GOV:G18:HRM", "unmapped ethnic group")
    metrics.LIMIT_REJECTIONS.labels("depth").inc()

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    body = response.text
    for line in [
        'cbccvc_graphql_operations_total{operation="StaffPage",outcome="ok"}',
        'cbccvc_graphql_operations_total{operation="StaffPage",outcome="partial"}',
        'cbccvc_graphql_operations_total{operation="anonymous",outcome="rate_limited"}',
        'cbccvc_graphql_operation_duration_seconds_bucket{le="0.005",operation="StaffPage"}',
        'cbccvc_http_requests_total{method="POST",route="/graphql",status="429"}',
        'cbccvc_http_request_duration_seconds_count{route="/graphql"}',
        'cbccvc_source_calls_total{outcome="error",source="VN:GOV:G18:HRM"}',
        'cbccvc_source_failures_total{kind="retriable",source="VN:GOV:G18:HRM"}',
        'cbccvc_circuit_state{source="VN:GOV:G18:HRM"} 2.0',
        'cbccvc_sync_records_total{result="inserted",source="VN:GOV:G18:HRM"}',
        'cbccvc_sync_rejects_total{reason="unmapped ethnic group",source="VN:GOV:G18:HRM"}',
        'cbccvc_limit_rejections_total{limit="depth"}',
    ]:
        assert line in body, line
    # declared from the start, whether or not anything has counted yet
    for name in [
        "cbccvc_rate_limited",
        "cbccvc_rate_limit_backend_errors",
        "cbccvc_persisted_queries",
        "cbccvc_deadlines_exceeded",
        "cbccvc_sync_runs",
        "cbccvc_source_call_duration_seconds",
        "cbccvc_http_requests_in_flight",
        "process_cpu_seconds",
    ]:
        assert f"# TYPE {name}" in body, name


def test_client_chosen_operation_names_cannot_grow_the_series_without_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics, "OPERATION_NAMES_KEPT", 3)
    monkeypatch.setattr(metrics, "_operation_names", set())
    labels = [metrics.operation_label(f"Op{i}") for i in range(5)]
    assert labels == ["Op0", "Op1", "Op2", "other", "other"]
    assert metrics.operation_label("Op1") == "Op1"
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.route_label("/no/such/path") == "other"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "ok"),
        (400, "error"),
        (401, "unauthenticated"),
        (429, "rate_limited"),
        (504, "timeout"),
    ],
)
def test_an_outcome_from_the_status_when_the_endpoint_noted_none(status: int, outcome: str) -> None:
    assert outcome_of_status(status) == outcome


async def test_request_ids_are_kept_when_sane_and_replaced_otherwise(
    client: httpx.AsyncClient,
) -> None:
    given = await client.post("/graphql", json={}, headers={"X-Request-Id": "portal-42.a:b"})
    assert given.headers["x-request-id"] == "portal-42.a:b"
    assert given.json()["data"] == {"requestId": "portal-42.a:b", "fromContext": "portal-42.a:b"}
    for bad in ["two\\nlines", "x" * 129, "sp ace", ""]:
        response = await client.post("/graphql", json={}, headers={"X-Request-Id": bad})
        assert response.headers["x-request-id"] != bad
        assert len(response.headers["x-request-id"]) == 32
    # routes that set no id of their own get the middleware's
    health = await client.get("/healthz", headers={"X-Request-Id": "probe-1"})
    assert health.headers["x-request-id"] == "probe-1"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


async def test_json_log_lines_carry_the_request_id(
    client: httpx.AsyncClient, json_logs: io.StringIO
) -> None:
    response = await client.post(
        "/graphql", json={"operationName": "Staff"}, headers={"X-Request-Id": "req-json-1"}
    )
    assert response.status_code == 200
    logging.getLogger("tests.ops").info("outside any request")
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    handler_line = next(line for line in lines if line["message"] == "running Staff")
    access_line = next(line for line in lines if line["logger"] == "cbccvc.access")
    outside = next(line for line in lines if line["message"] == "outside any request")
    assert handler_line["request_id"] == "req-json-1"
    assert handler_line["level"] == "INFO"
    assert handler_line["time"].endswith("+00:00")
    assert access_line["request_id"] == "req-json-1"
    assert access_line["status"] == 200
    assert access_line["operation"] == "Staff"
    assert access_line["path"] == "/graphql"
    assert outside["request_id"] is None


def test_json_logs_carry_exceptions_and_escape_what_clients_send(json_logs: io.StringIO) -> None:
    logger = logging.getLogger("tests.ops")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed with %s", 'a "quoted"\nsecond line')
    [line] = json_logs.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == 'failed with a "quoted"\nsecond line'
    assert "ValueError: boom" in entry["exception"]


async def test_other_scopes_pass_through_untouched() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        assert "state" not in scope

    async def receive() -> dict[str, Any]:
        return {}

    async def send(message: Any) -> None:
        return None

    await ObservabilityMiddleware(app)({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]


def test_tracing_is_off_without_an_endpoint_and_optional_with_one(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tracing.configure_tracing(None) is False
    assert not tracing.tracing_enabled()
    with tracing.server_span("GET /", {}, {}) as span:
        assert span is None
    if importlib.util.find_spec("opentelemetry") is not None:
        pytest.skip("OpenTelemetry is installed here: the missing-package path cannot be shown")
    monkeypatch.setattr(tracing, "_configured_for", None)
    with caplog.at_level(logging.WARNING, logger="gateway.tracing"):
        assert tracing.configure_tracing("http://127.0.0.1:4318") is False
        assert tracing.configure_tracing("http://127.0.0.1:4318") is False
    warnings = [r for r in caplog.records if "OpenTelemetry is not installed" in r.getMessage()]
    assert len(warnings) == 1  # said once, then the gateway runs without traces
    assert not tracing.tracing_enabled()
