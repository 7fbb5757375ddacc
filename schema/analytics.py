"""GraphQL types of the analysis fields: statistics, staffing against quotas, quota changes."""

from __future__ import annotations

from datetime import date

import strawberry

from analytics import staffing as staffing_logic
from analytics.dimensions import Dimension
from resolvers import analytics as resolvers
from resolvers.context import Context
from schema.enums import Gender, PersonnelCategory, PersonStatus, PoliticalTheory, ProfessionalLevel

Info = strawberry.Info[Context, None]
Category = PersonnelCategory
"""Re-exported for the root field's signature (schema/query.py)."""

StatisticsDimension = strawberry.enum(
    Dimension,
    name="StatisticsDimension",
    description="What a breakdown groups or filters by; each reveals a Person field and is "
    "checked against the caller's policy like a directory filter.",
)


@strawberry.input(description="Which people a breakdown counts; every list is 'any of'.")
class StatisticsFilter:
    organization: str | None = strawberry.field(
        default=None, description="An organisation's code: count its subtree (or own staff)."
    )
    include_subtree: bool = True
    provinces: list[str] | None = strawberry.field(
        default=None, description="Province organisations' codes, e.g. 000.00.00.H24."
    )
    categories: list[PersonnelCategory] | None = None
    genders: list[Gender] | None = None
    age_bands: list[str] | None = strawberry.field(
        default=None, description="<30, 30-39, 40-49, 50-59, 60+"
    )
    ethnicities: list[str] | None = None
    education_levels: list[ProfessionalLevel] | None = None
    political_theories: list[PoliticalTheory] | None = None
    grades: list[str] | None = None
    salary_scales: list[str] | None = None
    statuses: list[PersonStatus] | None = None

    def values(self) -> dict[Dimension, tuple[str, ...]]:
        chosen: dict[Dimension, list[str] | None] = {
            Dimension.PROVINCE: self.provinces,
            Dimension.CATEGORY: _codes(self.categories),
            Dimension.GENDER: _codes(self.genders),
            Dimension.AGE_BAND: self.age_bands,
            Dimension.ETHNICITY: self.ethnicities,
            Dimension.EDUCATION: _codes(self.education_levels),
            Dimension.POLITICAL_THEORY: _codes(self.political_theories),
            Dimension.GRADE: self.grades,
            Dimension.SALARY_SCALE: self.salary_scales,
            Dimension.STATUS: _codes(self.statuses),
        }
        return {d: tuple(v) for d, v in chosen.items() if v is not None}


def _codes(values: list[Gender] | list[PersonnelCategory] | list[PersonStatus] | list[
    PoliticalTheory] | list[ProfessionalLevel] | None) -> list[str] | None:  # fmt: skip
    return None if values is None else [v.value for v in values]


@strawberry.type(description="One cell of a breakdown: its keys in groupBy order.")
class StatisticsCell:
    keys: list[str | None]
    labels: list[str | None] = strawberry.field(
        description="Names of organisation keys; other keys as they are."
    )
    count: int | None = strawberry.field(description="Null when suppressed.")
    suppressed: bool


@strawberry.type(description="A breakdown of headcount.")
class Statistics:
    group_by: list[StatisticsDimension]  # type: ignore[valid-type]
    cells: list[StatisticsCell]
    total: int | None = strawberry.field(description="Null when any cell is suppressed.")
    minimum_count: int | None = strawberry.field(
        description="Cells below this are suppressed for this caller; null: none are."
    )
    summary: str = strawberry.field(description="The summary table that answered.")
    reference_year: int = strawberry.field(description="Age bands are ages in this year.")

    @classmethod
    def of(cls, answer: resolvers.StatisticsAnswer) -> Statistics:
        return cls(
            group_by=list(answer.group_by),
            cells=[
                StatisticsCell(
                    keys=list(cell.keys),
                    labels=list(labels),
                    count=cell.count,
                    suppressed=cell.suppressed,
                )
                for cell, labels in zip(answer.cells, answer.labels, strict=True)
            ],
            total=answer.total,
            minimum_count=answer.minimum_count,
            summary=answer.summary,
            reference_year=answer.reference_year,
        )


@strawberry.type(description="Civil servants (with cadres), public employees, contract staff.")
class QuotaCounts:
    civil_servants: int
    public_employees: int
    contract_staff: int

    @strawberry.field
    def total(self) -> int:
        return self.civil_servants + self.public_employees + self.contract_staff

    @classmethod
    def of(cls, counts: staffing_logic.Counts | None) -> QuotaCounts | None:
        return None if counts is None else _counts(counts)


def _counts(counts: staffing_logic.Counts) -> QuotaCounts:
    return QuotaCounts(
        civil_servants=counts[0], public_employees=counts[1], contract_staff=counts[2]
    )


