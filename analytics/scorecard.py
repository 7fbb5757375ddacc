"""MOHA's scorecard of one source agency: đúng – đủ – sạch – sống – thống nhất. Pure.

The store's own records, gathered per agency by analytics/scorecard_store.py into `AgencyFacts`,
become one `Scorecard` for a day. The clock is the `day` argument and the calendar is Viet Nam's
working-day calendar (vocabulary/working_days.py), so a test can hand-compute every figure,
Tết included. docs/analytics.md explains each measure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from analytics.scorecard_rules import mandatory_by_group
from vocabulary.working_days import CalendarOutOfRange, WorkingCalendar

VIETNAM = timezone(timedelta(hours=7))
DEADLINE_WORKING_DAYS = 3  # NĐ 27/2026: business changes reach the national store in 3 working days
WINDOW_DAYS = 30  # the changes and runs a snapshot looks back on


class Breach(StrEnum):
    """A threshold an agency fails, named after MOHA's yardstick."""

    NEVER_CONNECTED = "never_connected"  # sống: no successful sync ever (no source, or it fails)
    STALE = "stale"  # sống: no successful run within the deadline
    LATE = "late"  # sống: changes arriving after 3 working days, or still outstanding past it
    INCOMPLETE = "incomplete"  # đủ
    INCORRECT = "incorrect"  # đúng
    UNCLEAN = "unclean"  # sạch
    UNUNIFIED = "ununified"  # thống nhất


@dataclass(frozen=True)
class Thresholds:
    """Where each measure turns red. Figures chosen for the demo; MOHA sets the real ones."""

    within_deadline_share: Decimal = Decimal("0.95")  # at least
    complete_share: Decimal = Decimal("0.95")  # at least
    reject_rate: Decimal = Decimal("0.02")  # at most
    unmapped_share: Decimal = Decimal("0.01")  # at most
    oldest_reject_days: int = DEADLINE_WORKING_DAYS  # working days, at most


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Run:
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | ok | failed | interrupted
    source_id: str
    error: str | None = None


@dataclass(frozen=True)
class AgencyFacts:
    """What the store knows of one agency on the day, as counts and timestamps."""

    agency_code: str
    organization_id: int
    level: str
    sources: tuple[str, ...]
    runs: Sequence[Run]  # in the window, newest first
    ever_ran: bool  # any run at all, even failed ones
    last_success_at: datetime | None
    arrivals: Sequence[tuple[datetime, datetime]]  # (changed at source, arrived) in the window
    outstanding: Sequence[datetime]  # change stamps of versions held back by an open reject
    people: int  # active people the agency's sources hold
    # people held with every mandatory field of the group, their newest version not held back
    # for lacking one (vocabulary/standard_record.py's mandatory fields by data group)
    complete_by_group: Mapping[int, int]
    complete_all: int  # the same over every group
    rejected_records: int  # records with at least one open reject
    rejected_by_rule: Mapping[str, int]  # records with an open reject of the rule
    cross_field_records: int
    identity_mismatches: int
    open_conflicts: int
    oldest_reject_seen: datetime | None
    coded_values: int  # coded values the stored people hold
    unmapped_values: int  # coded values held back without a mapping
    # records not held at all because they lack a mandatory field of the group / of any group
    lacking_by_group: Mapping[int, int] = field(default_factory=dict)
    lacking_any: int = 0
    # values the sync repaired with certainty in records it stored, by rule (sync_correction)
    corrections_by_rule: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Scorecard:
    day: date
    agency_code: str
    organization_id: int
    level: str
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
    breaches: tuple[Breach, ...]
    detail: dict[str, object] = field(default_factory=dict)


def share(part: int, whole: int) -> Decimal | None:
    """part / whole to 4 places (the snapshot's precision); None when there is nothing to count."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def local_day(moment: datetime) -> date:
    return moment.astimezone(VIETNAM).date()


def lag_working_days(calendar: WorkingCalendar, changed: datetime, arrived: datetime) -> int:
    """Working days after the change's day up to the arrival's day, in Viet Nam's time. A change
    before the calendar's first year counts as past any deadline (the calendar cannot say)."""
    try:
        return calendar.working_days_between(local_day(changed), local_day(arrived))
    except CalendarOutOfRange:
        return DEADLINE_WORKING_DAYS + 1_000


def within_deadline(calendar: WorkingCalendar, changed: datetime, arrived: datetime) -> bool:
    return lag_working_days(calendar, changed, arrived) <= DEADLINE_WORKING_DAYS


