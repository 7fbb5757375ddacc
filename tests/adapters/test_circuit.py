from __future__ import annotations

import pytest

from adapters.circuit import CircuitBreaker, CircuitPolicy, CircuitState

CLOSED, OPEN, HALF = CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run(policy: CircuitPolicy, steps: str) -> list[CircuitState]:
    """Events, one letter each: f failure, s success, a allow (asked and granted or not),
    w wait 10 s, c cancelled; returns the state after each."""
    clock = Clock()
    breaker = CircuitBreaker(policy, clock)
    states = []
    for step in steps:
        if step == "f":
            breaker.record_failure()
        elif step == "s":
            breaker.record_success()
        elif step == "a":
            breaker.allow()
        elif step == "w":
            clock.now += 10.0
        elif step == "c":
            breaker.record_abandoned()
        states.append(breaker.state)
    return states


CONSECUTIVE = CircuitPolicy(consecutive_failures=3, min_calls=100, cool_down_s=10.0)


@pytest.mark.parametrize(
    ("steps", "final"),
    [
        ("ff", CLOSED),  # two failures in a row are not yet three
        ("fff", OPEN),  # three are
        ("ffsff", CLOSED),  # a success in between resets the run
        ("fffw", HALF),  # the cool-down is over: the next call may probe
        ("fffwas", CLOSED),  # the probe succeeded
        ("fffwaf", OPEN),  # the probe failed: open again
        ("fffwafw", HALF),  # ...for another cool-down
        ("fffs", OPEN),  # a late success of a call from before does not close it
    ],
)
def test_consecutive_failures(steps: str, final: CircuitState) -> None:
    assert run(CONSECUTIVE, steps)[-1] is final


RATE = CircuitPolicy(consecutive_failures=100, window=10, failure_rate=0.5, min_calls=4)


@pytest.mark.parametrize(
    ("steps", "final"),
    [
        ("fsf", CLOSED),  # 2 of 3 failed, but 3 calls are too few to judge
        ("fsfs", CLOSED),  # 2 of 4: the rate is reached only with the failure that makes it
        ("sfsf", OPEN),  # 2 of 4 failed, ending on a failure
        ("sssssssssf", CLOSED),  # 1 in 10
        ("sssssfsfsf", CLOSED),  # 3 in 10
        ("ssssffsfsf", CLOSED),  # 4 in 10
        ("sssfsfsfff", OPEN),  # 5 in 10
    ],
)
def test_failure_rate_over_the_window(steps: str, final: CircuitState) -> None:
    assert run(RATE, steps)[-1] is final


def test_an_open_circuit_refuses_calls_until_the_cool_down_ends() -> None:
    clock = Clock()
    breaker = CircuitBreaker(CONSECUTIVE, clock)
    for _ in range(3):
        breaker.record_failure()
    assert not breaker.allow()
    assert breaker.retry_after() == 10.0
    clock.now = 9.9
    assert not breaker.allow()
    clock.now = 10.0
    assert breaker.allow()


def test_half_open_lets_one_probe_through_at_a_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker(CONSECUTIVE, clock)
    for _ in range(3):
        breaker.record_failure()
    clock.now = 10.0
    assert breaker.allow()
    assert not breaker.allow()  # the probe is still out
    breaker.record_abandoned()  # ...and was cancelled without a verdict
    assert breaker.allow()


def test_closing_forgets_earlier_failures() -> None:
    assert run(CONSECUTIVE, "fffwasff")[-1] is CLOSED


@pytest.mark.parametrize(
    "settings",
    [
        {"consecutive_failures": 0},
        {"failure_rate": 0.0},
        {"failure_rate": 1.5},
        {"cool_down_s": -1.0},
        {"probes": 0},
    ],
)
def test_nonsense_policies_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        CircuitPolicy(**settings)  # type: ignore[arg-type]


def test_every_transition_is_reported_once_and_in_order() -> None:
    clock, heard = Clock(), []
    breaker = CircuitBreaker(CONSECUTIVE, clock, heard.append)
    for _ in range(4):  # the fourth failure finds the circuit open already
        breaker.record_failure()
    clock.now += 10.0
    breaker.allow()  # the probe
    breaker.record_failure()
    clock.now += 10.0
    breaker.allow()
    breaker.record_success()
    assert heard == [OPEN, HALF, OPEN, HALF, CLOSED]
