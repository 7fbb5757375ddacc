"""Prometheus metrics of one gateway process, in a registry of our own, served at /metrics.

Every metric the gateway exposes is declared here, so that /metrics lists each one (with zero
samples) from the first scrape, whether or not anything has incremented it yet: dashboards and
alerts can be written before the code paths that feed them exist. Other modules import the
objects or the small functions below and increment them; nothing here does I/O.

Labels are bounded on purpose: an operation name comes from the client, so only the first
`OPERATION_NAMES_KEPT` distinct names get a series of their own and the rest are "other";
routes are the few paths the gateway serves.
"""

from __future__ import annotations

import threading
from enum import IntEnum

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

REGISTRY = CollectorRegistry()
"""Ours, not prometheus_client's global one: tests and other libraries cannot collide with it."""
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

CONTENT_TYPE = CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds; the top buckets straddle the 10 s request deadline."""

# -- HTTP and GraphQL -----------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "cbccvc_http_requests",
    "HTTP requests answered, by route, method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "cbccvc_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response, by route.",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge(
    "cbccvc_http_requests_in_flight", "HTTP requests being answered now.", registry=REGISTRY
)
OPERATIONS = Counter(
    "cbccvc_graphql_operations",
    "GraphQL operations, by operation name and outcome (ok, partial, error, rejected, "
    "rate_limited, timeout, unauthenticated, forbidden).",
    ["operation", "outcome"],
    registry=REGISTRY,
)
OPERATION_LATENCY = Histogram(
    "cbccvc_graphql_operation_duration_seconds",
    "Time to answer a GraphQL operation, by operation name.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)

COMPILED_ROOT_FIELDS = Counter(
    "cbccvc_compiled_root_fields",
    "Store-backed root fields by outcome: compiled (answered by one statement) or why they "
    "fell back to the resolver path (not_compilable, refused, empty_page_after_cursor, "
    "merged_field_nulled_parent, failed).",
    ["field", "outcome"],
    registry=REGISTRY,
)
COMPILED_MERGED_FIELDS = Counter(
    "cbccvc_compiled_merged_fields",
    "Fields of compiled root fields that the statement leaves to the resolvers (live fields, "
    "and what the planner does not compile yet), merged into the compiled result at their "
    "paths, by type and field.",
    ["type", "field"],
    registry=REGISTRY,
)

# -- refusals --------------------------------------------------------------------------------

LIMIT_REJECTIONS = Counter(
    "cbccvc_limit_rejections",
    "Operations refused before execution, by the limit they broke (depth, cost, ...).",
    ["limit"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "cbccvc_rate_limited",
    "Requests refused with 429, by the bucket that was empty (client or address).",
    ["scope"],
    registry=REGISTRY,
)
RATE_LIMIT_BACKEND_ERRORS = Counter(
    "cbccvc_rate_limit_backend_errors",
    "Rate-limit checks that could not reach Redis or PostgreSQL (the request was let through).",
    ["backend"],
    registry=REGISTRY,
)
PERSISTED_QUERIES = Counter(
    "cbccvc_persisted_queries",
    "Persisted-query lookups by result (hit, miss, registered, refused).",
    ["result"],
    registry=REGISTRY,
)
DEADLINES_EXCEEDED = Counter(
    "cbccvc_deadlines_exceeded",
    "Requests stopped at the whole-request deadline (answered 504).",
    registry=REGISTRY,
)

# -- sources and sync (fed by the adapters and the sync pipeline) ---------------------------

SOURCE_CALLS = Counter(
    "cbccvc_source_calls",
    "Calls to agency sources, by source id and outcome (ok, error, timeout, refused).",
    ["source", "outcome"],
    registry=REGISTRY,
)
SOURCE_FAILURES = Counter(
    "cbccvc_source_failures",
    "Failed calls to agency sources, by source id and kind (retriable or fatal).",
    ["source", "kind"],
    registry=REGISTRY,
)
SOURCE_LATENCY = Histogram(
    "cbccvc_source_call_duration_seconds",
    "Time of one call to an agency source, by source id.",
    ["source"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
CIRCUIT_STATE = Gauge(
    "cbccvc_circuit_state",
    "Circuit breaker state per source: 0 closed, 1 half-open, 2 open.",
    ["source"],
    registry=REGISTRY,
)
SYNC_RECORDS = Counter(
    "cbccvc_sync_records",
    "Records through the sync pipeline, by source and result (inserted, updated, unchanged, "
    "rejected, conflict).",
    ["source", "result"],
    registry=REGISTRY,
)
SYNC_RUNS = Counter(
    "cbccvc_sync_runs",
    "Sync runs by source and outcome (ok, failed).",
    ["source", "outcome"],
    registry=REGISTRY,
)
SYNC_REJECTS = Counter(
    "cbccvc_sync_rejects",
    "Records the sync pipeline rejected, by source and reason.",
    ["source", "reason"],
    registry=REGISTRY,
)


class CircuitGauge(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


# -- bounded operation names ------------------------------------------------------------------

OPERATION_NAMES_KEPT = 200
_operation_names: set[str] = set()
_operation_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """The label for a client-chosen operation name, with the number of series bounded."""
    if not name:
        return "anonymous"
    if name in _operation_names:
        return name
    with _operation_names_lock:
        if len(_operation_names) < OPERATION_NAMES_KEPT and len(name) <= 100:
            _operation_names.add(name)
            return name
    return "other"


KNOWN_ROUTES = frozenset(
    {
        "/graphql",
        "/healthz",
        "/readyz",
        "/metrics",
        "/oauth/token",
        "/.well-known/oauth-authorization-server",
        "/.well-known/jwks.json",
        "/",
    }
)


def route_label(path: str) -> str:
    if path in KNOWN_ROUTES:
        return path
    if path.startswith("/static/"):
        return "/static"
    return "other"


# -- what other modules call --------------------------------------------------------------------


def record_operation(name: str | None, outcome: str, seconds: float) -> None:
    label = operation_label(name)
    OPERATIONS.labels(label, outcome).inc()
    OPERATION_LATENCY.labels(label).observe(seconds)


def record_source_call(
    source: str, outcome: str, seconds: float, failure_kind: str | None = None
) -> None:
    """One call to an agency source; `failure_kind` (retriable or fatal) if it failed."""
    SOURCE_CALLS.labels(source, outcome).inc()
    SOURCE_LATENCY.labels(source).observe(seconds)
    if failure_kind is not None:
        SOURCE_FAILURES.labels(source, failure_kind).inc()


def set_circuit_state(source: str, state: str) -> None:
    """`state` as adapters.circuit.CircuitState's values: closed, half_open, open."""
    CIRCUIT_STATE.labels(source).set(CircuitGauge[state.upper()].value)


def record_sync(source: str, result: str, count: int = 1) -> None:
    SYNC_RECORDS.labels(source, result).inc(count)


def record_sync_reject(source: str, reason: str, count: int = 1) -> None:
    SYNC_REJECTS.labels(source, reason).inc(count)


def render() -> bytes:
    """The registry in Prometheus' text format (serve with `CONTENT_TYPE`)."""
    return generate_latest(REGISTRY)
