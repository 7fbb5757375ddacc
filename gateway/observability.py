"""The ASGI middleware that makes every request observable: request id, metrics, log line, span.

Outermost in the app, so it sees every request, including those the router refuses:

1. the request id: the client's `X-Request-Id` when it is a sane token (so a portal can follow
   its own id through our logs), otherwise a new one; kept in `scope["state"]["request_id"]`
   (`request.state.request_id` in handlers) and in the logging contextvar, and echoed in the
   response's `X-Request-Id`;
2. metrics: requests by route, method and status, latency, in flight; for GraphQL, operations
   by name and outcome, from what the endpoint notes with `note_operation`;
3. one access-log line per request (health checks and scrapes at DEBUG, so they do not drown
   the rest);
4. a tracing span, when tracing is on.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.logging_setup import request_id_context
from gateway.tracing import server_span
from telemetry import metrics

access_log = logging.getLogger("cbccvc.access")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

OPERATION_KEY = "graphql_operation"
OUTCOME_KEY = "graphql_outcome"


def request_id_for(headers: Headers) -> str:
    """The client's X-Request-Id if it is a plain token of at most 128 characters, else new."""
    given = headers.get("x-request-id")
    if given is not None and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def note_operation(state: Any, operation: str | None, outcome: str) -> None:
    """Called by the GraphQL endpoint: which operation this request ran and how it ended.

    `state` is `request.state` (or the scope's state dict). Outcomes: ok, partial (data with
    errors), error, rejected (a limit), rate_limited, timeout, unauthenticated, forbidden.
    """
    if isinstance(state, MutableMapping):
        state[OPERATION_KEY] = operation
        state[OUTCOME_KEY] = outcome
    else:
        setattr(state, OPERATION_KEY, operation)
        setattr(state, OUTCOME_KEY, outcome)


def outcome_of_status(status: int) -> str:
    if status < 400:
        return "ok"
    return {401: "unauthenticated", 403: "forbidden", 429: "rate_limited", 504: "timeout"}.get(
        status, "error"
    )


class ObservabilityMiddleware:
    """Plain ASGI middleware; non-HTTP scopes (lifespan, websocket) pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        request_id = request_id_for(headers)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope.get("path", "")
        method: str = scope.get("method", "")
        route = metrics.route_label(path)
        response: dict[str, Any] = {"status": 500, "html": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response_headers = MutableHeaders(scope=message)
                response["html"] = response_headers.get("content-type", "").startswith("text/html")
                if "x-request-id" not in response_headers:
                    response_headers["X-Request-Id"] = request_id
            await send(message)

        metrics.HTTP_IN_FLIGHT.inc()
        try:
            with (
                request_id_context(request_id),
                server_span(
                    f"{method} {route}",
                    headers,
                    {"http.request.method": method, "url.path": path, "request.id": request_id},
                ) as span,
            ):
                try:
                    await self.app(scope, receive, send_with_id)
                finally:
                    seconds = time.perf_counter() - started
                    self._record(state, route, method, response, seconds, scope)
                    if span is not None:
                        span.set_attribute("http.response.status_code", response["status"])
                        if state.get(OPERATION_KEY):
                            span.set_attribute("graphql.operation.name", state[OPERATION_KEY])
        finally:
            metrics.HTTP_IN_FLIGHT.dec()

    @staticmethod
    def _record(
        state: dict[str, Any],
        route: str,
        method: str,
        response: dict[str, Any],
        seconds: float,
        scope: Scope,
    ) -> None:
        status: int = response["status"]
        metrics.HTTP_REQUESTS.labels(route, method, str(status)).inc()
        metrics.HTTP_LATENCY.labels(route).observe(seconds)
        operation = state.get(OPERATION_KEY)
        outcome = state.get(OUTCOME_KEY)
        if outcome is None and route == "/graphql" and not response["html"]:
            outcome = outcome_of_status(status)
        if outcome is not None:
            metrics.record_operation(operation, outcome, seconds)
        client = scope.get("client")
        access_log.log(
            logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
            "%s %s %d %.1fms",
            method,
            scope.get("path", ""),
            status,
            seconds * 1000,
            extra={
                "method": method,
                "path": scope.get("path", ""),
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "operation": operation,
                "outcome": outcome,
                "client_address": client[0] if client else None,
            },
        )
