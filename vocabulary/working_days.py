"""Working days of Viet Nam's state agencies: the clock of Decree 27/2026's deadlines.

An agency syncs a business change within 3 working days, and answers a person's declaration in
as many. A working day is Monday to Friday, less the public holidays and moved days of
`data/vn_public_holidays.yaml`, plus the Saturdays worked in exchange. Outside the years the file
covers the calendar refuses to answer rather than guess: a deadline computed on a wrong calendar
is a wrong deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

_DATA = Path(__file__).with_name("data") / "vn_public_holidays.yaml"


class CalendarOutOfRange(ValueError):
    """A date outside the years the holiday file covers."""


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date]
    days_worked: frozenset[date]
    first_year: int
    last_year: int
    unverified_years: frozenset[int]

    def _check(self, day: date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarOutOfRange(
                f"{day.isoformat()} is outside the holiday calendar "
                f"({self.first_year}–{self.last_year}); add the year to {_DATA.name}"
            )

    def is_working_day(self, day: date) -> bool:
        self._check(day)
        if day in self.days_worked:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def add_working_days(self, start: date, count: int) -> date:
        """The day `count` working days after `start` (the deadline of a change made on it)."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        remaining = count
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; 0 when `end` <= `start`."""
        if end <= start:
            return 0
        days = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days += 1
        return days


def _dates(values: object) -> frozenset[date]:
    if not isinstance(values, list) or not all(isinstance(v, date) for v in values):
        raise ValueError(f"{_DATA.name}: days must be a list of ISO dates")
    return frozenset(values)


@cache
def vietnam_calendar() -> WorkingCalendar:
    document = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    years: dict[int, dict[str, object]] = document["years"]
    off: set[date] = set()
    worked: set[date] = set()
    for entry in years.values():
        off |= _dates(entry.get("days_off"))
        worked |= _dates(entry.get("days_worked"))
    return WorkingCalendar(
        days_off=frozenset(off),
        days_worked=frozenset(worked),
        first_year=min(years),
        last_year=max(years),
        unverified_years=frozenset(y for y, e in years.items() if not e.get("verified", False)),
    )
