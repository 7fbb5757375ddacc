"""Rate limits per client and per address: token buckets shared by every gateway replica.

A bucket holds up to `burst` tokens and refills at `rate` tokens per second; a request takes
`cost` tokens (1 by default) or is refused, and then learns how long until enough have refilled
(the endpoint's Retry-After). The arithmetic is `take`, pure; the buckets live where every
replica sees them:

- Redis (CBCCVC_REDIS_URL): one Lua script per check, atomic on the server, using the server's
  clock (TIME) so that replicas with skewed clocks agree;
- PostgreSQL otherwise: one UPSERT per check, atomic by the row lock of INSERT ... ON CONFLICT,
  using the database's clock;
- memory: one process only (tests).

If the shared store cannot be reached the request is let through and the failure is counted
(cbccvc_rate_limit_backend_errors) and logged: rate limits protect the service, and an outage of
their store must not become an outage of the gateway.

`RateLimitMiddleware` applies them to every route that needs a caller (/graphql and the
exports), behind AuthenticationMiddleware, which tells it the client.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import refusals
from gateway.authentication import caller_of
from telemetry import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: float
    """0 when allowed; otherwise how long until the request would be allowed."""
    remaining: float
    """Tokens left in the bucket after this decision."""

    @property
    def retry_after_header(self) -> str:
        """Retry-After in whole seconds, rounded up (never 0 for a refusal)."""
        return str(max(1, math.ceil(self.retry_after_seconds)))


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated: float
    """Seconds on the clock of whoever keeps the bucket."""


def take(
    bucket: Bucket | None, now: float, cost: float, rate: float, burst: float
) -> tuple[Bucket, RateDecision]:
    """Refill `bucket` up to `now`, then take `cost` tokens if there are that many.

    A new bucket starts full. A clock that went backwards refills nothing. A refused take
    leaves the tokens as they are (it does not drain the bucket), so a client that keeps
    retrying too early is not punished beyond the wait it was told.
    """
    if bucket is None:
        tokens = burst
    else:
        tokens = min(burst, bucket.tokens + max(0.0, now - bucket.updated) * rate)
    if tokens >= cost:
        tokens -= cost
        return Bucket(tokens, now), RateDecision(True, 0.0, tokens)
    return Bucket(tokens, now), RateDecision(False, (cost - tokens) / rate, tokens)


class Buckets(Protocol):
    """Where buckets are kept; `take` is atomic for one key across everyone sharing them."""

    name: str

    async def take(self, key: str, cost: float, rate: float, burst: float) -> RateDecision: ...

    async def aclose(self) -> None: ...


class MemoryBuckets:
    """In this process only."""

    name = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._max_keys = max_keys

    async def take(self, key: str, cost: float, rate: float, burst: float) -> RateDecision:
        bucket, decision = take(self._buckets.get(key), self._clock(), cost, rate, burst)
        if key not in self._buckets and len(self._buckets) >= self._max_keys:
            # drop the oldest-inserted: an address flood must not grow memory without bound
            self._buckets.pop(next(iter(self._buckets)))
        self._buckets[key] = bucket
        return decision

    async def aclose(self) -> None:
        self._buckets.clear()


# Mirrors `take` line for line. Numbers go back as strings: Redis truncates Lua numbers to
# integers in replies.
REDIS_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
if tokens == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - tonumber(state[2])) * rate)
end
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(retry)}
"""


class RedisBuckets:
    """In Redis, shared by every replica; a bucket expires once it would be full again."""

    name = "redis"

    def __init__(self, url: str, prefix: str = "cbccvc:ratelimit:") -> None:
        from redis.asyncio import Redis

        # short timeouts: a slow Redis must cost a request milliseconds, not the deadline
        self._redis: Any = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(REDIS_TAKE)
        self._prefix = prefix

    async def take(self, key: str, cost: float, rate: float, burst: float) -> RateDecision:
        allowed, tokens, retry = await self._script(
            keys=[self._prefix + key], args=[repr(rate), repr(burst), repr(cost)]
        )
        return RateDecision(bool(int(allowed)), float(retry), float(tokens))

    async def aclose(self) -> None:
        await self._redis.aclose()


# Mirrors `take` too: `refilled` is written out three times because ON CONFLICT DO UPDATE has
# no place to name it; every SET expression sees the row as it was before the update.
_REFILLED = (
    "least(CAST(:burst AS float8), b.tokens + greatest(0, extract(epoch FROM"
    " statement_timestamp() - b.updated_at)::float8) * CAST(:rate AS float8))"
)
POSTGRES_TAKE = text(
    f"""
INSERT INTO rate_limit_bucket AS b (key, tokens, updated_at, allowed)
VALUES (
    :key,
    CASE WHEN CAST(:cost AS float8) <= CAST(:burst AS float8)
         THEN CAST(:burst AS float8) - CAST(:cost AS float8) ELSE CAST(:burst AS float8) END,
    statement_timestamp(),
    CAST(:cost AS float8) <= CAST(:burst AS float8)
)
ON CONFLICT (key) DO UPDATE SET
    tokens = CASE WHEN {_REFILLED} >= CAST(:cost AS float8)
                  THEN {_REFILLED} - CAST(:cost AS float8) ELSE {_REFILLED} END,
    allowed = {_REFILLED} >= CAST(:cost AS float8),
    updated_at = statement_timestamp()
RETURNING tokens, allowed
"""
)
PURGE_IDLE = text(
    "DELETE FROM rate_limit_bucket"
    " WHERE updated_at < statement_timestamp() - make_interval(secs => :idle)"
)


