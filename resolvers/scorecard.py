"""Reading the scorecard for GraphQL: the national table and one agency with its trend.

Reads snapshots only (analytics/scorecard_store.py). Who sees what is policy data
(policies/scorecard.yaml): every caller reaches the league table's headline figures; the
breakdowns are internal, so the central level sees them for every agency and a ministry or
province for its own agency and its subtree (the grants of policies/levels.yaml), while other
rows are masked field by field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from analytics import scorecard_store
from analytics.scorecard import Breach
from analytics.scorecard_store import SnapshotRow
from resolvers.context import Context
from resolvers.errors import BadUserInputError

MAX_TREND_DAYS = 366


class ScorecardSort(StrEnum):
    BREACHES = "breaches"  # 3-working-day breachers first, then by thresholds broken
    CODE = "code"
    NAME = "name"
    WITHIN_DEADLINE = "within_deadline"
    COMPLETE = "complete"
    REJECT_RATE = "reject_rate"
    UNMAPPED = "unmapped"
    OPEN_REJECTS = "open_rejects"
    PEOPLE = "people"
    LAST_SUCCESS = "last_success"


def _late(row: SnapshotRow) -> bool:
    return Breach.LATE.value in row.breaches or Breach.NEVER_CONNECTED.value in row.breaches


_KEYS: dict[ScorecardSort, Callable[[SnapshotRow], Any]] = {
    ScorecardSort.BREACHES: lambda r: (0 if _late(r) else 1, -len(r.breaches), r.agency_code),
    ScorecardSort.CODE: lambda r: r.agency_code,
    ScorecardSort.NAME: lambda r: r.name,
    ScorecardSort.WITHIN_DEADLINE: lambda r: r.within_deadline_share,
    ScorecardSort.COMPLETE: lambda r: r.complete_share,
    ScorecardSort.REJECT_RATE: lambda r: r.reject_rate,
    ScorecardSort.UNMAPPED: lambda r: r.unmapped_share,
    ScorecardSort.OPEN_REJECTS: lambda r: r.open_rejects,
    ScorecardSort.PEOPLE: lambda r: r.people,
    ScorecardSort.LAST_SUCCESS: lambda r: r.last_success_at,
}


def ordered(
    rows: Sequence[SnapshotRow], sort: ScorecardSort, descending: bool
) -> list[SnapshotRow]:
    """Rows in the order asked for; agencies without the figure (null) always come last, and
    ties keep the code order."""
    key = _KEYS[sort]
    by_code = sorted(rows, key=lambda r: r.agency_code)
    known = [r for r in by_code if key(r) is not None]
    unknown = [r for r in by_code if key(r) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def chosen(
    rows: Sequence[SnapshotRow],
    levels: Sequence[str] | None,
    breached: Sequence[Breach] | None,
    include_merged: bool,
) -> list[SnapshotRow]:
    """Filter: by level, by any of the breaches named, and only active agencies unless asked
    (a merged province is history; its successor carries its people)."""
    out = []
    for row in rows:
        if not include_merged and row.status != "active":
            continue
        if levels and row.level not in levels:
            continue
        if breached and not any(b.value in row.breaches for b in breached):
            continue
        out.append(row)
    return out


async def national(context: Context, day: date | None) -> list[SnapshotRow]:
    async with context.engine.connect() as conn:
        chosen_day = day or await scorecard_store.latest_day(conn)
        if chosen_day is None:
            return []
        return await scorecard_store.national(conn, chosen_day)


async def one(context: Context, code: str) -> SnapshotRow | None:
    async with context.engine.connect() as conn:
        day = await scorecard_store.latest_day(conn)
        if day is None:
            return None
        rows = await scorecard_store.trend(conn, code, day)
    return rows[-1] if rows else None


async def trend(context: Context, code: str, until: date, days: int) -> list[SnapshotRow]:
    if not 1 <= days <= MAX_TREND_DAYS:
        raise BadUserInputError(
            f"days must be between 1 and {MAX_TREND_DAYS}, not {days}", argument="days"
        )
    async with context.engine.connect() as conn:
        return await scorecard_store.trend(conn, code, until - timedelta(days=days - 1))
