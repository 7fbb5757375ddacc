"""Errors of the source contract, grouped by what the caller should do about them.

    SourceError
    ├── RetriableSourceError      try again later (with backoff): the source may recover
    │   ├── SourceTimeout         no answer within the deadline
    │   └── SourceUnavailable     refused, down, overloaded, rate-limited (HTTP 429/5xx)
    │       └── CircuitOpen       refused by our own open circuit, without calling the source
    ├── FatalSourceError          retrying cannot help: fix configuration or code
    │   ├── UnsupportedOperation  the source lacks the capability asked for
    │   ├── SourceProtocolError   the source answered with something we cannot read
    │   │   └── SourceSecurityError   an envelope failed its checks (forged, replayed, ...)
    │   ├── ReadOnlyViolation     something tried to write to an agency's database
    │   └── SourceClosed          the source was closed (aclose) and cannot be used again

Adapters translate foreign exceptions (asyncpg, aiohttp, openpyxl, ...) into these at their
boundary with `raise ... from exc`, so callers never see a driver's exception.
"""

from __future__ import annotations


class SourceError(Exception):
    """Something went wrong talking to a source; `source_id` says which."""

    code = "SOURCE_ERROR"

    def __init__(self, message: str, *, source_id: str | None = None) -> None:
        super().__init__(message)
        self.source_id = source_id


class RetriableSourceError(SourceError):
    """`retry_after`: seconds the source asked us to wait (HTTP Retry-After), when it said."""

    def __init__(
        self, message: str, *, source_id: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, source_id=source_id)
        self.retry_after = retry_after


class SourceTimeout(RetriableSourceError):
    code = "SOURCE_TIMEOUT"


class SourceUnavailable(RetriableSourceError):
    code = "SOURCE_UNAVAILABLE"


class CircuitOpen(SourceUnavailable):
    """The guard's circuit is open: the call never reached the source (the same code and remedy
    as SourceUnavailable; the metrics count it as refused, not as the source's failure)."""


class FatalSourceError(SourceError):
    pass


class UnsupportedOperation(FatalSourceError):
    pass


class SourceProtocolError(FatalSourceError):
    pass


class SourceSecurityError(SourceProtocolError):
    """A signed or encrypted message failed verification; `reason` says which check
    (exchange/envelope.py REASONS). Nothing of the message was used."""

    code = "SOURCE_SECURITY"

    def __init__(self, message: str, *, source_id: str | None = None, reason: str = "") -> None:
        super().__init__(message, source_id=source_id)
        self.reason = reason


class ReadOnlyViolation(FatalSourceError):
    pass


class SourceClosed(FatalSourceError):
    code = "SOURCE_CLOSED"
