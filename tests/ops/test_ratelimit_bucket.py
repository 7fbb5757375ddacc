"""The token bucket's arithmetic, pure: the same rules the Redis script and the UPSERT follow."""

from __future__ import annotations

import pytest

from gateway.ratelimit import Bucket, RateDecision, take

RATE, BURST = 2.0, 5.0  # 2 tokens a second, at most 5


@pytest.mark.parametrize(
    ("bucket", "now", "cost", "allowed", "remaining", "retry_after"),
    [
        (None, 100.0, 1, True, 4.0, 0.0),  # a new bucket starts full
        (None, 100.0, 5, True, 0.0, 0.0),  # the whole burst at once
        (None, 100.0, 6, False, 5.0, 0.5),  # more than the burst: never enough
        (Bucket(0.0, 100.0), 100.0, 1, False, 0.0, 0.5),  # empty: wait 1 token / 2 per s
        (Bucket(0.0, 100.0), 100.5, 1, True, 0.0, 0.0),  # half a second refilled one
        (Bucket(0.0, 100.0), 100.25, 1, False, 0.5, 0.25),  # half a token: a quarter second
        (Bucket(1.0, 100.0), 200.0, 1, True, 4.0, 0.0),  # refills up to the burst, no more
        (Bucket(3.0, 100.0), 99.0, 1, True, 2.0, 0.0),  # a clock that went back refills nothing
        (Bucket(0.2, 100.0), 100.0, 0.2, True, 0.0, 0.0),  # fractional costs
    ],
)
def test_take(
    bucket: Bucket | None,
    now: float,
    cost: float,
    allowed: bool,
    remaining: float,
    retry_after: float,
) -> None:
    after, decision = take(bucket, now, cost, RATE, BURST)
    assert decision.allowed is allowed
    assert decision.remaining == pytest.approx(remaining)
    assert decision.retry_after_seconds == pytest.approx(retry_after)
    assert after == Bucket(pytest.approx(remaining), now)  # type: ignore[arg-type]


def test_a_refusal_does_not_drain_the_bucket() -> None:
    bucket = Bucket(0.0, 0.0)
    for now in (0.1, 0.2, 0.3, 0.4):
        bucket, decision = take(bucket, now, 1, RATE, BURST)
        assert not decision.allowed
    bucket, decision = take(bucket, 0.5, 1, RATE, BURST)
    assert decision.allowed  # 0.5 s at 2 per s: the retries cost nothing


def test_a_steady_client_gets_the_rate_and_the_burst() -> None:
    bucket = None
    allowed = 0
    for tick in range(100):  # 10 requests a second for 10 s
        bucket, decision = take(bucket, tick / 10, 1, RATE, BURST)
        allowed += decision.allowed
    assert allowed == pytest.approx(BURST + RATE * 9.9, abs=1)


@pytest.mark.parametrize(
    ("seconds", "header"), [(0.0, "1"), (0.01, "1"), (1.0, "1"), (1.2, "2"), (59.5, "60")]
)
def test_retry_after_is_whole_seconds_rounded_up(seconds: float, header: str) -> None:
    assert RateDecision(False, seconds, 0.0).retry_after_header == header
