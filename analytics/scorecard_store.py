"""The scorecard's I/O: gather each agency's facts from the store, keep the day's snapshot, read
snapshots back. The figures themselves are computed in analytics/scorecard.py.

Gathering scans the sync's tables and the people once per snapshot (a few grouped statements
for every agency together); the national table and the trends read only `agency_scorecard`, so
they cost the same at 2.5 million people as at 20,000 (bench/scorecard.py).

An agency is a ministry-level or province-level organisation at the top of its level (a
ministry, a province's People's Committee), or any organisation a source id names
(`VN:GOV:<agency code>:<subsystem>`). An agency without a source is scored too: never connected.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from analytics.scorecard import (
    DEFAULT_THRESHOLDS,
    VIETNAM,
    WINDOW_DAYS,
    AgencyFacts,
    Run,
    Scorecard,
    Thresholds,
    score,
)
from analytics.scorecard_rules import (
    CROSS_FIELD_RULES,
    MANDATORY_RULE,
    UNMAPPED_CODE_RULES,
    coded_fields,
    mandatory_by_group,
    store_column,
)
from vocabulary.working_days import WorkingCalendar, vietnam_calendar

_AGENCY = "split_part({column}, ':', 3)"

_AGENCIES = text(
    f"""
SELECT o.id, o.code, o.level, o.status
  FROM organization o
  LEFT JOIN organization parent ON parent.id = o.parent_id
 WHERE (o.level IN ('ministry', 'province') AND parent.level IS DISTINCT FROM o.level)
    OR o.code IN (SELECT {_AGENCY.format(column="source_id")} FROM sync_run
                  UNION SELECT {_AGENCY.format(column="source_id")} FROM person)
 ORDER BY o.code"""
)


def _all_filled(fields: Sequence[str]) -> str:
    return " AND ".join(f"p.{store_column(field)} IS NOT NULL" for field in fields)


def _lacks(group: int | None) -> str:
    """The record's open mandatory rejects name a field of the group (of any group: None)."""
    if group is None:
        return "m.fields IS NOT NULL"
    return f"coalesce(m.fields && CAST(:g{group} AS text[]), false)"


_GROUPS = mandatory_by_group()
_GROUP_FIELDS = {f"g{group}": list(fields) for group, fields in _GROUPS.items()}
# records whose newest version is held back for lacking a mandatory field, and which fields
_MISSING = f"""
WITH missing AS (
    SELECT source_id, source_record_id, array_agg(DISTINCT field) AS fields
      FROM sync_reject WHERE resolved_at IS NULL AND rule = '{MANDATORY_RULE}' GROUP BY 1, 2
)"""
# đủ: a person held counts as complete in a group when the stored row has every mandatory field
# of it and the agency's newest version is not held back for lacking one
_GROUP_COUNTS = ", ".join(
    f"count(*) FILTER (WHERE {_all_filled(fields)} AND NOT {_lacks(group)}) AS g{group}"
    for group, fields in _GROUPS.items()
)
_EVERY_GROUP = _all_filled([f for fields in _GROUPS.values() for f in fields])
_CODED = " + ".join(f"(p.{column} IS NOT NULL)::int" for column in coded_fields())
_PEOPLE = text(
    f"""{_MISSING}
SELECT {_AGENCY.format(column="p.source_id")} AS agency, count(*) AS people, {_GROUP_COUNTS},
       count(*) FILTER (WHERE {_EVERY_GROUP} AND NOT {_lacks(None)}) AS complete_all,
       coalesce(sum({_CODED}), 0) AS coded
  FROM person p LEFT JOIN missing m USING (source_id, source_record_id)
 WHERE p.status = 'active' GROUP BY 1"""
)
# đủ: records the agency sent that are not held at all because they lack a mandatory field
_MISSING_UNHELD = text(
    f"""{_MISSING}
SELECT {_AGENCY.format(column="m.source_id")} AS agency, count(*) AS any_group,
       {", ".join(f"count(*) FILTER (WHERE {_lacks(group)}) AS g{group}" for group in _GROUPS)}
  FROM missing m
 WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.source_id = m.source_id
                      AND p.source_record_id = m.source_record_id AND p.status = 'active')
 GROUP BY 1"""
)
# sạch: values the sync repaired with certainty in records it stored (sync_correction)
_CORRECTIONS = text(
    f"""
SELECT {_AGENCY.format(column="source_id")} AS agency, rule, count(*) AS n
  FROM sync_correction WHERE last_seen >= :since AND last_seen < :until GROUP BY 1, 2"""
)
_RUNS = text(
    f"""
SELECT {_AGENCY.format(column="source_id")} AS agency, source_id, started_at, finished_at,
       status, error
  FROM sync_run WHERE started_at >= :since AND started_at < :until ORDER BY id DESC"""
)
_RUN_SUMMARY = text(
    f"""
SELECT {_AGENCY.format(column="source_id")} AS agency,
       max(finished_at) FILTER (WHERE status = 'ok') AS last_success
  FROM sync_run WHERE started_at < :until GROUP BY 1"""
)
_ARRIVALS = text(
    f"""
SELECT {_AGENCY.format(column="source_id")} AS agency, changed_at, arrived_at
  FROM sync_arrival WHERE arrived_at >= :since AND arrived_at < :until"""
)
# the change held back longest: the first version rejected by a reject still open
_OUTSTANDING = text(
    f"""
SELECT {_AGENCY.format(column="r.source_id")} AS agency, min(a.changed_at) AS changed_at
  FROM sync_reject r
  JOIN sync_arrival a ON a.source_id = r.source_id AND a.source_record_id = r.source_record_id
                     AND a.arrived_at >= r.first_seen
 WHERE r.resolved_at IS NULL GROUP BY 1"""
)
_REJECTS = text(
    f"""
SELECT {_AGENCY.format(column="source_id")} AS agency, rule,
       count(DISTINCT source_id || chr(31) || source_record_id) AS records,
       count(*) FILTER (WHERE field = ANY(:coded)) AS coded
  FROM sync_reject WHERE resolved_at IS NULL GROUP BY 1, 2"""
)
_REJECT_RECORDS = text(
    f"""
SELECT {_AGENCY.format(column="source_id")} AS agency,
       count(DISTINCT source_id || chr(31) || source_record_id) AS records,
       count(DISTINCT source_id || chr(31) || source_record_id)
           FILTER (WHERE rule = ANY(:cross)) AS cross_field,
       min(first_seen) AS oldest
  FROM sync_reject WHERE resolved_at IS NULL GROUP BY 1"""
)
_MISMATCHES = text(
    f"SELECT {_AGENCY.format(column='source_id')} AS agency, count(*) AS n"
    " FROM reconciliation GROUP BY 1"
)
# a conflict counts against both agencies: the owner and the one that also claims the person
_CONFLICTS = text(
    f"""
SELECT agency, count(*) AS n FROM (
    SELECT {_AGENCY.format(column="owner_source_id")} AS agency FROM sync_conflict
     WHERE resolved_at IS NULL
    UNION ALL
    SELECT {_AGENCY.format(column="other_source_id")} FROM sync_conflict
     WHERE resolved_at IS NULL
       AND split_part(other_source_id, ':', 3) <> split_part(owner_source_id, ':', 3)
) c GROUP BY agency"""
)
_SOURCES = text(
    f"""
SELECT DISTINCT {_AGENCY.format(column="source_id")} AS agency, source_id FROM (
    SELECT source_id FROM sync_run UNION SELECT source_id FROM sync_bookmark
) s ORDER BY 1, 2"""
)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """The window's start and the end of `day`, in Viet Nam's time."""
    until = datetime.combine(day + timedelta(days=1), time(), VIETNAM)
    return until - timedelta(days=WINDOW_DAYS + 1), until