@strawberry.type(description="One organisation's quota against its active headcount.")
class StaffingLine:
    organization_code: str
    organization_name: str
    parent_code: str | None
    level: str
    depth: int
    status: str = strawberry.field(description="active, merged or dissolved.")
    successor_code: str | None = strawberry.field(
        description="Where a merged organisation's people went."
    )
    quota: QuotaCounts | None
    headcount: QuotaCounts
    vacancies: QuotaCounts | None = strawberry.field(
        description="Quota minus headcount; negative: excess."
    )
    subtree_quota: QuotaCounts
    subtree_headcount: QuotaCounts
    children_quota: QuotaCounts = strawberry.field(
        description="Quotas allocated to the direct children, summed."
    )
    over_quota: bool
    allocation_exceeds_quota: bool = strawberry.field(
        description="The children's quotas exceed this organisation's quota."
    )

    @classmethod
    def of(cls, line: staffing_logic.StaffingLine, parent_code: str | None) -> StaffingLine:
        return cls(
            organization_code=line.org.code,
            organization_name=line.org.name,
            parent_code=parent_code,
            level=line.org.level,
            depth=line.org.depth,
            status=line.org.status,
            successor_code=line.org.successor_code,
            quota=QuotaCounts.of(line.quota),
            headcount=_counts(line.headcount),
            vacancies=QuotaCounts.of(line.vacancies),
            subtree_quota=_counts(line.subtree_quota),
            subtree_headcount=_counts(line.subtree_headcount),
            children_quota=_counts(line.children_quota),
            over_quota=line.over_quota,
            allocation_exceeds_quota=line.allocation_exceeds_quota,
        )


@strawberry.type(description="Staffing of an organisation and its subtree in a year.")
class Staffing:
    year: int
    organization: StaffingLine
    lines: list[StaffingLine] = strawberry.field(
        description="Every organisation of the subtree (to maxDepth), parents first."
    )
    over_quota: list[StaffingLine] = strawberry.field(
        description="Every organisation of the subtree (whatever maxDepth) above its quota."
    )
    allocation_flags: list[StaffingLine] = strawberry.field(
        description="Organisations of the subtree whose children were allocated more than "
        "their own quota."
    )


@strawberry.type(description="A recorded quota change and the flags it leaves.")
class StaffingQuotaChange:
    organization: StaffingLine
    parent: StaffingLine | None
    previous: QuotaCounts | None
    flags: list[str]


def _parent_code(index_codes: dict[int, str], line: staffing_logic.StaffingLine) -> str | None:
    return None if line.org.parent_id is None else index_codes.get(line.org.parent_id)


async def staffing(info: Info, org_code: str | None, year: int, max_depth: int | None) -> Staffing:
    head, lines = await resolvers.staffing(info.context, org_code, year)
    codes = {line.org.id: line.org.code for line in lines}
    shown = [
        StaffingLine.of(line, _parent_code(codes, line))
        for line in lines
        if max_depth is None or line.org.depth - head.org.depth <= max_depth
    ]
    return Staffing(
        year=year,
        organization=shown[0],
        lines=shown,
        over_quota=[StaffingLine.of(x, _parent_code(codes, x)) for x in lines if x.over_quota],
        allocation_flags=[
            StaffingLine.of(x, _parent_code(codes, x)) for x in lines if x.allocation_exceeds_quota
        ],
    )


async def set_staffing_quota(
    info: Info,
    org_code: str,
    year: int,
    civil_servants: int,
    public_employees: int,
    contract_staff: int,
) -> StaffingQuotaChange:
    change, related = await resolvers.set_quota(
        info.context, org_code, year, (civil_servants, public_employees, contract_staff)
    )
    own = related[0]
    parent = related[1] if len(related) > 1 else None
    flags = []
    if own.allocation_exceeds_quota:
        flags.append(f"the quotas of {own.org.code}'s children exceed its own quota")
    if parent is not None and parent.allocation_exceeds_quota:
        flags.append(f"the quotas allocated under {parent.org.code} exceed its quota")
    return StaffingQuotaChange(
        organization=StaffingLine.of(own, None if parent is None else parent.org.code),
        parent=None if parent is None else StaffingLine.of(parent, None),
        previous=QuotaCounts.of(change.previous),
        flags=flags,
    )


async def statistics(
    info: Info,
    group_by: list[Dimension],
    filter: StatisticsFilter | None,
    reference_year: int | None,
) -> Statistics:
    chosen = filter or StatisticsFilter()
    answer = await resolvers.statistics(
        info.context,
        resolvers.StatisticsRequest(
            tuple(group_by),
            organization_code=chosen.organization,
            include_subtree=chosen.include_subtree,
            values=chosen.values(),
            reference_year=reference_year,
        ),
    )
    return Statistics.of(answer)


@strawberry.type(description="Headcount at the end of a month (derived: see docs/analytics.md).")
class MonthlyHeadcount:
    month: date = strawberry.field(description="The first day of the month.")
    headcount: int


async def headcount_trend(
    info: Info,
    organization: str | None,
    include_subtree: bool,
    categories: list[PersonnelCategory] | None,
    months: int,
    until: date | None,
) -> list[MonthlyHeadcount]:
    found = await resolvers.headcount_trend(
        info.context,
        organization,
        include_subtree,
        None if categories is None else [c.value for c in categories],
        months,
        until,
    )
    return [MonthlyHeadcount(month=m.month, headcount=m.headcount) for m in found]
