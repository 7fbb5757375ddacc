"""The token bucket behind the national databases' rate limits: pure, time passed in."""

from __future__ import annotations

import pytest

from sandbox.services.ratelimit import retry_after_header
from sandbox.services.tokenbucket import TokenBucket


@pytest.mark.parametrize(
    ("rate", "capacity", "calls", "waits"),
    [
        # a full bucket lets a burst through at once, then refuses until tokens drip back
        (1.0, 3, [0, 0, 0, 0], [0, 0, 0, 1.0]),
        (2.0, 1, [0, 0, 0.25, 0.5], [0, 0.5, 0.25, 0]),
        # tokens never pile up beyond the capacity, however long the pause
        (1.0, 2, [0, 100, 100, 100], [0, 0, 0, 1.0]),
        # a refusal takes nothing: the next call waits only for what is still missing
        (10.0, 1, [0, 0.05, 0.1], [0, 0.05, 0]),
        # a clock that steps back (another thread's reading) neither adds nor removes tokens
        (1.0, 1, [5, 4, 6], [0, 1.0, 0]),
    ],
)
def test_calls_go_through_at_the_rate_after_a_burst(
    rate: float, capacity: int, calls: list[float], waits: list[float]
) -> None:
    bucket = TokenBucket(rate=rate, capacity=capacity)
    assert [pytest.approx(bucket.take(now)) for now in calls] == waits


@pytest.mark.parametrize(("rate", "capacity"), [(0, 1), (-1, 1), (1, 0.5)])
def test_a_bucket_that_could_never_pass_a_call_is_refused(rate: float, capacity: float) -> None:
    with pytest.raises(ValueError, match="token bucket"):
        TokenBucket(rate=rate, capacity=capacity)


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (30, "30")])
def test_retry_after_is_whole_seconds_rounded_up(wait: float, header: str) -> None:
    assert retry_after_header(wait) == header
