"""A circuit breaker: stop calling a source that keeps failing, and probe it now and then.

    CLOSED --(N consecutive failures, or a failure rate over the window)--> OPEN
    OPEN --(cool-down elapsed)--> HALF_OPEN
    HALF_OPEN --(probe succeeds)--> CLOSED
    HALF_OPEN --(probe fails)--> OPEN (a new cool-down)

Pure: no I/O and no sleeping; time comes from the clock it is given, so tests drive it by hand.
The caller asks `allow()` before a call and reports its outcome with `record_success()`,
`record_failure()` or, for a call that ended without verdict (cancelled), `record_abandoned()`.
`on_change` hears every transition the breaker makes (the guard feeds the circuit gauge with it);
an open circuit whose cool-down has elapsed reads as half-open but is reported as such only when
the next call asks to go through, since nothing happens until then.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"  # calls go through
    OPEN = "open"  # calls are refused without reaching the source
    HALF_OPEN = "half_open"  # a few probe calls go through to see whether the source is back


@dataclass(frozen=True)
class CircuitPolicy:
    """When to open and when to try again.

    Attributes:
        consecutive_failures: open after this many failures in a row.
        window: the number of recent calls the failure rate is measured over.
        failure_rate: open when at least this share of the window failed...
        min_calls: ...and the window holds at least this many calls (a rate over 2 calls says
            little).
        cool_down_s: how long to stay open before probing.
        probes: how many calls may be in flight while half-open.
    """

    consecutive_failures: int = 5
    window: int = 20
    failure_rate: float = 0.5
    min_calls: int = 10
    cool_down_s: float = 30.0
    probes: int = 1

    def __post_init__(self) -> None:
        if self.consecutive_failures < 1 or self.window < 1 or self.min_calls < 1:
            raise ValueError("consecutive_failures, window and min_calls must be at least 1")
        if not 0.0 < self.failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be in (0, 1], got {self.failure_rate}")
        if self.cool_down_s < 0 or self.probes < 1:
            raise ValueError("cool_down_s must not be negative and probes must be at least 1")


class CircuitBreaker:
    def __init__(
        self,
        policy: CircuitPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[CircuitState], None] | None = None,
    ) -> None:
        self.policy = policy or CircuitPolicy()
        self._clock = clock
        self._on_change = on_change
        self._state = CircuitState.CLOSED
        self._outcomes: deque[bool] = deque(maxlen=self.policy.window)  # True: failed
        self._consecutive = 0
        self._opened_at = 0.0
        self._probing = 0

    @property
    def state(self) -> CircuitState:
        if self._state is CircuitState.OPEN and self.retry_after() == 0.0:
            return CircuitState.HALF_OPEN
        return self._state

    def retry_after(self) -> float:
        """Seconds until an open circuit lets a probe through (0 when not open)."""
        if self._state is not CircuitState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.policy.cool_down_s - self._clock())

    def allow(self) -> bool:
        """Whether a call may go ahead now; a half-open circuit counts the call as a probe."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.OPEN:
            return False
        self._enter(CircuitState.HALF_OPEN)
        if self._probing >= self.policy.probes:
            return False
        self._probing += 1
        return True

    def record_success(self) -> None:
        if self._state is CircuitState.HALF_OPEN:
            self._close()
            return
        if self._state is CircuitState.OPEN:
            return  # a call let through before the circuit opened: only probes may close it
        self._consecutive = 0
        self._outcomes.append(False)

    def record_failure(self) -> None:
        if self._state is CircuitState.HALF_OPEN:
            self._open()
            return
        if self._state is CircuitState.OPEN:
            return  # a call let through before the circuit opened: it is open already
        self._consecutive += 1
        self._outcomes.append(True)
        if self._consecutive >= self.policy.consecutive_failures or self._rate_exceeded():
            self._open()

    def record_abandoned(self) -> None:
        """A call ended without telling anything about the source (cancelled by the caller)."""
        if self._state is CircuitState.HALF_OPEN and self._probing > 0:
            self._probing -= 1

    def _rate_exceeded(self) -> bool:
        calls = len(self._outcomes)
        if calls < self.policy.min_calls:
            return False
        return sum(self._outcomes) / calls >= self.policy.failure_rate

    def _open(self) -> None:
        self._enter(CircuitState.OPEN)
        self._opened_at = self._clock()
        self._probing = 0

    def _close(self) -> None:
        self._enter(CircuitState.CLOSED)
        self._outcomes.clear()
        self._consecutive = 0
        self._probing = 0

    def _enter(self, state: CircuitState) -> None:
        changed = state is not self._state
        self._state = state
        if changed and self._on_change is not None:
            self._on_change(state)
