"""Headcount by month, derived from recruitment and leaving dates on the current records.

The store keeps each person's current row, not a history of headcount; but every record carries
`recruited_on`, and every non-active one `status_since` (when the person retired, moved away,
resigned...). Headcount at the end of month M is then the people recruited by M who had not left
by M: one scan grouped by month (arrivals +1, departures −1) and a running sum. Limits: people
are counted in their current organisation for every month (a transfer between two organisations
of the store moves their past too), and records deleted from the store are absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import BigInteger, Text


@dataclass(frozen=True)
class MonthCount:
    month: date
    """The first day of the month; the count is at its end."""
    headcount: int


def month_starts(until: date, months: int) -> list[date]:
    first = date(until.year, until.month, 1)
    out = []
    year, month = first.year, first.month
    for _ in range(months):
        out.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


async def monthly_headcount(
    engine: AsyncEngine,
    *,
    organization_ids: list[int] | None,
    categories: list[str] | None,
    until: date,
    months: int,
) -> list[MonthCount]:
    where = []
    params: dict[str, Any] = {}
    binds: list[BindParameter[Any]] = []
    if organization_ids is not None:
        where.append("organization_id = ANY(:ids)")
        params["ids"] = organization_ids
        binds.append(bindparam("ids", type_=ARRAY(BigInteger)))
    if categories is not None:
        where.append("category = ANY(:categories)")
        params["categories"] = categories
        binds.append(bindparam("categories", type_=ARRAY(Text)))
    scope = "".join(f" AND {w}" for w in where)
    statement = text(
        "SELECT m, sum(d) FROM ("
        " SELECT date_trunc('month', recruited_on)::date AS m, count(*) AS d FROM person"
        f" WHERE recruited_on IS NOT NULL{scope} GROUP BY 1"
        " UNION ALL"
        " SELECT date_trunc('month', status_since)::date, -count(*) FROM person"
        f" WHERE status <> 'active' AND status_since IS NOT NULL{scope} GROUP BY 1"
        ") moves GROUP BY m ORDER BY m"
    ).bindparams(*binds)
    async with engine.connect() as conn:
        deltas = (await conn.execute(statement, params)).all()
    wanted = month_starts(until, months)
    out = []
    running = 0
    position = 0
    for month in wanted:
        while position < len(deltas) and deltas[position][0] <= month:
            running += int(deltas[position][1])
            position += 1
        out.append(MonthCount(month, running))
    return out
