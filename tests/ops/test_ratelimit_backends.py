"""Rate limits in memory, in the real Redis and in PostgreSQL: atomic, shared, failing open."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from ops_helpers import REDIS_URL, redis_problem
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.ratelimit import (
    Buckets,
    MemoryBuckets,
    PostgresBuckets,
    RateDecision,
    RateLimiter,
    RedisBuckets,
    RequestRateLimits,
)
from gateway.settings import Settings
from telemetry import metrics

WORKER = Path(__file__).with_name("ratelimit_worker.py")
ROOT = Path(__file__).parents[2]
NO_REFILL = 0.001  # tokens per second: nothing comes back during a test


class Prefixed:
    """Buckets whose keys carry the test's prefix: the session's store is shared by tests."""

    def __init__(self, inner: Buckets, prefix: str) -> None:
        self.inner = inner
        self.name = inner.name
        self.prefix = prefix

    async def take(self, key: str, cost: float, rate: float, burst: float) -> RateDecision:
        return await self.inner.take(f"{self.prefix}:{key}", cost, rate, burst)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest_asyncio.fixture(params=["memory", "redis", "postgresql"])
async def buckets(
    request: pytest.FixtureRequest, key_prefix: str, ops_engine: AsyncEngine
) -> AsyncIterator[Callable[[], Buckets]]:
    """A factory: each call is another "replica" over the same shared buckets."""
    made: list[Buckets] = []
    if request.param == "memory":
        shared = MemoryBuckets()

        def factory() -> Buckets:
            return Prefixed(shared, key_prefix)
    elif request.param == "redis":
        problem = redis_problem()
        if problem:
            pytest.skip(problem)

        def factory() -> Buckets:
            made.append(Prefixed(RedisBuckets(REDIS_URL, prefix="cbccvc:test:"), key_prefix))
            return made[-1]
    else:

        def factory() -> Buckets:
            made.append(Prefixed(PostgresBuckets(ops_engine), key_prefix))
            return made[-1]

    yield factory
    for each in made:
        await each.aclose()


async def test_the_burst_passes_then_requests_are_refused_with_a_wait(
    buckets: Callable[[], Buckets],
) -> None:
    limiter = RateLimiter(buckets(), NO_REFILL, 5, "client")
    decisions = [await limiter.check("portal") for _ in range(7)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    assert decisions[4].remaining == pytest.approx(0, abs=1e-3)
    assert decisions[5].retry_after_seconds == pytest.approx(1 / NO_REFILL, rel=0.01)
    # another key has its own bucket
    assert (await limiter.check("other-portal")).allowed


async def test_concurrent_checks_never_let_more_than_the_burst_through(
    buckets: Callable[[], Buckets],
) -> None:
    limiter = RateLimiter(buckets(), NO_REFILL, 10, "address")
    decisions = await asyncio.gather(*(limiter.check("10.0.0.1") for _ in range(30)))
    assert sum(d.allowed for d in decisions) == 10


async def test_two_replicas_share_one_bucket(buckets: Callable[[], Buckets]) -> None:
    first = RateLimiter(buckets(), NO_REFILL, 4, "client")
    second = RateLimiter(buckets(), NO_REFILL, 4, "client")
    assert all([(await first.check("portal")).allowed for _ in range(3)])
    assert (await second.check("portal")).allowed
    assert not (await second.check("portal")).allowed
    assert not (await first.check("portal")).allowed


async def test_tokens_come_back_at_the_rate(buckets: Callable[[], Buckets]) -> None:
    limiter = RateLimiter(buckets(), 20, 2, "client")  # one token every 50 ms
    assert (await limiter.check("portal")).allowed
    assert (await limiter.check("portal")).allowed
    refused = await limiter.check("portal")
    assert not refused.allowed
    await asyncio.sleep(refused.retry_after_seconds + 0.03)
    assert (await limiter.check("portal")).allowed


async def test_per_client_and_per_address_limits(buckets: Callable[[], Buckets]) -> None:
    shared = buckets()
    limits = RequestRateLimits(
        shared,
        client=RateLimiter(shared, NO_REFILL, 2, "client"),
        address=RateLimiter(shared, NO_REFILL, 3, "address"),
    )
    assert await limits.check("portal", "10.0.0.1") is None
    assert await limits.check("portal", "10.0.0.1") is None
    refusal = await limits.check("portal", "10.0.0.1")
    assert refusal is not None
    assert refusal.scope == "client"
    # the address had one token left; a request without a client takes it, then is refused
    assert await limits.check(None, "10.0.0.1") is None
    refusal = await limits.check(None, "10.0.0.1")
    assert refusal is not None
    assert refusal.scope == "address"
    assert await limits.check(None, "10.0.0.2") is None


def _run_replicas(backend: str, url: str, key: str, per_process: int, burst: int) -> int:
    command = [sys.executable, str(WORKER), backend, url, key, str(per_process)]
    processes = [
        subprocess.Popen(
            [*command, str(NO_REFILL), str(burst)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    allowed = 0
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        allowed += json.loads(out)["allowed"]
    return allowed


@pytest.mark.parametrize("backend", ["redis", "postgresql"])
def test_the_limit_is_shared_across_two_processes(
    backend: str, request: pytest.FixtureRequest, key_prefix: str
) -> None:
    url = request.getfixturevalue("redis_url" if backend == "redis" else "ops_store_url")
    # each process alone would pass 8 of its 12; together they pass 8 in all
    assert _run_replicas(backend, url, f"{key_prefix}-portal", 12, 8) == 8


async def test_an_unreachable_redis_lets_requests_through_and_is_counted() -> None:
    before = metrics.RATE_LIMIT_BACKEND_ERRORS.labels("redis")._value.get()
    buckets = RedisBuckets("redis://127.0.0.1:1/0")  # nothing listens on port 1
    limiter = RateLimiter(buckets, 1, 1, "client")
    try:
        started = time.monotonic()
        decisions = [await limiter.check("portal") for _ in range(3)]
        assert time.monotonic() - started < 5
    finally:
        await buckets.aclose()
    assert all(d.allowed for d in decisions)
    assert metrics.RATE_LIMIT_BACKEND_ERRORS.labels("redis")._value.get() == before + 3


async def test_limits_from_settings_pick_redis_or_the_store(
    redis_url: str, ops_engine: AsyncEngine
) -> None:
    off = RequestRateLimits.from_settings(Settings(), ops_engine)
    assert not off.enabled
    assert isinstance(off.buckets, PostgresBuckets)
    on = RequestRateLimits.from_settings(
        Settings(redis_url=redis_url, rate_limit_per_client=5, rate_limit_per_address=2),
        ops_engine,
    )
    try:
        assert isinstance(on.buckets, RedisBuckets)
        assert on.client is not None
        assert (on.client.rate, on.client.burst) == (5, 40)
        assert on.address is not None
        assert (on.address.rate, on.address.burst) == (2, 20)
    finally:
        await on.aclose()
