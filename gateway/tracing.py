"""OpenTelemetry tracing, on only when an OTLP endpoint is configured.

OpenTelemetry is optional: the packages (opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http)
are imported only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and if they are missing the gateway
says so once in its log and runs without traces. Imports go through importlib so that neither
mypy nor the import of this module needs the packages.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

_tracer: Any = None
_configured_for: str | None = None


def configure_tracing(endpoint: str | None, service_name: str = "cbccvc-gateway") -> bool:
    """Export spans to the OTLP/HTTP collector at `endpoint`; True if tracing is now on.

    `endpoint` is the collector's base URL as in OTEL_EXPORTER_OTLP_ENDPOINT (the exporter
    appends /v1/traces). None turns nothing on. Calling again with the same endpoint is a no-op.
    """
    global _tracer, _configured_for
    if not endpoint:
        return False
    if _configured_for == endpoint:
        return _tracer is not None
    _configured_for = endpoint
    try:
        trace = importlib.import_module("opentelemetry.trace")
        sdk_trace = importlib.import_module("opentelemetry.sdk.trace")
        export = importlib.import_module("opentelemetry.sdk.trace.export")
        resources = importlib.import_module("opentelemetry.sdk.resources")
        otlp = importlib.import_module("opentelemetry.exporter.otlp.proto.http.trace_exporter")
    except ImportError as error:
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed (%s); "
            "running without tracing. Install opentelemetry-sdk and "
            "opentelemetry-exporter-otlp-proto-http to export traces.",
            error,
        )
        return False
    provider = sdk_trace.TracerProvider(
        resource=resources.Resource.create({"service.name": service_name})
    )
    exporter = otlp.OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    provider.add_span_processor(export.BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _tracer = trace.get_tracer("cbccvc.gateway")
    log.info("tracing: exporting spans to %s", endpoint)
    return True


def tracing_enabled() -> bool:
    return _tracer is not None


@contextmanager
def server_span(
    name: str, headers: Mapping[str, str], attributes: Mapping[str, object]
) -> Iterator[Any]:
    """A SERVER span around one request, continuing the caller's trace (W3C traceparent).

    Yields the span (None when tracing is off) so the caller can add attributes at the end.
    """
    if _tracer is None:
        yield None
        return
    propagate = importlib.import_module("opentelemetry.propagate")
    trace = importlib.import_module("opentelemetry.trace")
    context = propagate.extract(dict(headers))
    with _tracer.start_as_current_span(
        name, context=context, kind=trace.SpanKind.SERVER, attributes=dict(attributes)
    ) as span:
        yield span
