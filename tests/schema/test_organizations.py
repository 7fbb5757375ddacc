"""The organisation tree: lookups by code, the connection, parent, children, ancestors, staff."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

TREE = """
query($code: String!) {
  organization(code: $code) {
    id code name level status depth
    parent { code }
    ancestors { code depth }
    children { code parent { code } }
    persons(first: 5) { totalCount edges { node { organization { code } } } }
  }
}
"""


async def deepest(engine: AsyncEngine) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT o.code, o.depth FROM organization o WHERE EXISTS "
                    "(SELECT 1 FROM person p WHERE p.organization_id = o.id) "
                    "ORDER BY o.depth DESC, o.code LIMIT 1"
                )
            )
        ).one()


async def test_an_organisation_knows_its_place_in_the_tree(gql: Any, engine: AsyncEngine) -> None:
    leaf = await deepest(engine)
    assert 2 <= leaf.depth <= 4, "the national tree is 3 to 5 levels deep"
    org = (await gql.data(TREE, {"code": leaf.code}))["organization"]
    assert org["depth"] == leaf.depth
    assert [a["depth"] for a in org["ancestors"]] == list(range(leaf.depth))
    assert org["ancestors"][-1]["code"] == org["parent"]["code"]
    parent = (await gql.data(TREE, {"code": org["parent"]["code"]}))["organization"]
    assert leaf.code in [child["code"] for child in parent["children"]]
    assert all(child["parent"]["code"] == parent["code"] for child in parent["children"])


async def test_an_organisations_persons_are_its_own_staff(gql: Any, engine: AsyncEngine) -> None:
    leaf = await deepest(engine)
    org = (await gql.data(TREE, {"code": leaf.code}))["organization"]
    async with engine.connect() as conn:
        staff = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM person p JOIN organization o ON o.id = p.organization_id"
                    " WHERE o.code = :code"
                ),
                {"code": leaf.code},
            )
        ).scalar_one()
    assert org["persons"]["totalCount"] == staff
    assert len(org["persons"]["edges"]) == min(5, staff)
    assert {e["node"]["organization"]["code"] for e in org["persons"]["edges"]} == {leaf.code}


async def test_an_unknown_code_is_null(gql: Any) -> None:
    assert (await gql.data(TREE, {"code": "999.99.99.Z99"})) == {"organization": None}


async def test_organizations_filter_by_level_subtree_and_search(gql: Any) -> None:
    provinces = await gql.data(
        "{ organizations(filter: {levels: [PROVINCE], statuses: [ACTIVE]}, first: 100)"
        " { totalCount edges { node { code name level } } } }"
    )
    assert provinces["organizations"]["totalCount"] == 34
    first = provinces["organizations"]["edges"][0]["node"]
    within = await gql.data(
        "query($c: String!) { organizations(filter: {withinCode: $c}, first: 100)"
        " { edges { node { code ancestors { code } } } } }",
        {"c": first["code"]},
    )
    nodes = [e["node"] for e in within["organizations"]["edges"]]
    assert nodes[0]["code"] == first["code"] or first["code"] in [n["code"] for n in nodes]
    assert all(
        n["code"] == first["code"] or first["code"] in [a["code"] for a in n["ancestors"]]
        for n in nodes
    )
    word = first["name"].split()[-1]
    from store.text import fold

    found = await gql.data(
        "query($s: String!) { organizations(filter: {search: $s}, first: 100)"
        " { edges { node { code } } } }",
        {"s": fold(word).upper()},
    )
    assert first["code"] in [e["node"]["code"] for e in found["organizations"]["edges"]]


async def test_organizations_page_both_ways_in_code_order(gql: Any) -> None:
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      organizations(first: $first, after: $after, last: $last, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { node { code } } } }"""
    first = (await gql.data(query, {"first": 30}))["organizations"]
    codes = [e["node"]["code"] for e in first["edges"]]
    assert codes == sorted(codes)
    second = (await gql.data(query, {"first": 30, "after": first["pageInfo"]["endCursor"]}))[
        "organizations"
    ]
    back = (await gql.data(query, {"last": 30, "before": second["pageInfo"]["startCursor"]}))[
        "organizations"
    ]
    assert [e["node"]["code"] for e in back["edges"]] == codes


async def test_merged_organisations_keep_their_successor_and_date(gql: Any) -> None:
    merged = await gql.data(
        "{ organizations(filter: {statuses: [MERGED]}, first: 10)"
        " { edges { node { code status statusChangedOn successor { code status } } } } }"
    )
    nodes = [e["node"] for e in merged["organizations"]["edges"]]
    assert nodes, "the 2025 reorganisation left merged organisations"
    for node in nodes:
        assert node["statusChangedOn"] is not None
        assert node["successor"] is not None
        assert node["successor"]["code"] != node["code"]


async def test_node_finds_an_organisation(gql: Any) -> None:
    edge = (await gql.data("{ organizations(first: 1) { edges { node { id code } } } }"))[
        "organizations"
    ]["edges"][0]["node"]
    found = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Organization { code } } }", {"id": edge["id"]}
    )
    assert found["node"]["code"] == edge["code"]
