"""GuardedSource: any source behind a deadline, bounded retries, a concurrency limit and a
circuit breaker, with the statistics the `sources` query shows.

    guarded = GuardedSource(SqlSource(...), GuardPolicy(deadline_s=2.0, retries=2))
    page = await guarded.changes(cursor, 500)   # SourceTimeout after 2 s, whatever happens inside

- The deadline covers the whole call: waiting for a slot, every attempt and every backoff.
- Only RetriableSourceError is retried, with "full jitter" backoff (a uniform draw between 0 and
  an exponentially growing cap, so that many callers do not retry in step), at least the wait the
  source asked for (`retry_after`), and never when the wait would end past the deadline.
- The circuit breaker (adapters/circuit.py) counts retriable failures only: a fatal error is our
  configuration or code, and refusing calls would not mend it. While open, calls fail at once
  with CircuitOpen (a SourceUnavailable) without reaching the source.
- Time comes from a `Clock`, so tests run the whole policy on a fake clock without sleeping.
- Every guarded call is counted in telemetry's source metrics (outcome ok, error, timeout or
  refused, the kind of failure, the latency), and every transition of the breaker sets the
  source's circuit gauge: what /metrics shows of the sources.
"""

from __future__ import annotations

import asyncio
import functools
import random
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, TypeVar

from adapters.base import Source
from adapters.circuit import CircuitBreaker, CircuitPolicy, CircuitState
from adapters.errors import (
    CircuitOpen,
    RetriableSourceError,
    SourceClosed,
    SourceError,
    SourceTimeout,
)
from telemetry.metrics import record_source_call, set_circuit_state
from vocabulary.declarations import SourceDeclarations
from vocabulary.sources import (
    Capability,
    ChangePage,
    DetailPart,
    Health,
    IdentityRecord,
    InsuranceRecord,
    OrganizationRecord,
    PersonDetail,
    SourceKind,
)

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""

    def wall(self) -> datetime:
        """The time of day, for error reports."""

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class GuardPolicy:
    """How patiently to call one source.

    Attributes:
        deadline_s: the whole call, retries included, ends by then (SourceTimeout).
        retries: further attempts after a retriable failure (0: none).
        backoff_base_s: the cap of the first backoff; it doubles per attempt...
        backoff_max_s: ...up to this.
        concurrency: calls in flight to this source at most; more wait for a slot.
        circuit: when to stop calling a failing source.
        latency_window: how many recent calls the latency percentiles cover.
    """

    deadline_s: float = 2.0
    retries: int = 2
    backoff_base_s: float = 0.05
    backoff_max_s: float = 1.0
    concurrency: int = 8
    circuit: CircuitPolicy = field(default_factory=CircuitPolicy)
    latency_window: int = 100

    def __post_init__(self) -> None:
        if self.deadline_s <= 0 or self.concurrency < 1 or self.retries < 0:
            raise ValueError("deadline_s and concurrency must be positive, retries not negative")
        if self.backoff_base_s < 0 or self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff_base_s must be >= 0 and backoff_max_s >= backoff_base_s")
        if self.latency_window < 1:
            raise ValueError("latency_window must be at least 1")