def _age(calendar: WorkingCalendar, since: datetime | None, day: date) -> int | None:
    if since is None:
        return None
    try:
        return calendar.working_days_between(local_day(since), day)
    except CalendarOutOfRange:
        return DEADLINE_WORKING_DAYS + 1_000


def score(
    facts: AgencyFacts,
    day: date,
    calendar: WorkingCalendar,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Scorecard:
    """The agency's scorecard on `day`."""
    lags = [lag_working_days(calendar, c, a) for c, a in facts.arrivals]
    on_time = sum(1 for lag in lags if lag <= DEADLINE_WORKING_DAYS)
    within = share(on_time, len(lags))
    oldest_outstanding = _age(calendar, min(facts.outstanding, default=None), day)
    failed = sum(1 for run in facts.runs if run.status == "failed")
    success_age = _age(calendar, facts.last_success_at, day)
    complete = share(facts.complete_all, facts.people + facts.lacking_any)
    seen = facts.people + facts.rejected_records
    reject_rate = share(facts.rejected_records, seen)
    unmapped = share(facts.unmapped_values, facts.coded_values + facts.unmapped_values)
    oldest_reject = _age(calendar, facts.oldest_reject_seen, day)

    breaches: list[Breach] = []
    if facts.last_success_at is None:
        breaches.append(Breach.NEVER_CONNECTED)
    elif success_age is None or success_age > DEADLINE_WORKING_DAYS:
        breaches.append(Breach.STALE)
    if (within is not None and within < thresholds.within_deadline_share) or (
        oldest_outstanding is not None and oldest_outstanding > DEADLINE_WORKING_DAYS
    ):
        breaches.append(Breach.LATE)
    if complete is not None and complete < thresholds.complete_share:
        breaches.append(Breach.INCOMPLETE)
    if reject_rate is not None and reject_rate > thresholds.reject_rate:
        breaches.append(Breach.INCORRECT)
    if facts.open_conflicts > 0 or (
        oldest_reject is not None and oldest_reject > thresholds.oldest_reject_days
    ):
        breaches.append(Breach.UNCLEAN)
    if unmapped is not None and unmapped > thresholds.unmapped_share:
        breaches.append(Breach.UNUNIFIED)

    detail: dict[str, object] = {
        "sources": list(facts.sources),
        "ever_ran": facts.ever_ran,
        "lag_histogram": _histogram(lags),
        "complete_by_group": {
            str(group): _share_text(
                share(
                    facts.complete_by_group.get(group, 0),
                    facts.people + facts.lacking_by_group.get(group, 0),
                )
            )
            for group in mandatory_by_group()
        },
        "rejects_by_rule": {
            rule: {"records": count, "rate": _share_text(share(count, seen))}
            for rule, count in sorted(facts.rejected_by_rule.items())
        },
        "runs": [
            {
                "source_id": run.source_id,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "status": run.status,
            }
            for run in facts.runs[:20]
        ],
        "normalisation_corrections": sum(facts.corrections_by_rule.values()),
        "corrections_by_rule": dict(sorted(facts.corrections_by_rule.items())),
    }
    return Scorecard(
        day=day,
        agency_code=facts.agency_code,
        organization_id=facts.organization_id,
        level=facts.level,
        connected=facts.last_success_at is not None,
        last_success_at=facts.last_success_at,
        failed_runs=failed,
        changes=len(lags),
        within_deadline_share=within,
        oldest_outstanding_days=oldest_outstanding,
        people=facts.people,
        complete_share=complete,
        reject_rate=reject_rate,
        identity_mismatches=facts.identity_mismatches,
        cross_field_violations=facts.cross_field_records,
        open_conflicts=facts.open_conflicts,
        open_rejects=facts.rejected_records,
        oldest_reject_days=oldest_reject,
        unmapped_share=unmapped,
        breaches=tuple(breaches),
        detail=detail,
    )


def _share_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _histogram(lags: Sequence[int]) -> dict[str, int]:
    """Changes by working days of lag: 0, 1, 2, 3 (on time), and "4+" (late)."""
    buckets = {"0": 0, "1": 0, "2": 0, "3": 0, "4+": 0}
    for lag in lags:
        buckets[str(lag) if lag <= DEADLINE_WORKING_DAYS else "4+"] += 1
    return buckets


def breach_order(card: Scorecard) -> tuple[int, int, str]:
    """The national table's default order: 3-working-day breachers first, then by how many
    thresholds are broken, then by code."""
    late = Breach.LATE in card.breaches or Breach.NEVER_CONNECTED in card.breaches
    return (0 if late else 1, -len(card.breaches), card.agency_code)
