"""Weighted draws and calendar arithmetic shared by the synthetic-data generators.

Every draw takes the caller's `random.Random`, never the module-level one, so that a seed fixes
the whole output.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")

# The day on which ages, service years and step increases are measured: fixed, never today, so
# that a seed gives the same rows whenever it runs. NĐ 27/2026 comes into force on this day.
REFERENCE_DATE = date(2026, 7, 1)


class Weighted(Generic[T]):
    """A fixed set of values drawn with probability weight / sum(weights)."""

    __slots__ = ("_cumulative", "_total", "values")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        kept = [(value, weight) for value, weight in pairs if weight > 0]
        if not kept:
            raise ValueError("nothing to draw from: every weight is zero")
        self.values: Sequence[T] = tuple(value for value, _ in kept)
        self._cumulative = list(itertools.accumulate(weight for _, weight in kept))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        index = bisect.bisect(self._cumulative, rng.random() * self._total)
        # floating-point rounding can land exactly on the total
        return self.values[min(index, len(self.values) - 1)]

    def probability(self, value: T) -> float:
        share = 0.0
        previous = 0.0
        for candidate, cumulative in zip(self.values, self._cumulative, strict=True):
            if candidate == value:
                share += cumulative - previous
            previous = cumulative
        return share / self._total


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(start: date, end: date) -> int:
    """Completed years from `start` to `end`: an age on `end` for a birth date `start`."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def date_between(rng: random.Random, start: date, end: date) -> date:
    """A day from `start` to `end` inclusive (`start` when the range is empty)."""
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))
