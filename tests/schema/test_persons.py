"""The directory: Relay pagination both ways, filters, diacritic-insensitive search, lookups."""

from __future__ import annotations

import base64
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from store.text import fold

PAGE = """
query($filter: PersonFilter, $first: Int, $after: String, $last: Int, $before: String) {
  persons(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id fullName givenName category status
                          grade { code } organization { code } } }
  }
}
"""


async def walk(
    gql: Any, filter_: dict[str, Any], *, size: int, backward: bool = False
) -> list[Any]:
    """Every node of a filtered directory, page by page, in directory order."""
    nodes: list[Any] = []
    cursor = None
    while True:
        variables: dict[str, Any] = {"filter": filter_}
        if backward:
            variables |= {"last": size, "before": cursor}
        else:
            variables |= {"first": size, "after": cursor}
        connection = (await gql.data(PAGE, variables))["persons"]
        page = [edge["node"] for edge in connection["edges"]]
        assert len(page) <= size
        info = connection["pageInfo"]
        if backward:
            nodes = page + nodes
            if not info["hasPreviousPage"]:
                return nodes
            cursor = info["startCursor"]
        else:
            nodes += page
            if not info["hasNextPage"]:
                return nodes
            cursor = info["endCursor"]


async def a_province(gql: Any) -> str:
    data = await gql.data(
        "{ organizations(filter: {levels: [PROVINCE], statuses: [ACTIVE]}, first: 3)"
        " { edges { node { code } } } }"
    )
    return str(data["organizations"]["edges"][1]["node"]["code"])


async def expected_ids(engine: AsyncEngine, sql: str, **params: Any) -> list[int]:
    async with engine.connect() as conn:
        return [row[0] for row in await conn.execute(text(sql), params)]


def key(node_id: str) -> int:
    return int(base64.urlsafe_b64decode(node_id + "==").decode().rsplit(":", 1)[1])


async def test_paging_forward_through_a_subtree_visits_everyone_once_in_directory_order(
    gql: Any, engine: AsyncEngine
) -> None:
    province = await a_province(gql)
    nodes = await walk(gql, {"organization": province}, size=37)
    ids = await expected_ids(
        engine,
        "SELECT p.id FROM person p JOIN organization o ON o.id = p.organization_id "
        "WHERE o.path LIKE (SELECT path FROM organization WHERE code = :code) || '%' "
        "ORDER BY p.name_sort, p.id",
        code=province,
    )
    assert len(ids) > 37, "the seeded province should span several pages"
    assert [key(node["id"]) for node in nodes] == ids


async def test_paging_backward_gives_the_same_people_in_the_same_order(gql: Any) -> None:
    province = await a_province(gql)
    forward = await walk(gql, {"organization": province}, size=25)
    backward = await walk(gql, {"organization": province}, size=25, backward=True)
    assert [n["id"] for n in backward] == [n["id"] for n in forward]


async def test_page_info_and_total_count_describe_the_pages(gql: Any) -> None:
    province = await a_province(gql)
    first = (await gql.data(PAGE, {"filter": {"organization": province}, "first": 10}))["persons"]
    info = first["pageInfo"]
    assert info["hasNextPage"]
    assert not info["hasPreviousPage"]
    assert info["startCursor"] == first["edges"][0]["cursor"]
    assert info["endCursor"] == first["edges"][-1]["cursor"]
    second = (
        await gql.data(
            PAGE, {"filter": {"organization": province}, "first": 10, "after": info["endCursor"]}
        )
    )["persons"]
    assert second["pageInfo"]["hasPreviousPage"]
    assert {e["node"]["id"] for e in first["edges"]}.isdisjoint(
        e["node"]["id"] for e in second["edges"]
    )
    everyone = await walk(gql, {"organization": province}, size=100)
    assert first["totalCount"] == len(everyone)


async def test_a_subtree_filter_can_be_limited_to_the_organisation_itself(
    gql: Any, engine: AsyncEngine
) -> None:
    province = await a_province(gql)
    own = await walk(gql, {"organization": province, "includeSubtree": False}, size=100)
    assert all(node["organization"]["code"] == province for node in own)
    ids = await expected_ids(
        engine,
        "SELECT p.id FROM person p JOIN organization o ON o.id = p.organization_id "
        "WHERE o.code = :code ORDER BY p.name_sort, p.id",
        code=province,
    )
    assert [key(n["id"]) for n in own] == ids


async def test_name_search_ignores_diacritics_and_case(gql: Any, engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT id, full_name, family_name, given_name FROM person "
                    "WHERE full_name <> name_search ORDER BY id LIMIT 1"
                )
            )
        ).one()
    folded = f"{fold(row.family_name)} {fold(row.given_name)}"
    shouting = f"{row.family_name.upper()} {row.given_name.upper()}"
    prefix = f"{fold(row.family_name)[:3]} {fold(row.given_name)[:2]}".upper()
    for search in (folded, shouting, prefix):
        found = await walk(gql, {"name": search}, size=100)
        assert row.id in {key(n["id"]) for n in found}, search
        assert all(fold(row.family_name)[:3] in fold(n["fullName"]) for n in found), (
            "every hit must contain the words searched for"
        )


async def test_name_search_without_a_word_is_refused(gql: Any) -> None:
    response = await gql.post(PAGE, {"filter": {"name": "--"}, "first": 1})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["argument"] == "filter.name"


async def test_a_search_of_tens_of_thousands_of_words_is_refused_quickly(gql: Any) -> None:
    started = time.monotonic()
    response = await gql.post(PAGE, {"filter": {"name": "nguyen " * 30_000}, "first": 1})
    assert time.monotonic() - started < 2, "the refusal must not wait for the database"
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "filter.name"
    assert "at most 200 characters" in error["message"]


