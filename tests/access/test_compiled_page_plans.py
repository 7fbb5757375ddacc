"""The directory page keeps a fast plan when PostgreSQL settles on a generic one.

The gateway's statements are prepared once per connection, and after five executions
PostgreSQL may keep one plan for every value (plan_cache_mode `auto`, the default). That plan
cannot see the subtree's bounds, so one text cannot serve both a province and the whole
country: the page of a subtree holding most of the store's organisations is written another
way (resolvers/compiled/planner.people_conditions): its generic plan walks the directory
order and stops at the page's end, where the set form's sorted every organisation's people.
(Which plan a province's text gets depends on the store's size: in this small store, the
walk too.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest
from graphql_client import GraphQLClient
from sqlalchemy.engine import URL

import resolvers.compiled.planner as planner
from policies.types import Caller, Level
from store.database import sync_free_dsn
from tests.access.conftest import World

ROOT = "000.00.00.A00"  # the seeded store's national root

PAGE = """query($organization: String!) {
  persons(filter: {organization: $organization}, first: 5) {
    totalCount edges { node { id fullName organization { code } } }
  }
}"""

PER_ROW_PATH = "(SELECT o.path FROM organization o WHERE o.id = p.organization_id) ~>=~"
SUBTREE_SET = "p.organization_id IN (SELECT id FROM organization WHERE path"


@pytest.fixture
def page_statements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[Any]]]:
    """The compiled statements the planner runs (text and arguments), in order."""
    seen: list[tuple[str, list[Any]]] = []
    run = planner.fetch_autocommit

    async def recording(engine: Any, sql: str, arguments: Any) -> Any:
        seen.append((sql, list(arguments)))
        return await run(engine, sql, arguments)

    monkeypatch.setattr(planner, "fetch_autocommit", recording)
    return seen


async def _page(
    client: GraphQLClient, statements: list[tuple[str, list[Any]]], code: str
) -> tuple[dict[str, Any], str, list[Any]]:
    statements.clear()
    data = await client.data(PAGE, {"organization": code})
    (sql, arguments), *_ = [s for s in statements if "FROM person p" in s[0]]
    return data["persons"], sql, arguments


def _index_names(plan: dict[str, Any]) -> Iterator[str]:
    if "Index Name" in plan:
        yield plan["Index Name"]
    for child in plan.get("Plans", []):
        yield from _index_names(child)


async def _generic_plan_indexes(url: URL, sql: str, arguments: list[Any]) -> set[str]:
    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        statement = await conn.prepare(f"EXPLAIN (FORMAT JSON) {sql}")
        document = await statement.fetchval(*arguments)
    finally:
        await conn.close()
    return set(_index_names(json.loads(document)[0]["Plan"]))


async def test_the_national_page_tests_each_rows_path_and_a_provinces_reads_its_subtree(
    as_caller: Callable[[Caller | None], GraphQLClient],
    world: World,
    page_statements: list[tuple[str, list[Any]]],
) -> None:
    central = as_caller(Caller(Level.CENTRAL, organization="000.00.00.G09"))
    national, national_sql, _ = await _page(central, page_statements, ROOT)
    province, province_sql, _ = await _page(central, page_statements, world.province)
    national_page, national_count = national_sql.split("shown AS")
    assert PER_ROW_PATH in national_page
    assert SUBTREE_SET not in national_page
    assert SUBTREE_SET in national_count  # a count reads the whole set anyway
    assert SUBTREE_SET in province_sql
    assert PER_ROW_PATH not in province_sql
    # the same people either way: the count over the whole store, the province's own
    assert national["totalCount"] == len(world.places)
    in_province = [p for p in world.places.values() if p[1] in world.subtrees[world.province]]
    assert province["totalCount"] == len(in_province)
    assert len(national["edges"]) == len(province["edges"]) == 5


async def test_the_national_pages_generic_plan_walks_the_directory_order(
    as_caller: Callable[[Caller | None], GraphQLClient],
    seeded_store_url: URL,
    page_statements: list[tuple[str, list[Any]]],
) -> None:
    central = as_caller(Caller(Level.CENTRAL, organization="000.00.00.G09"))
    _, sql, arguments = await _page(central, page_statements, ROOT)
    indexes = await _generic_plan_indexes(seeded_store_url, sql, arguments)
    # along the directory order to the page's end, never every organisation's people sorted
    # (the set form's generic plan did that: 7.7 ms at 20,000 people, and growing with them)
    assert "ix_person_order" in indexes, indexes
    assert "ix_person_org_order" not in indexes, indexes