async def gather_facts(conn: AsyncConnection, day: date) -> list[AgencyFacts]:
    """Every agency's facts as the store holds them at the end of `day`."""
    since, until = _day_bounds(day)
    window = {"since": since, "until": until}

    async def rows(statement: Any, **params: Any) -> list[Any]:
        return list((await conn.execute(statement, params)).mappings())

    people = {r["agency"]: r for r in await rows(_PEOPLE, **_GROUP_FIELDS)}
    unheld = {r["agency"]: r for r in await rows(_MISSING_UNHELD, **_GROUP_FIELDS)}
    corrections: dict[str, dict[str, int]] = defaultdict(dict)
    for r in await rows(_CORRECTIONS, **window):
        corrections[r["agency"]][r["rule"]] = r["n"]
    runs: dict[str, list[Run]] = defaultdict(list)
    for r in await rows(_RUNS, **window):
        runs[r["agency"]].append(
            Run(r["started_at"], r["finished_at"], r["status"], r["source_id"], r["error"])
        )
    summary = {r["agency"]: r["last_success"] for r in await rows(_RUN_SUMMARY, until=until)}
    arrivals: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for r in await rows(_ARRIVALS, **window):
        arrivals[r["agency"]].append((r["changed_at"], r["arrived_at"]))
    outstanding = {r["agency"]: r["changed_at"] for r in await rows(_OUTSTANDING)}
    by_rule: dict[str, dict[str, int]] = defaultdict(dict)
    unmapped: dict[str, int] = defaultdict(int)
    for r in await rows(_REJECTS, coded=list(coded_fields())):
        by_rule[r["agency"]][r["rule"]] = r["records"]
        if r["rule"] in UNMAPPED_CODE_RULES:
            unmapped[r["agency"]] += r["coded"]
    rejected = {r["agency"]: r for r in await rows(_REJECT_RECORDS, cross=list(CROSS_FIELD_RULES))}
    mismatches = {r["agency"]: r["n"] for r in await rows(_MISMATCHES)}
    conflicts = {r["agency"]: r["n"] for r in await rows(_CONFLICTS)}
    sources: dict[str, list[str]] = defaultdict(list)
    for r in await rows(_SOURCES):
        sources[r["agency"]].append(r["source_id"])

    facts = []
    for agency in await rows(_AGENCIES):
        code = agency["code"]
        held = people.get(code)
        reject = rejected.get(code)
        lacking = unheld.get(code)
        facts.append(
            AgencyFacts(
                agency_code=code,
                organization_id=agency["id"],
                level=agency["level"],
                sources=tuple(sources.get(code, ())),
                runs=runs.get(code, []),
                ever_ran=code in summary,
                last_success_at=summary.get(code),
                arrivals=arrivals.get(code, []),
                outstanding=[outstanding[code]] if code in outstanding else [],
                people=held["people"] if held else 0,
                complete_by_group={group: held[f"g{group}"] if held else 0 for group in _GROUPS},
                complete_all=held["complete_all"] if held else 0,
                lacking_by_group={
                    group: lacking[f"g{group}"] if lacking else 0 for group in _GROUPS
                },
                lacking_any=lacking["any_group"] if lacking else 0,
                rejected_records=reject["records"] if reject else 0,
                rejected_by_rule=by_rule.get(code, {}),
                cross_field_records=reject["cross_field"] if reject else 0,
                identity_mismatches=mismatches.get(code, 0),
                open_conflicts=conflicts.get(code, 0),
                oldest_reject_seen=reject["oldest"] if reject else None,
                coded_values=int(held["coded"]) if held else 0,
                unmapped_values=unmapped.get(code, 0),
                corrections_by_rule=corrections.get(code, {}),
            )
        )
    return facts