async def test_a_search_of_many_short_words_is_refused_by_its_word_count(gql: Any) -> None:
    response = await gql.post(PAGE, {"filter": {"name": "a " * 11}, "first": 1})
    assert response.status_code == 400
    assert "at most 10 words" in response.json()["errors"][0]["message"]


async def test_category_grade_and_status_filters_narrow_the_directory(
    gql: Any, engine: AsyncEngine
) -> None:
    async with engine.connect() as conn:
        grade = (
            await conn.execute(
                text(
                    "SELECT grade_code FROM person WHERE category = 'civil_servant' "
                    "AND grade_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                )
            )
        ).scalar_one()
    filter_ = {"categories": ["CIVIL_SERVANT"], "grades": [grade], "statuses": ["ACTIVE"]}
    nodes = await walk(gql, filter_, size=100)
    ids = await expected_ids(
        engine,
        "SELECT id FROM person WHERE category = 'civil_servant' AND grade_code = :grade "
        "AND status = 'active' ORDER BY name_sort, id",
        grade=grade,
    )
    assert ids
    assert [key(n["id"]) for n in nodes] == ids
    assert all(n["grade"]["code"] == grade and n["status"] == "ACTIVE" for n in nodes)


async def test_person_and_node_find_a_person_by_an_id_that_hides_the_personal_id(
    gql: Any,
) -> None:
    edge = (await gql.data("{ persons(first: 1) { edges { node { id fullName personalId } } } }"))[
        "persons"
    ]["edges"][0]["node"]
    raw = base64.urlsafe_b64decode(edge["id"] + "==").decode()
    assert edge["personalId"] not in raw
    assert edge["personalId"] not in edge["id"]
    by_person = await gql.data(
        "query($id: ID!) { person(id: $id) { fullName } }", {"id": edge["id"]}
    )
    by_node = await gql.data(
        "query($id: ID!) { node(id: $id) { id ... on Person { fullName } } }", {"id": edge["id"]}
    )
    assert by_person["person"]["fullName"] == edge["fullName"]
    assert by_node["node"] == {"id": edge["id"], "fullName": edge["fullName"]}


async def test_an_id_of_nobody_is_null_not_an_error(gql: Any) -> None:
    from resolvers import global_id

    data = await gql.data(
        "query($id: ID!) { person(id: $id) { fullName } node(id: $id) { id } }",
        {"id": global_id.encode("Person", 10**9)},
    )
    assert data == {"person": None, "node": None}


async def test_a_person_carries_typed_grade_salary_and_education(gql: Any) -> None:
    data = await gql.data(
        """{ persons(first: 50, filter: {categories: [CIVIL_SERVANT]}) { edges { node {
             grade { code name category scale { code steps { step coefficient } } }
             salary { scale { code } step coefficient monthlyBaseAmount }
             education { professionalLevel politicalTheory stateManagement }
             ethnicity { code name } religion { name }
             provenance { source sourceRecordId version contentHash syncedAt }
        } } } }"""
    )
    nodes = [e["node"] for e in data["persons"]["edges"]]
    assert nodes
    for node in nodes:
        salary = node["salary"]
        steps = {s["step"]: s["coefficient"] for s in node["grade"]["scale"]["steps"]}
        assert salary["scale"]["code"] == node["grade"]["scale"]["code"]
        assert steps[salary["step"]] == salary["coefficient"]
        assert salary["monthlyBaseAmount"] == round(float(salary["coefficient"]) * 2_340_000)
        assert node["education"]["professionalLevel"] in {
            "DOCTORATE",
            "MASTER",
            "BACHELOR",
            "COLLEGE",
            "INTERMEDIATE",
            "NONE",
        }
        assert len(node["provenance"]["contentHash"]) == 64
        assert node["provenance"]["source"].startswith("VN:GOV:")


RELAY_REFETCH = """
query($filter: PersonFilter, $count: Int = 10, $cursor: String, $last: Int, $before: String) {
  persons(filter: $filter, first: $count, after: $cursor, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""


async def test_relays_pagination_fragment_pages_backward_with_its_default_count(
    gql: Any,
) -> None:
    """Relay's usePaginationFragment keeps one `$count` for `first` and sends `last` beside it:
    `loadPrevious` nulls the forward count, a kept default sends both, and either way the page
    is what the Relay connection spec defines, never an error."""
    province = await a_province(gql)
    everyone = [node["id"] for node in await walk(gql, {"organization": province}, size=50)]
    assert len(everyone) > 30

    # loadPrevious(7) from the end: {count: null, cursor: null, last: 7, before: <start>}
    collected: list[str] = []
    before = None
    while True:
        variables = {"filter": {"organization": province}, "count": None, "cursor": None}
        variables |= {"last": 7, "before": before}
        connection = (await gql.data(RELAY_REFETCH, variables))["persons"]
        collected = [edge["node"]["id"] for edge in connection["edges"]] + collected
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]
    assert collected == everyone

    # the default count kept beside `last`: the first 10 before the cursor, then the last 4
    cursor_row = 25
    pivot = await gql.data(
        RELAY_REFETCH, {"filter": {"organization": province}, "count": cursor_row}
    )
    before = pivot["persons"]["pageInfo"]["endCursor"]  # stands at everyone[cursor_row - 1]
    both = (
        await gql.data(
            RELAY_REFETCH, {"filter": {"organization": province}, "last": 4, "before": before}
        )
    )["persons"]
    assert [edge["node"]["id"] for edge in both["edges"]] == everyone[6:10]
    assert both["pageInfo"]["hasNextPage"] is True  # 24 between the cursors, more than 10
    assert both["pageInfo"]["hasPreviousPage"] is True  # more than 4
