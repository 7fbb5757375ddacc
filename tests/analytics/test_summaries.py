"""Every summary answers exactly what a GROUP BY over `person` answers, and stays so on writes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics.cubes import choose
from analytics.dimensions import AGE_BANDS, Dimension
from analytics.orgs import OrgIndex, org_index
from analytics.statistics import StatisticsQuery, breakdown, direct, refresh_summaries
from sandbox.seed import seed_store
from store.cubes import CUBES
from store.database import create_engine

VALUES: dict[Dimension, list[str]] = {
    Dimension.CATEGORY: ["cadre", "civil_servant", "public_employee", "contract_worker"],
    Dimension.GENDER: ["male", "female"],
    Dimension.AGE_BAND: [label for label, _, _ in AGE_BANDS],
    Dimension.EDUCATION: ["doctorate", "master", "bachelor", "college", "none"],
    Dimension.POLITICAL_THEORY: ["advanced", "intermediate", "elementary", "none"],
    Dimension.STATUS: ["active", "retired", "transferred"],
    Dimension.ETHNICITY: ["01", "02", "03", "04"],
    Dimension.SALARY_SCALE: ["A1", "A2.1", "A0", ""],
    Dimension.GRADE: ["01.003", "01.002", ""],
}


def test_cube_choice_takes_the_smallest_that_covers() -> None:
    assert choose({"category"}).name == "org"
    assert choose({"organization_id", "birth_year"}).name == "org_age"
    assert choose({"ethnicity", "gender"}).name == "nation"
    assert choose({"organization_id", "grade"}).name == "full"
    assert CUBES[-1].name == "full"


@st.composite
def queries(draw: st.DrawFn, index: OrgIndex) -> StatisticsQuery:
    group_by = draw(st.lists(st.sampled_from(list(Dimension)), max_size=3, unique=True))
    filtered = draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=2, unique=True))
    values = {
        d: tuple(draw(st.lists(st.sampled_from(VALUES[d]), min_size=1, max_size=3)))
        for d in filtered
    }
    if draw(st.booleans()):
        provinces = sorted({o.province for o in index.by_id.values() if o.province})
        values[Dimension.PROVINCE] = tuple(
            draw(st.lists(st.sampled_from(provinces), min_size=1, max_size=3))
        )
    root = None
    if draw(st.booleans()):
        candidates = sorted(o.code for o in index.by_id.values() if o.depth <= 2)
        root = index.by_code[draw(st.sampled_from(candidates))]
    return StatisticsQuery(
        tuple(group_by), root=root, include_subtree=draw(st.booleans()) or root is None,
        values=values, reference_year=draw(st.sampled_from([2026, 2030])),
    )  # fmt: skip


async def test_summaries_equal_the_direct_group_by_on_random_queries(
    engine: AsyncEngine, orgs: OrgIndex
) -> None:
    # hypothesis draws the queries (sync); the store answers them here (async)
    found: list[StatisticsQuery] = []

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(queries(orgs))
    def collect(query: StatisticsQuery) -> None:
        found.append(query)

    collect()
    assert len(found) >= 30
    for query in found:
        summary = await breakdown(engine, orgs, query)
        baseline = await direct(engine, orgs, query)
        assert summary == baseline, query


@pytest_asyncio.fixture
async def own_store(fresh_store_url: str) -> AsyncIterator[AsyncEngine]:
    await seed_store(fresh_store_url, 400, 7, progress=False)
    engine = create_engine(fresh_store_url, pool_size=2)
    yield engine
    await engine.dispose()


async def _all_cubes_match(engine: AsyncEngine) -> None:
    index = await org_index(engine, fresh=True)
    everything = tuple(d for d in Dimension if d is not Dimension.PROVINCE)
    query = StatisticsQuery(everything, reference_year=2026)
    assert await breakdown(engine, index, query) == await direct(engine, index, query)
    for cube in CUBES:
        columns = ", ".join(cube.dimensions)
        async with engine.connect() as conn:
            mismatch = (
                await conn.execute(
                    text(
                        f"SELECT count(*) FROM (SELECT {columns}, sum(people) FROM {cube.table}"
                        f" GROUP BY {columns} HAVING sum(people) <> 0 EXCEPT SELECT {columns},"
                        f" count(*) FROM (SELECT "
                        + ", ".join(f"{e} AS {d}" for d, e in _exprs(cube.dimensions))
                        + f" FROM person) p GROUP BY {columns}) x"
                    )
                )
            ).scalar_one()
        assert mismatch == 0, cube.name


def _exprs(dimensions: tuple[str, ...]) -> list[tuple[str, str]]:
    from store.cubes import DIMENSION_SQL

    return [(d, DIMENSION_SQL[d]) for d in dimensions]


async def test_triggers_follow_inserts_updates_deletes_and_truncate(
    own_store: AsyncEngine,
) -> None:
    engine = own_store
    await _all_cubes_match(engine)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE person SET category = 'contract_worker', gender = 'female',"
                " grade_code = NULL, birth_date = birth_date - 3650 WHERE id % 7 = 0"
            )
        )
        await conn.execute(
            text(
                "UPDATE person SET organization_id = (SELECT min(organization_id) FROM person)"
                " WHERE id % 11 = 0"
            )
        )
        await conn.execute(text("DELETE FROM person WHERE id % 13 = 0"))
        # the sync's upsert: one statement that inserts some rows and updates others
        await conn.execute(
            text(
                "INSERT INTO person SELECT (jsonb_populate_record(NULL::person, to_jsonb(p)"
                " || jsonb_build_object('id', p.id + 1000000, 'personal_id',"
                " lpad((p.id + 100000000000)::text, 12, '0'), 'category', 'cadre',"
                " 'source_record_id', p.source_record_id || '-copy'))).*"
                " FROM person p WHERE p.id % 5 = 1"
                " UNION ALL SELECT * FROM person WHERE id % 5 = 0"
                " ON CONFLICT (id) DO UPDATE SET gender = CASE WHEN person.gender = 'male'"
                " THEN 'female' ELSE 'male' END, status = 'retired'"
            )
        )
    await _all_cubes_match(engine)
    await refresh_summaries(engine)
    await _all_cubes_match(engine)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE person CASCADE"))
        left = (await conn.execute(text("SELECT count(*) FROM person_summary_full"))).scalar()
    assert left == 0


async def test_an_update_of_uncounted_columns_leaves_the_summaries_untouched(
    own_store: AsyncEngine,
) -> None:
    """A sync's update mostly changes what no summary counts by: the trigger then writes
    nothing (no row of any summary table is touched), and a counted change still moves the
    person between groups."""
    engine = own_store
    tables = ("person_summary_org", "person_summary_org_age", "person_summary_nation",
              "person_summary_full")  # fmt: skip

    async def row_versions() -> list[tuple[str, str]]:
        async with engine.connect() as conn:
            return [
                (table, str(version))
                for table in tables
                for version in (
                    await conn.execute(text(f"SELECT xmin::text FROM {table} ORDER BY ctid"))
                ).scalars()
            ]

    before = await row_versions()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE person SET job_position = 'Chuyên viên (sửa)', birth_date = birth_date")
        )
    assert await row_versions() == before  # not one summary row rewritten
    await _all_cubes_match(engine)
    async with engine.begin() as conn:  # the same statement, a counted column among them
        await conn.execute(
            text(
                "UPDATE person SET job_position = 'Chuyên viên', status = CASE WHEN id % 3 = 0"
                " THEN 'retired' ELSE status END"
            )
        )
    assert await row_versions() != before
    await _all_cubes_match(engine)