SNAPSHOT_COLUMNS = (
    "day", "agency_code", "organization_id", "level", "connected", "last_success_at",
    "failed_runs", "changes", "within_deadline_share", "oldest_outstanding_days", "people",
    "complete_share", "reject_rate", "identity_mismatches", "cross_field_violations",
    "open_conflicts", "open_rejects", "oldest_reject_days", "unmapped_share", "breaches",
    "detail",
)  # fmt: skip

_UPSERT = text(
    f"""
INSERT INTO agency_scorecard ({", ".join(SNAPSHOT_COLUMNS)}, computed_at)
VALUES ({", ".join(":" + c for c in SNAPSHOT_COLUMNS if c != "detail")},
        CAST(:detail AS jsonb), now())
ON CONFLICT (day, agency_code) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in SNAPSHOT_COLUMNS[2:])},
    computed_at = now()"""
)


def snapshot_row(card: Scorecard) -> dict[str, Any]:
    row = {name: getattr(card, name) for name in SNAPSHOT_COLUMNS}
    row["breaches"] = [b.value for b in card.breaches]
    row["detail"] = json.dumps(card.detail, ensure_ascii=False)
    return row


async def take_snapshot(
    engine: AsyncEngine,
    day: date,
    calendar: WorkingCalendar | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Scorecard]:
    """Compute every agency's scorecard for `day` and keep it (replacing that day's snapshot)."""
    async with engine.begin() as conn:
        facts = await gather_facts(conn, day)
        cards = [score(f, day, calendar or vietnam_calendar(), thresholds) for f in facts]
        if cards:
            await conn.execute(_UPSERT, [snapshot_row(card) for card in cards])
    return cards


@dataclass(frozen=True)
class SnapshotRow:
    """One row of `agency_scorecard` with the agency's name and standing, as read back."""

    day: date
    agency_code: str
    name: str
    organization_id: int
    path: str
    level: str
    status: str
    successor_code: str | None
    connected: bool
    last_success_at: datetime | None
    failed_runs: int
    changes: int
    within_deadline_share: Decimal | None
    oldest_outstanding_days: int | None
    people: int
    complete_share: Decimal | None
    reject_rate: Decimal | None
    identity_mismatches: int
    cross_field_violations: int
    open_conflicts: int
    open_rejects: int
    oldest_reject_days: int | None
    unmapped_share: Decimal | None
    breaches: tuple[str, ...]
    detail: dict[str, Any]


_READ = f"""
SELECT {", ".join("s." + c for c in SNAPSHOT_COLUMNS if c not in ("organization_id", "level"))},
       s.organization_id, s.level, o.name, o.path, o.status, successor.code AS successor_code
  FROM agency_scorecard s
  JOIN organization o ON o.id = s.organization_id
  LEFT JOIN organization successor ON successor.id = o.successor_id"""


def _snapshot(row: Any) -> SnapshotRow:
    values = dict(row)
    values["breaches"] = tuple(values["breaches"])
    return SnapshotRow(**values)


async def latest_day(conn: AsyncConnection) -> date | None:
    day: date | None = (await conn.execute(text("SELECT max(day) FROM agency_scorecard"))).scalar()
    return day


async def national(conn: AsyncConnection, day: date) -> list[SnapshotRow]:
    """Every agency's snapshot of `day` (one indexed range of the primary key)."""
    result = await conn.execute(text(_READ + " WHERE s.day = :day"), {"day": day})
    return [_snapshot(r) for r in result.mappings()]


async def trend(conn: AsyncConnection, code: str, since: date) -> list[SnapshotRow]:
    """One agency's snapshots from `since`, oldest first."""
    result = await conn.execute(
        text(_READ + " WHERE s.agency_code = :code AND s.day >= :since ORDER BY s.day"),
        {"code": code, "since": since},
    )
    return [_snapshot(r) for r in result.mappings()]
