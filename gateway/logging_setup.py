"""Logging of a gateway process: one JSON object per line, each carrying its request's id.

The request id lives in a contextvar set by the observability middleware, so every log line
written while a request is served (by the endpoint, a resolver, an adapter, SQLAlchemy) carries
it without being passed around. asyncio copies contextvars into the tasks a request starts, so
DataLoader batches and concurrent source calls carry it too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

REQUEST_ID: ContextVar[str | None] = ContextVar("cbccvc_request_id", default=None)

# attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


def current_request_id() -> str | None:
    return REQUEST_ID.get()


@contextmanager
def request_id_context(request_id: str) -> Iterator[None]:
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", ...extra, "exception"}` per line.

    orjson escapes whatever a message holds (newlines, quotes, control characters), so a
    client-supplied value cannot forge a second log line.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """For a developer's terminal: `LEVEL logger [request id]: message`."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s%(request_suffix)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_suffix = f" [{request_id}]" if request_id else ""
        return super().format(record)


def configure_logging(
    log_format: str = "text", level: str = "INFO", stream: TextIO | None = None
) -> logging.Handler:
    """Replace the root logger's handlers with one that writes `log_format` ("json" or "text").

    Returns the handler (tests attach their own stream). uvicorn's loggers propagate to the
    root, so its start-up and error lines come out in the same format.
    """
    if log_format not in ("json", "text"):
        raise ValueError(f"log format must be json or text, got {log_format!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    return handler