class PostgresBuckets:
    """In the store's rate_limit_bucket table, shared by every replica."""

    name = "postgresql"
    PURGE_EVERY = 1000
    """Checks between two purges of buckets idle long enough to be full again."""

    def __init__(self, engine: AsyncEngine, idle_after: float = 3600.0) -> None:
        self._engine = engine
        self._idle_after = idle_after
        self._calls = 0

    async def take(self, key: str, cost: float, rate: float, burst: float) -> RateDecision:
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    POSTGRES_TAKE, {"key": key, "cost": cost, "rate": rate, "burst": burst}
                )
            ).one()
            self._calls += 1
            if self._calls % self.PURGE_EVERY == 0:
                # a bucket idle for longer than burst / rate is full: the same as no row
                idle = max(self._idle_after, burst / rate)
                await conn.execute(PURGE_IDLE, {"idle": idle})
        tokens, allowed = float(row[0]), bool(row[1])
        retry = 0.0 if allowed else (cost - tokens) / rate
        return RateDecision(allowed, retry, tokens)

    async def aclose(self) -> None:
        """The engine is the app's; nothing of ours to close."""


class RateLimiter:
    """One policy (rate, burst) over shared buckets; keys are prefixed with `scope`."""

    def __init__(self, buckets: Buckets, rate: float, burst: float, scope: str) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("a rate limiter needs a positive rate and burst")
        self.buckets = buckets
        self.rate = rate
        self.burst = burst
        self.scope = scope
        self._last_error_logged = -math.inf

    async def check(self, key: str, cost: float = 1) -> RateDecision:
        try:
            return await self.buckets.take(f"{self.scope}:{key}", cost, self.rate, self.burst)
        except Exception as error:  # fail open: see the module's docstring
            metrics.RATE_LIMIT_BACKEND_ERRORS.labels(self.buckets.name).inc()
            now = time.monotonic()
            if now - self._last_error_logged > 60:  # once a minute, not once a request
                self._last_error_logged = now
                log.warning(
                    "rate limits unavailable (%s: %s); letting requests through",
                    self.buckets.name,
                    error,
                )
            return RateDecision(True, 0.0, self.burst)


@dataclass(frozen=True)
class Refusal:
    """Which limit refused a request, and when to come back."""

    scope: str
    decision: RateDecision


class RequestRateLimits:
    """The gateway's two limits: per client (from the token) and per address.

    A request with a client id takes from its client's bucket; every request takes from its
    address's bucket. Either refusing refuses the request.
    """

    def __init__(
        self, buckets: Buckets, client: RateLimiter | None, address: RateLimiter | None
    ) -> None:
        self.buckets = buckets
        self.client = client
        self.address = address

    @property
    def enabled(self) -> bool:
        return self.client is not None or self.address is not None

    @classmethod
    def from_settings(cls, settings: Any, engine: AsyncEngine) -> RequestRateLimits:
        """Redis if `settings.redis_url`, else the store; limits whose rate is 0 are off."""
        buckets: Buckets
        if settings.redis_url:
            buckets = RedisBuckets(settings.redis_url)
        else:
            buckets = PostgresBuckets(engine)
        client = address = None
        if settings.rate_limit_per_client > 0:
            client = RateLimiter(
                buckets, settings.rate_limit_per_client, settings.rate_limit_client_burst, "client"
            )
        if settings.rate_limit_per_address > 0:
            address = RateLimiter(
                buckets,
                settings.rate_limit_per_address,
                settings.rate_limit_address_burst,
                "address",
            )
        return cls(buckets, client, address)

    async def check(self, client_id: str | None, address: str | None) -> Refusal | None:
        """None if the request may go on; otherwise the refusal (answer 429, Retry-After)."""
        if self.client is not None and client_id:
            decision = await self.client.check(client_id)
            if not decision.allowed:
                metrics.RATE_LIMITED.labels("client").inc()
                return Refusal("client", decision)
        if self.address is not None and address:
            decision = await self.address.check(address)
            if not decision.allowed:
                metrics.RATE_LIMITED.labels("address").inc()
                return Refusal("address", decision)
        return None

    async def aclose(self) -> None:
        await self.buckets.aclose()


class RateLimitMiddleware:
    """Plain ASGI middleware: 429 with Retry-After, worded by the route, when a limit refuses.

    Behind AuthenticationMiddleware (the client's bucket is the token's client); non-HTTP
    scopes pass straight through.
    """

    def __init__(
        self, app: ASGIApp, limits: RequestRateLimits, render: refusals.RenderRefusal
    ) -> None:
        self.app = app
        self.limits = limits
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limits.enabled:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        refusal = await self.limits.check(caller_of(scope).client_id, client[0] if client else None)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        retry_after = refusal.decision.retry_after_header
        message = f"too many requests for this {refusal.scope}: retry after {retry_after} s"
        refused = refusals.Refusal(429, message, "RATE_LIMITED", {"Retry-After": retry_after})
        await self.render(scope, refused)(scope, receive, send)