def backoff_cap(policy: GuardPolicy, attempt: int) -> float:
    """The upper bound of the wait after failed attempt number `attempt` (1-based)."""
    return float(min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class LastError:
    message: str
    code: str
    at: datetime


@dataclass(frozen=True)
class SourceStats:
    """A snapshot of one source's recent behaviour, for the `sources` query."""

    source_id: str
    kind: SourceKind
    circuit: CircuitState
    calls: int
    failures: int
    rejected: int  # refused by the open circuit without calling
    retries: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    last_error: LastError | None


@functools.cache
def _guard_class(kind: SourceKind, capabilities: frozenset[Capability]) -> type[GuardedSource]:
    return type(
        f"Guarded{kind.value.title()}Source",
        (GuardedSource,),
        {"kind": kind, "capabilities": capabilities, "__module__": __name__},
    )


class GuardedSource(Source):
    """A source with the guard's policy around every call; it declares what it wraps declares.

    Capabilities are class variables by contract, so `GuardedSource(inner)` is an instance of a
    subclass made (once per kind and capability set) with the inner source's values.
    """

    kind: ClassVar[SourceKind] = SourceKind.MOCK
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    def __new__(cls, inner: Source, *args: Any, **kwargs: Any) -> GuardedSource:
        if cls is GuardedSource:
            cls = _guard_class(inner.kind, inner.capabilities)
        return super().__new__(cls)

    def __init__(
        self,
        inner: Source,
        policy: GuardPolicy | None = None,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(inner.id, inner.owner)
        self.inner = inner
        self.declarations = inner.declarations
        self.policy = policy or GuardPolicy()
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._breaker = CircuitBreaker(self.policy.circuit, self._clock.now, self._circuit_changed)
        self._circuit_changed(self._breaker.state)  # a series from the start, not the first trip
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._latencies: deque[float] = deque(maxlen=self.policy.latency_window)
        self._calls = self._failures = self._rejected = self._retries = 0
        self._last_error: LastError | None = None
        self._closed = False

    def declare(self, declarations: SourceDeclarations) -> None:
        self.inner.declare(declarations)
        self.declarations = declarations

    # -- the contract, each method through the guard --

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        self._require(Capability.CHANGE_FEED)
        return await self._guarded(lambda: self.inner.changes(cursor, limit))

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        self._require(Capability.PERSON_DETAIL)
        return await self._guarded(lambda: self.inner.person_details(personal_ids, parts))

    async def organizations(self) -> Sequence[OrganizationRecord]:
        self._require(Capability.ORGANIZATION_TREE)
        return await self._guarded(self.inner.organizations)

    async def identities(self, personal_ids: Sequence[str]) -> Mapping[str, IdentityRecord]:
        self._require(Capability.IDENTITY_CHECK)
        return await self._guarded(lambda: self.inner.identities(personal_ids))

    async def insurance(self, personal_ids: Sequence[str]) -> Mapping[str, InsuranceRecord]:
        self._require(Capability.INSURANCE)
        return await self._guarded(lambda: self.inner.insurance(personal_ids))

    async def health(self) -> Health:
        """The source's own health, under the deadline; an open circuit answers for it."""
        if self._closed:
            return Health(False, self._clock.wall(), 0.0, f"{SourceClosed.code}: closed")
        if self._breaker.state is CircuitState.OPEN:
            wait = self._breaker.retry_after()
            return Health(
                False, self._clock.wall(), 0.0, f"circuit open, next probe in {wait:.1f} s"
            )
        try:
            async with asyncio.timeout(self.policy.deadline_s):
                return await self.inner.health()
        except TimeoutError:
            return Health(False, self._clock.wall(), self.policy.deadline_s * 1000, "timed out")
        except SourceError as error:
            return Health(False, self._clock.wall(), 0.0, f"{error.code}: {error}")

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self.inner.aclose()

    def recent_latency_ms(self) -> float | None:
        return self._latencies[-1] if self._latencies else None

    def stats(self) -> SourceStats:
        latencies = sorted(self._latencies)
        p50 = p95 = None
        if latencies:
            p50 = statistics.median(latencies)
            p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        return SourceStats(
            source_id=self.id,
            kind=self.kind,
            circuit=self._breaker.state,
            calls=self._calls,
            failures=self._failures,
            rejected=self._rejected,
            retries=self._retries,
            latency_p50_ms=p50,
            latency_p95_ms=p95,
            last_error=self._last_error,
        )

    # -- the guard --

    def _require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise self._unsupported(capability)

    async def _guarded(self, call: Callable[[], Awaitable[T]]) -> T:
        if self._closed:
            raise SourceClosed(f"{self.id} is closed", source_id=self.id)
        self._calls += 1
        started = self._clock.now()
        try:
            async with asyncio.timeout(self.policy.deadline_s):
                result = await self._attempts(call, started + self.policy.deadline_s)
        except TimeoutError as exc:
            self._breaker.record_failure()  # slowness is the source's health too
            error = SourceTimeout(
                f"{self.id} gave no answer within {self.policy.deadline_s:g} s", source_id=self.id
            )
            self._failed(error, started)
            raise error from exc
        except SourceError as error:
            self._failed(error, started)
            raise
        seconds = self._clock.now() - started
        self._latencies.append(seconds * 1000.0)
        record_source_call(self.id, "ok", seconds)
        return result

    async def _attempts(self, call: Callable[[], Awaitable[T]], deadline: float) -> T:
        attempt = 0
        while True:
            attempt += 1
            if not self._breaker.allow():
                self._rejected += 1
                raise CircuitOpen(
                    f"{self.id}: circuit open after repeated failures; next probe in"
                    f" {self._breaker.retry_after():.1f} s",
                    source_id=self.id,
                    retry_after=self._breaker.retry_after() or None,
                )
            try:
                async with self._slots:
                    result = await call()
            except RetriableSourceError as error:
                self._breaker.record_failure()
                wait = max(
                    self._rng.uniform(0.0, backoff_cap(self.policy, attempt)),
                    error.retry_after or 0.0,
                )
                if attempt > self.policy.retries or self._clock.now() + wait >= deadline:
                    raise
                self._retries += 1
                await self._clock.sleep(wait)
                continue
            except asyncio.CancelledError:
                self._breaker.record_abandoned()
                raise
            except BaseException:
                # not the source's health (a fatal error is ours to fix): frees a probe slot
                self._breaker.record_abandoned()
                raise
            self._breaker.record_success()
            return result

    def _failed(self, error: SourceError, started: float) -> None:
        seconds = self._clock.now() - started
        self._failures += 1
        self._latencies.append(seconds * 1000.0)
        self._last_error = LastError(str(error), error.code, self._clock.wall())
        record_source_call(self.id, _outcome(error), seconds, _failure_kind(error))

    def _circuit_changed(self, state: CircuitState) -> None:
        set_circuit_state(self.id, state.value)


def _outcome(error: SourceError) -> str:
    if isinstance(error, CircuitOpen):
        return "refused"
    if isinstance(error, SourceTimeout):
        return "timeout"
    return "error"


def _failure_kind(error: SourceError) -> str:
    """What the caller should do about it (adapters/errors.py groups the errors so)."""
    if isinstance(error, RetriableSourceError):
        return "retriable"
    return "fatal"
