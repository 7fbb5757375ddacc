"""Rate limiting for the simulated national databases: a token bucket, 429 with Retry-After.

The national platforms throttle each connected system; the sandbox does the same so that clients
learn to back off. One bucket per service (the gateway is its one client).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.services.faults import ADMIN_PATH
from sandbox.services.tokenbucket import TokenBucket


def retry_after_header(wait_seconds: float) -> str:
    """Retry-After in whole seconds (RFC 9110 allows no fractions), never 0 when refused."""
    return str(max(1, math.ceil(wait_seconds)))


class RateLimit:
    """Refuses calls beyond `rate` a second (bursts up to `burst`) with 429 and Retry-After."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.bucket = TokenBucket(rate=rate, capacity=burst)
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == ADMIN_PATH:
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take(self.clock())
        if not wait:
            await self.app(scope, receive, send)
            return
        body = orjson.dumps({"error": {"code": "RATE_LIMITED", "message": "too many requests"}})
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", retry_after_header(wait).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
