"""GraphQL types of MOHA's scorecard, and the root fields' functions (the Query root calls them).

    agencyScorecards(levels, breached, sort, descending, includeMerged, day)
        the national table: one row per agency on the latest snapshot day (or `day`);
        by default 3-working-day breachers first, merged agencies left out
    agencyScorecard(code)
        one agency's latest scorecard; `trend(days)` its daily snapshots

Rows are masked field by field (policies/scorecard.yaml): the league table's headline figures
are public, the breakdowns internal. Shares are fractions from 0 to 1, null when there was
nothing to count. Nothing here carries a personal ID or a person's data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from analytics.scorecard import Breach
from analytics.scorecard_rules import group_title, rule_words
from analytics.scorecard_store import SnapshotRow
from resolvers import scorecard as scorecard_resolvers
from resolvers.context import Context
from resolvers.scorecard import ScorecardSort
from schema.enums import LEVELS, ORGANIZATION_STATUSES, OrganizationLevel, OrganizationStatus

Info = strawberry.Info[Context, None]

strawberry.enum(
    Breach,
    name="ScorecardBreach",
    description="A threshold broken: NEVER_CONNECTED and STALE (sống), LATE (3 working days), "
    "INCOMPLETE (đủ), INCORRECT (đúng), UNCLEAN (sạch), UNUNIFIED (thống nhất).",
)
strawberry.enum(ScorecardSort, description="Orders of the national scorecard table.")
BREACHES = {b.value: b for b in Breach}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@strawberry.type(description="Records with an open reject of one rule.")
class RuleRejects:
    rule: str
    title_vi: str
    title_en: str
    expected: str = strawberry.field(
        description="The form the standard expects, in Vietnamese (the reject catalogue's)."
    )
    expected_en: str = strawberry.field(description="The same form in English.")
    records: int
    rate: float | None = strawberry.field(description="records / (people held + rejected records)")


@strawberry.type(description="Values the sync repaired in stored records by one correction rule.")
class RuleCorrections:
    rule: str
    title_vi: str
    title_en: str
    values: int = strawberry.field(description="Values corrected in the last 30 days.")


@strawberry.type(description="Share of people with every mandatory field of one data group.")
class GroupCompleteness:
    group: int = strawberry.field(description="The data group's number in NĐ 27/2026.")
    title_vi: str
    title_en: str
    share: float | None


@strawberry.type(description="One sync run of one of the agency's sources.")
class ScorecardRun:
    source_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str


@strawberry.type(description="Changes by working days between the source's stamp and arrival.")
class LagBucket:
    working_days: str = strawberry.field(description="0, 1, 2, 3 (on time) or 4+ (late).")
    changes: int


@strawberry.type(description="One agency's scorecard on one day (a daily snapshot).")
class AgencyScorecard:
    day: date
    agency_code: str
    name: str
    level: OrganizationLevel
    status: OrganizationStatus
    successor_code: str | None = strawberry.field(
        description="Where a merged agency's people went."
    )
    connected: bool = strawberry.field(
        description="Whether any of its sources ever synced successfully."
    )
    last_success_at: datetime | None
    within_deadline_share: float | None = strawberry.field(
        description="Share of the last 30 days' changes that arrived within 3 working days."
    )
    complete_share: float | None = strawberry.field(
        description="Share of its active people with every mandatory field filled."
    )
    reject_rate: float | None = strawberry.field(
        description="Records with an open reject / (people held + such records)."
    )
    unmapped_share: float | None = strawberry.field(
        description="Share of coded values that have no mapping in the national code lists."
    )
    breaches: list[Breach]
    sources: list[str] | None = strawberry.field(description="Its sources' ids.")
    people: int | None
    failed_runs: int | None = strawberry.field(description="Failed runs in the last 30 days.")
    changes: int | None = strawberry.field(description="Stamped changes in the last 30 days.")
    oldest_outstanding_days: int | None = strawberry.field(
        description="Working days since the oldest change still held back by an open reject."
    )
    identity_mismatches: int | None = strawberry.field(
        description="People whose identity differs from the population database."
    )
    cross_field_violations: int | None
    open_conflicts: int | None = strawberry.field(
        description="Open conflicts and duplicates: one person active at two sources."
    )
    open_rejects: int | None = strawberry.field(description="Records with an open reject.")
    oldest_reject_days: int | None = strawberry.field(
        description="Working days the oldest open reject has waited."
    )
    normalisation_corrections: int | None = strawberry.field(
        description="Values the sync corrected while normalising, in the last 30 days."
    )
    corrections_by_rule: list[RuleCorrections] | None
    rejects_by_rule: list[RuleRejects] | None
    complete_by_group: list[GroupCompleteness] | None
    lag: list[LagBucket] | None
    connection_history: list[ScorecardRun] | None = strawberry.field(
        description="Its sources' sync runs of the last 30 days, newest first (at most 20)."
    )
    masked_fields: strawberry.Private[frozenset[str]]

    @strawberry.field(description="Its daily snapshots, oldest first, for up to `days` days.")
    async def trend(self, info: Info, days: int = 30) -> list[AgencyScorecard] | None:
        rows = await scorecard_resolvers.trend(info.context, self.agency_code, self.day, days)
        return [AgencyScorecard.from_row(row, info.context) for row in rows]

    @classmethod
    def from_row(cls, row: SnapshotRow, context: Context) -> AgencyScorecard:
        detail = row.detail
        rules = detail.get("rejects_by_rule", {})
        groups = detail.get("complete_by_group", {})
        corrections = detail.get("corrections_by_rule", {})
        return cls(
            masked_fields=context.access.view.masked(
                "AgencyScorecard", context.access.organization_relation(row.organization_id)
            ),
            day=row.day,
            agency_code=row.agency_code,
            name=row.name,
            level=LEVELS[row.level],
            status=ORGANIZATION_STATUSES[row.status],
            successor_code=row.successor_code,
            connected=row.connected,
            last_success_at=row.last_success_at,
            within_deadline_share=_float(row.within_deadline_share),
            complete_share=_float(row.complete_share),
            reject_rate=_float(row.reject_rate),
            unmapped_share=_float(row.unmapped_share),
            breaches=[BREACHES[b] for b in row.breaches],
            sources=list(detail.get("sources", [])),
            people=row.people,
            failed_runs=row.failed_runs,
            changes=row.changes,
            oldest_outstanding_days=row.oldest_outstanding_days,
            identity_mismatches=row.identity_mismatches,
            cross_field_violations=row.cross_field_violations,
            open_conflicts=row.open_conflicts,
            open_rejects=row.open_rejects,
            oldest_reject_days=row.oldest_reject_days,
            normalisation_corrections=detail.get("normalisation_corrections"),
            corrections_by_rule=[
                RuleCorrections(
                    rule=rule,
                    title_vi=rule_words(rule).title_vi,
                    title_en=rule_words(rule).title_en,
                    values=count,
                )
                for rule, count in sorted(corrections.items(), key=lambda kv: -kv[1])
            ],
            rejects_by_rule=[
                RuleRejects(
                    rule=rule,
                    title_vi=rule_words(rule).title_vi,
                    title_en=rule_words(rule).title_en,
                    expected=rule_words(rule).expected_vi,
                    expected_en=rule_words(rule).expected_en,
                    records=entry["records"],
                    rate=_float(entry["rate"]),
                )
                for rule, entry in sorted(rules.items(), key=lambda kv: -kv[1]["records"])
            ],
            complete_by_group=[
                GroupCompleteness(
                    group=int(group),
                    title_vi=group_title(int(group))[0],
                    title_en=group_title(int(group))[1],
                    share=_float(value),
                )
                for group, value in groups.items()
            ],
            lag=[
                LagBucket(working_days=bucket, changes=count)
                for bucket, count in detail.get("lag_histogram", {}).items()
            ],
            connection_history=[
                ScorecardRun(
                    source_id=run["source_id"],
                    started_at=datetime.fromisoformat(run["started_at"]),
                    finished_at=datetime.fromisoformat(run["finished_at"])
                    if run["finished_at"]
                    else None,
                    status=run["status"],
                )
                for run in detail.get("runs", [])
            ],
        )


async def agency_scorecards(
    info: Info,
    levels: list[OrganizationLevel] | None = None,
    breached: list[Breach] | None = None,
    sort: ScorecardSort = ScorecardSort.BREACHES,
    descending: bool = False,
    include_merged: bool = False,
    day: date | None = None,
) -> list[AgencyScorecard]:
    rows = await scorecard_resolvers.national(info.context, day)
    rows = scorecard_resolvers.chosen(
        rows, [level.value for level in levels or []], breached, include_merged
    )
    return [
        AgencyScorecard.from_row(row, info.context)
        for row in scorecard_resolvers.ordered(rows, sort, descending)
    ]


async def agency_scorecard(info: Info, code: str) -> AgencyScorecard | None:
    row = await scorecard_resolvers.one(info.context, code)
    return None if row is None else AgencyScorecard.from_row(row, info.context)
