"""A token bucket: `rate` tokens a second, at most `capacity` saved up. Pure: time is passed in.

bucket = TokenBucket(rate=10, capacity=20)
wait = bucket.take(now=time.monotonic())   # 0.0: go ahead; otherwise seconds until a token
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float = field(default=-1.0)
    updated: float | None = None

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity < 1:
            raise ValueError("a token bucket needs a positive rate and room for one token")
        if self.tokens < 0:
            self.tokens = self.capacity  # a new bucket starts full: a burst is allowed at once

    def take(self, now: float, cost: float = 1.0) -> float:
        """Takes `cost` tokens if there are enough and returns 0.0; otherwise takes nothing and
        returns the seconds until there will be."""
        if self.updated is not None and now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        if self.updated is None or now > self.updated:
            self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate
