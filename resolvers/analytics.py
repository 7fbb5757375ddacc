"""Resolving the analysis fields: statistics, staffing against quotas, and quota changes.

Access is decided by the policy, as for the directory: a group-by or filter reveals the Person
field behind its dimension (analytics/dimensions.py), so the caller must be allowed that field
at every relation the counted people may stand in. Callers who could not read the counted
records field by field (the public, partners, anyone counting outside their subtree) get
aggregates with small cells suppressed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from analytics import staffing as staffing_logic
from analytics import trends
from analytics.cubes import choose
from analytics.dimensions import CUBE_COLUMN, REVEALS, Dimension
from analytics.orgs import Org, OrgIndex, org_index
from analytics.statistics import (
    ShownCell,
    StatisticsQuery,
    breakdown,
    suppress,
)
from policies.types import FieldClass, Relation
from resolvers.access import ForbiddenError
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.people import _filter_relations


@dataclass(frozen=True)
class StatisticsRequest:
    group_by: tuple[Dimension, ...]
    organization_code: str | None = None
    include_subtree: bool = True
    values: Mapping[Dimension, tuple[str, ...]] | None = None
    reference_year: int | None = None


@dataclass(frozen=True)
class StatisticsAnswer:
    group_by: tuple[Dimension, ...]
    cells: list[ShownCell]
    labels: list[tuple[str | None, ...]]
    total: int | None
    minimum_count: int | None
    summary: str
    reference_year: int


def _root(index: OrgIndex, code: str | None, argument: str) -> Org | None:
    if code is None:
        return None
    org = index.by_code.get(code)
    if org is None:
        raise BadUserInputError(f"no organisation has the code {code!r}", argument=argument)
    return org


def _relations(context: Context, root: Org | None, include_subtree: bool) -> set[Relation]:
    if root is None:
        return context.access.possible_relations()
    return _filter_relations(context, root.id, include_subtree)


def check_dimensions(
    context: Context, dimensions: Sequence[Dimension], relations: set[Relation]
) -> None:
    """Refuse a group-by or filter on a dimension whose field the caller may not see there."""
    view = context.access.view
    for dimension in dimensions:
        field_name = REVEALS[dimension]
        # may_reveal: the field and what paths through it give away (grade -> salary scale)
        if not all(view.may_reveal("Person", field_name, r) for r in relations):
            raise ForbiddenError(
                f"you may not group or filter by `{dimension.name}` here: limit the"
                " statistics to your own organisation with `filter.organization`"
            )


def aggregates_only(context: Context, relations: set[Relation]) -> bool:
    """True unless the caller could read the personal fields of everyone counted."""
    view = context.access.view
    for relation in relations:
        highest = view.highest_class(relation)
        if highest is None or highest < FieldClass.PERSONAL:
            return True
    return False


async def statistics(context: Context, request: StatisticsRequest) -> StatisticsAnswer:
    if len(set(request.group_by)) != len(request.group_by):
        raise BadUserInputError("a dimension appears twice in groupBy", argument="groupBy")
    index = await org_index(context.engine)
    root = _root(index, request.organization_code, "filter.organization")
    values = dict(request.values or {})
    relations = _relations(context, root, request.include_subtree)
    check_dimensions(context, [*request.group_by, *values], relations)
    reference_year = request.reference_year or date.today().year
    query = StatisticsQuery(
        request.group_by,
        root=root,
        include_subtree=request.include_subtree,
        values=values,
        reference_year=reference_year,
    )
    cells = await breakdown(context.engine, index, query)
    if aggregates_only(context, relations):
        minimum: int | None = context.options.minimum_public_count
        shown, total = suppress(cells, minimum or 0)
    else:
        minimum = None
        shown = [ShownCell(c.keys, c.count, False) for c in cells]
        total = sum(c.count for c in cells)
    labels = [_labels(index, request.group_by, cell.keys) for cell in shown]
    needed = {CUBE_COLUMN[d] for d in query.dimensions()}
    if root is not None:
        needed.add("organization_id")
    return StatisticsAnswer(
        request.group_by, shown, labels, total, minimum, choose(needed).table, reference_year
    )


def _labels(
    index: OrgIndex, group_by: Sequence[Dimension], keys: Sequence[str | None]
) -> tuple[str | None, ...]:
    labels: list[str | None] = []
    for dimension, key in zip(group_by, keys, strict=True):
        if dimension in (Dimension.PROVINCE, Dimension.ORGANIZATION) and key is not None:
            org = index.by_code.get(key)
            labels.append(None if org is None else org.name)
        else:
            labels.append(key)
    return tuple(labels)


def _may_read_staffing(context: Context, root: Org) -> bool:
    relation = context.access.organization_relation(root.id)
    highest = context.access.view.highest_class(relation)
    return highest is not None and highest >= FieldClass.INTERNAL


def national_root(index: OrgIndex) -> Org:
    roots = [org for org in index.children.get(None, []) if org.depth == 0]
    if len(roots) != 1:
        raise BadUserInputError("the store has no single national root: name an orgCode")
    return roots[0]


async def staffing(
    context: Context, organization_code: str | None, year: int
) -> tuple[staffing_logic.StaffingLine, list[staffing_logic.StaffingLine]]:
    """(the organisation's line, every line of its subtree); the caller's own subtree only.
    Without a code: the national root (the Government)."""
    index = await org_index(context.engine)
    root = _root(index, organization_code, "orgCode") or national_root(index)
    if not _may_read_staffing(context, root):
        raise ForbiddenError("staffing is readable for your own organisation and its subtree only")
    lines = await staffing_logic.load(context.engine, index, root, year)
    return lines[0], lines


async def set_quota(
    context: Context, organization_code: str, year: int, quota: staffing_logic.Counts
) -> tuple[staffing_logic.QuotaChange, list[staffing_logic.StaffingLine]]:
    """Record a quota (the central level only), log the change; returns the change and the
    lines of the organisation and its parent after it, for their allocation flags."""
    caller = context.access.caller  # the `operations` section lets only the central level here
    for name, value in zip(
        ("civilServants", "publicEmployees", "contractStaff"), quota, strict=True
    ):
        if value < 0:
            raise BadUserInputError(f"{name} must not be negative", argument=name)
    if not 1900 <= year <= 2200:
        raise BadUserInputError("year is out of range", argument="year")
    index = await org_index(context.engine)
    org = _root(index, organization_code, "orgCode")
    assert org is not None
    async with context.engine.begin() as conn:
        change = await staffing_logic.set_quota(
            conn,
            org,
            year,
            quota,
            request_id=context.request_id,
            client_id=caller.client_id,
            subject=caller.subject,
            level=caller.level.value,
            organization=caller.organization,
        )
    parent = index.by_id.get(org.parent_id) if org.parent_id is not None else None
    around = parent or org
    lines = await staffing_logic.load(context.engine, index, around, year)
    by_id = {line.org.id: line for line in lines}
    related = [by_id[org.id]] + ([by_id[parent.id]] if parent is not None else [])
    return change, related


TREND_FIELDS = ("recruitedOn", "statusSince")
"""What a monthly headcount reveals: when people arrived and left."""


async def headcount_trend(
    context: Context,
    organization_code: str | None,
    include_subtree: bool,
    categories: list[str] | None,
    months: int,
    until: date | None,
) -> list[trends.MonthCount]:
    if not 1 <= months <= 240:
        raise BadUserInputError("months must be between 1 and 240", argument="months")
    index = await org_index(context.engine)
    root = _root(index, organization_code, "organization")
    relations = _relations(context, root, include_subtree)
    view = context.access.view
    fields = [*TREND_FIELDS, *(["category"] if categories is not None else [])]
    for field_name in fields:
        if not all(view.allows("Person", field_name, r) for r in relations):
            raise ForbiddenError(
                "you may not see headcount trends here: limit them to your own organisation"
                " with `organization`"
            )
    ids = None
    if root is not None:
        ids = [o.id for o in index.subtree(root)] if include_subtree else [root.id]
    return await trends.monthly_headcount(
        context.engine,
        organization_ids=ids,
        categories=categories,
        until=until or date.today(),
        months=months,
    )
