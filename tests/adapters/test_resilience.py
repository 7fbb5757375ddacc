from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest

from adapters.base import Source
from adapters.circuit import CircuitPolicy, CircuitState
from adapters.errors import (
    FatalSourceError,
    SourceClosed,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
    UnsupportedOperation,
)
from adapters.mock import MockSource
from adapters.resilience import GuardedSource, GuardPolicy, backoff_cap
from vocabulary.sources import Capability, ChangePage, Health, SourceKind

SOURCE_ID = "VN:GOV:000.00.00.G18:HRM"
EMPTY = ChangePage((), None, False)


class FakeClock:
    """Time that moves only when someone sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []
        self.woke_at: list[float] = []

    def now(self) -> float:
        return self.t

    def wall(self) -> datetime:
        return datetime(2026, 7, 1, tzinfo=UTC) + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds
        self.woke_at.append(self.t)
        await asyncio.sleep(0)


class Flaky(Source):
    """Fails with the given errors, one per call, then answers; each call takes `takes` s."""

    kind: ClassVar[SourceKind] = SourceKind.MOCK
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.CHANGE_FEED})

    def __init__(self, *errors: Exception, clock: FakeClock | None = None, takes: float = 0.0):
        super().__init__(SOURCE_ID, "000.00.00.G18")
        self.errors = list(errors)
        self.calls = 0
        self.clock = clock
        self.takes = takes
        self.closed = False

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        self.calls += 1
        if self.clock is not None:
            self.clock.t += self.takes
        if self.errors:
            raise self.errors.pop(0)
        return EMPTY

    async def health(self) -> Health:
        return Health(True, datetime.now(UTC), 0.0)

    async def aclose(self) -> None:
        self.closed = True


def guard(inner: Source, clock: FakeClock, **policy: object) -> GuardedSource:
    return GuardedSource(inner, GuardPolicy(**policy), clock=clock, rng=random.Random(7))  # type: ignore[arg-type]


def down() -> SourceUnavailable:
    return SourceUnavailable("down", source_id=SOURCE_ID)


async def test_a_retriable_failure_is_retried_and_the_answer_arrives() -> None:
    clock = FakeClock()
    inner = Flaky(down(), down(), clock=clock)
    assert await guard(inner, clock, retries=2).changes(None, 10) == EMPTY
    assert inner.calls == 3
    assert len(clock.slept) == 2


async def test_retries_stop_after_the_configured_number_with_the_last_error() -> None:
    clock = FakeClock()
    inner = Flaky(down(), down(), SourceTimeout("slow", source_id=SOURCE_ID), clock=clock)
    with pytest.raises(SourceTimeout):
        await guard(inner, clock, retries=2).changes(None, 10)
    assert inner.calls == 3


async def test_a_fatal_error_is_never_retried() -> None:
    clock = FakeClock()
    inner = Flaky(FatalSourceError("mapping wrong", source_id=SOURCE_ID), clock=clock)
    with pytest.raises(FatalSourceError):
        await guard(inner, clock, retries=5).changes(None, 10)
    assert inner.calls == 1


async def test_backoff_is_full_jitter_under_a_doubling_cap() -> None:
    policy = GuardPolicy(backoff_base_s=0.1, backoff_max_s=0.5)
    assert [backoff_cap(policy, n) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.4, 0.5]
    clock = FakeClock()
    inner = Flaky(down(), down(), down(), clock=clock)
    await guard(inner, clock, retries=3, backoff_base_s=0.1, backoff_max_s=0.5).changes(None, 1)
    assert all(0 <= wait <= cap for wait, cap in zip(clock.slept, (0.1, 0.2, 0.4), strict=True))
    assert len(set(clock.slept)) == 3  # drawn, not fixed


async def test_retries_never_wait_beyond_the_deadline() -> None:
    clock = FakeClock()
    # every attempt takes 0.6 s of a 2 s deadline: soon a backoff would end past it
    inner = Flaky(*[down() for _ in range(10)], clock=clock, takes=0.6)
    with pytest.raises(SourceUnavailable):
        await guard(inner, clock, deadline_s=2.0, retries=10, backoff_base_s=0.5).changes(None, 1)
    assert clock.woke_at
    assert all(woke < 1000.0 + 2.0 for woke in clock.woke_at)
    assert inner.calls < 10


async def test_the_wait_the_source_asks_for_is_honoured() -> None:
    clock = FakeClock()
    inner = Flaky(SourceUnavailable("429", source_id=SOURCE_ID, retry_after=1.5), clock=clock)
    await guard(inner, clock, deadline_s=5.0, retries=1).changes(None, 1)
    assert clock.slept == [1.5]


async def test_a_wait_asked_for_beyond_the_deadline_gives_up_at_once() -> None:
    clock = FakeClock()
    inner = Flaky(SourceUnavailable("429", source_id=SOURCE_ID, retry_after=30), clock=clock)
    with pytest.raises(SourceUnavailable):
        await guard(inner, clock, deadline_s=2.0, retries=3).changes(None, 1)
    assert clock.slept == []


async def test_a_call_past_its_deadline_is_a_source_timeout() -> None:
    class Hanging(Flaky):
        async def changes(self, cursor: str | None, limit: int) -> ChangePage:
            await asyncio.sleep(30)
            return EMPTY

    guarded = GuardedSource(Hanging(), GuardPolicy(deadline_s=0.05))
    with pytest.raises(SourceTimeout):
        await guarded.changes(None, 1)
    assert guarded.stats().last_error is not None
    assert guarded.stats().last_error.code == "SOURCE_TIMEOUT"


async def test_an_open_circuit_refuses_without_calling_the_source() -> None:
    clock = FakeClock()
    inner = Flaky(*[down() for _ in range(3)], clock=clock)
    guarded = guard(
        inner, clock, retries=0, circuit=CircuitPolicy(consecutive_failures=3, cool_down_s=30)
    )
    for _ in range(3):
        with pytest.raises(SourceUnavailable):
            await guarded.changes(None, 1)
    with pytest.raises(SourceUnavailable, match="circuit open"):
        await guarded.changes(None, 1)
    assert inner.calls == 3
    assert guarded.stats().circuit is CircuitState.OPEN
    assert guarded.stats().rejected == 1


async def test_after_the_cool_down_one_successful_probe_closes_the_circuit() -> None:
    clock = FakeClock()
    inner = Flaky(*[down() for _ in range(3)], clock=clock)
    guarded = guard(
        inner, clock, retries=0, circuit=CircuitPolicy(consecutive_failures=3, cool_down_s=30)
    )
    for _ in range(3):
        with pytest.raises(SourceUnavailable):
            await guarded.changes(None, 1)
    clock.t += 30
    assert guarded.stats().circuit is CircuitState.HALF_OPEN
    assert await guarded.changes(None, 1) == EMPTY
    assert guarded.stats().circuit is CircuitState.CLOSED


async def test_fatal_errors_do_not_open_the_circuit() -> None:
    clock = FakeClock()
    inner = Flaky(*[FatalSourceError("bad", source_id=SOURCE_ID) for _ in range(5)], clock=clock)
    guarded = guard(inner, clock, circuit=CircuitPolicy(consecutive_failures=2))
    for _ in range(5):
        with pytest.raises(FatalSourceError):
            await guarded.changes(None, 1)
    assert guarded.stats().circuit is CircuitState.CLOSED


async def test_no_more_calls_than_the_concurrency_limit_are_in_flight() -> None:
    in_flight = peak = 0
    gate = asyncio.Event()

    class Slow(Flaky):
        async def changes(self, cursor: str | None, limit: int) -> ChangePage:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await gate.wait()
            in_flight -= 1
            return EMPTY

    guarded = GuardedSource(Slow(), GuardPolicy(concurrency=3, deadline_s=5))
    calls = asyncio.gather(*(guarded.changes(None, 1) for _ in range(10)))
    await asyncio.sleep(0.01)
    assert in_flight == 3
    gate.set()
    assert len(await calls) == 10
    assert peak == 3


async def test_stats_show_latency_counts_and_the_last_error() -> None:
    clock = FakeClock()
    inner = Flaky(FatalSourceError("mapping wrong", source_id=SOURCE_ID), clock=clock, takes=0.2)
    guarded = guard(inner, clock)
    with pytest.raises(FatalSourceError):
        await guarded.changes(None, 1)
    for _ in range(4):
        await guarded.changes(None, 1)
    stats = guarded.stats()
    assert (stats.calls, stats.failures, stats.retries) == (5, 1, 0)
    assert stats.latency_p50_ms == pytest.approx(200.0)
    assert stats.last_error is not None
    assert stats.last_error.message == "mapping wrong"
    assert stats.last_error.code == "SOURCE_ERROR"
    assert stats.last_error.at == clock.wall() - timedelta(seconds=0.8)
    assert stats.source_id == SOURCE_ID


async def test_a_guard_declares_what_it_wraps_and_refuses_the_rest_without_calling() -> None:
    inner = MockSource(SOURCE_ID)
    guarded = GuardedSource(inner)
    assert guarded.capabilities == inner.capabilities
    assert guarded.kind is inner.kind
    assert isinstance(guarded, GuardedSource)
    with pytest.raises(UnsupportedOperation):
        await guarded.identities(["001068898405"])


async def test_closing_the_guard_closes_the_source_and_later_calls_fail() -> None:
    inner = Flaky()
    guarded = GuardedSource(inner)
    await guarded.aclose()
    assert inner.closed
    with pytest.raises(SourceClosed):
        await guarded.changes(None, 1)
    assert not (await guarded.health()).ok


async def test_health_of_an_open_circuit_says_so_without_asking() -> None:
    clock = FakeClock()
    guarded = guard(Flaky(down(), clock=clock), clock, retries=0,
                    circuit=CircuitPolicy(consecutive_failures=1))  # fmt: skip
    with pytest.raises(SourceError):
        await guarded.changes(None, 1)
    health = await guarded.health()
    assert not health.ok
    assert "circuit open" in health.detail
