"""Breakdowns of headcount: one grouped statement over the smallest summary that answers it.

`breakdown` reads the summaries (store/cubes.py); `direct` answers the same question with a
GROUP BY over `person` itself: the benchmark's baseline and the tests' oracle. Both roll
organisations up to provinces or to the children of a subtree's root through one join with an
in-memory map (organisation id -> group key), so no tree walk happens in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import BigInteger, Text

from analytics.cubes import choose
from analytics.dimensions import (
    CUBE_COLUMN,
    ORGANIZATION_DIMENSIONS,
    Dimension,
    age_band_sql,
)
from analytics.orgs import Org, OrgIndex
from store.cubes import DIMENSION_SQL


@dataclass(frozen=True)
class StatisticsQuery:
    group_by: tuple[Dimension, ...]
    root: Org | None = None
    """Count only this organisation's subtree (or only its own staff, without include_subtree)."""
    include_subtree: bool = True
    values: Mapping[Dimension, tuple[str, ...]] = field(default_factory=dict)
    """Filter: dimension -> accepted values (age bands by label, provinces by org code)."""
    reference_year: int = field(default_factory=lambda: date.today().year)

    def dimensions(self) -> set[Dimension]:
        return set(self.group_by) | set(self.values)


@dataclass(frozen=True)
class Cell:
    keys: tuple[str | None, ...]
    count: int


def _org_map(query: StatisticsQuery, index: OrgIndex) -> dict[str, list[Any]] | None:
    """id -> province and organisation-group keys, for the organisations the query counts
    (memoised on the index: building it walks every organisation)."""
    dims = query.dimensions()
    if query.root is None and not dims & ORGANIZATION_DIMENSIONS:
        return None
    key = (
        "org_map",
        None if query.root is None else query.root.id,
        query.include_subtree,
        query.values.get(Dimension.PROVINCE),
        query.values.get(Dimension.ORGANIZATION),
    )
    found = index.memo.get(key)
    if found is None:
        found = _build_org_map(query, index)
        if len(index.memo) > 512:
            index.memo.clear()
        index.memo[key] = found
    assert isinstance(found, dict)
    return found


def _build_org_map(query: StatisticsQuery, index: OrgIndex) -> dict[str, list[Any]]:
    if query.root is None:
        orgs = list(index.by_id.values())
    elif query.include_subtree:
        orgs = index.subtree(query.root)
    else:
        orgs = [query.root]
    provinces = query.values.get(Dimension.PROVINCE)
    wanted_groups = query.values.get(Dimension.ORGANIZATION)
    ids, province_keys, group_keys = [], [], []
    for org in orgs:
        if provinces is not None and org.province not in provinces:
            continue
        group = index.group_of(org, query.root)
        group_code = None if group is None else group.code
        if wanted_groups is not None and group_code not in wanted_groups:
            continue
        ids.append(org.id)
        province_keys.append(org.province)
        group_keys.append(group_code)
    return {"ids": ids, "provinces": province_keys, "groups": group_keys}


def _sql(query: StatisticsQuery, index: OrgIndex, *, direct: bool) -> tuple[str, dict[str, Any]]:
    needed = {CUBE_COLUMN[d] for d in query.dimensions()}
    if query.root is not None:
        needed.add("organization_id")
    if direct:
        source = "person c"

        def column(name: str) -> str:
            return DIMENSION_SQL[name].replace("birth_date", "c.birth_date")

        count = "count(*)"
    else:
        source = f"{choose(needed).table} c"

        def column(name: str) -> str:
            return name

        count = "sum(c.people)"
    params: dict[str, Any] = {}
    joins = ""
    org_map = _org_map(query, index)
    if org_map is not None:
        joins = (
            " JOIN unnest(CAST(:ids AS bigint[]), CAST(:provinces AS text[]),"
            " CAST(:groups AS text[])) AS m(id, province, grp) ON m.id = c.organization_id"
        )
        params.update(org_map)
    keys = []
    for dim in query.group_by:
        if dim is Dimension.PROVINCE:
            keys.append("m.province")
        elif dim is Dimension.ORGANIZATION:
            keys.append("m.grp")
        elif dim is Dimension.AGE_BAND:
            keys.append(age_band_sql(f"({column('birth_year')})", query.reference_year))
        else:
            keys.append(f"({column(CUBE_COLUMN[dim])})")
    where = []
    for number, (dim, accepted) in enumerate(sorted(query.values.items())):
        if dim in ORGANIZATION_DIMENSIONS:
            continue  # applied by the organisation map
        name = f"v{number}"
        if dim is Dimension.AGE_BAND:
            expr = age_band_sql(f"({column('birth_year')})", query.reference_year)
        else:
            expr = f"({column(CUBE_COLUMN[dim])})"
        where.append(f"{expr} = ANY(CAST(:{name} AS text[]))")
        params[name] = list(accepted)
    select_keys = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    statement = f"SELECT {select_keys}{', ' if keys else ''}{count} AS n FROM {source}{joins}"
    if where:
        statement += " WHERE " + " AND ".join(where)
    if keys:
        positions = ", ".join(str(i + 1) for i in range(len(keys)))
        statement += f" GROUP BY {positions} ORDER BY {positions}"
    return statement, params


async def _run(
    engine: AsyncEngine, statement: str, params: dict[str, Any], width: int
) -> list[Cell]:
    bound = text(statement)
    for name in params:
        bound = bound.bindparams(
            bindparam(name, type_=ARRAY(BigInteger if name == "ids" else Text))
        )
    async with engine.connect() as conn:
        rows = (await conn.execute(bound, params)).all()
    cells = []
    for row in rows:
        count = int(row[-1] or 0)
        if count == 0:
            continue  # summary rows drained to zero by deletes
        keys = tuple(None if value is None else str(value) for value in row[:width])
        cells.append(Cell(keys, count))
    return cells


async def breakdown(engine: AsyncEngine, index: OrgIndex, query: StatisticsQuery) -> list[Cell]:
    """Counts per combination of the group-by keys, from the summaries."""
    statement, params = _sql(query, index, direct=False)
    return await _run(engine, statement, params, len(query.group_by))


async def direct(engine: AsyncEngine, index: OrgIndex, query: StatisticsQuery) -> list[Cell]:
    """The same counts by a GROUP BY over `person` (the baseline and the oracle)."""
    statement, params = _sql(query, index, direct=True)
    return await _run(engine, statement, params, len(query.group_by))


@dataclass(frozen=True)
class ShownCell:
    keys: tuple[str | None, ...]
    count: int | None
    suppressed: bool


def suppress(cells: Sequence[Cell], minimum: int) -> tuple[list[ShownCell], int | None]:
    """Cells below `minimum` lose their count; the total is withheld if any did (it would
    give a lone suppressed cell away)."""
    shown = [
        ShownCell(c.keys, None, True) if c.count < minimum else ShownCell(c.keys, c.count, False)
        for c in cells
    ]
    total = None if any(s.suppressed for s in shown) else sum(c.count for c in cells)
    return shown, total


async def refresh_summaries(engine: AsyncEngine) -> None:
    """Rebuild every summary from `person` (after bulk loads that bypassed the triggers)."""
    async with engine.begin() as conn:
        await conn.execute(text("SELECT refresh_summaries()"))
