"""Compiled reads (issue 15): the directory page, lookups and the tree walk are one statement.

What a user of the gateway notices: the directory page as a province caller, masked and
audited, costs two statements (the page and its audit record); node, person and organisation
lookups and the organisation tree walk are answered by the compiler, never by the fallback
(the metric says so); and with CBCCVC_COMPILED_READS off nothing is compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from graphql_client import GraphQLClient
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import Settings
from policies.types import Caller, Level
from resolvers import global_id
from store.database import StatementCounter
from telemetry import metrics

DIRECTORY = """query Directory($organization: String!, $first: Int!) {
  persons(filter: {organization: $organization}, first: $first) {
    edges {
      node {
        id fullName familyName middleName givenName gender birthDate
        category status jobPosition recruitedOn personalId
        organization { code name }
      }
    }
  }
}"""

TREE = """query($code: String!, $id: ID!, $person: ID!) {
  organization(code: $code) {
    code name parent { code } ancestors { code }
    children { code level children { code parent { code } } }
  }
  node(id: $id) { __typename ... on Organization { code depth successor { code } } }
  person(id: $person) { fullName birthDate organization { code ancestors { code } } }
}"""


def outcomes() -> dict[tuple[str, str], float]:
    found: dict[tuple[str, str], float] = {}
    for metric in metrics.COMPILED_ROOT_FIELDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                found[(sample.labels["field"], sample.labels["outcome"])] = sample.value
    return found


def change(before: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    after = outcomes()
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


async def _audit_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM audit_log"))).scalar_one())


async def test_the_directory_page_is_one_statement_and_its_audit(
    as_caller: Callable[[Caller | None], GraphQLClient],
    world: Any,
    statements: StatementCounter,
    engine: AsyncEngine,
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province, client_id="hr"))
    variables = {"organization": world.province, "first": 50}
    await province.data(DIRECTORY, variables)  # the caller's scope and the plan, cached once
    audited = await _audit_rows(engine)
    before = outcomes()
    statements.reset()
    data = await province.data(DIRECTORY, variables)
    assert statements.count <= 2, statements.statements
    assert change(before) == {("persons", "compiled"): 1}
    edges = data["persons"]["edges"]
    assert len(edges) == 50
    # the province's own people: personal fields shown, so the response was audited
    assert all(e["node"]["personalId"] is not None for e in edges)
    assert await _audit_rows(engine) == audited + 1


async def test_an_outside_caller_sees_the_page_masked_with_one_error_per_field(
    as_caller: Callable[[Caller | None], GraphQLClient], world: Any
) -> None:
    outsider = as_caller(Caller(Level.PROVINCE, organization=world.other_province))
    before = outcomes()
    body = (
        await outsider.post(
            "{ persons(first: 3) { edges { node { fullName personalId } } } }",
        )
    ).json()
    assert change(before) == {("persons", "compiled"): 1}
    people = [e["node"] for e in body["data"]["persons"]["edges"]]
    errors = {tuple(e["path"]) for e in body.get("errors", [])}
    for index, person in enumerate(people):
        assert person["fullName"] is not None  # public
        masked = ("persons", "edges", index, "node", "personalId") in errors
        assert masked == (person["personalId"] is None)


async def test_lookups_and_the_tree_walk_never_fall_back(
    as_caller: Callable[[Caller | None], GraphQLClient], world: Any
) -> None:
    central = as_caller(Caller(Level.CENTRAL, organization="000.00.00.G09"))
    variables = {
        "code": world.province,
        "id": global_id.encode("Organization", world.code_ids[world.insider.org]),
        "person": global_id.encode("Person", world.insider.id),
    }
    before = outcomes()
    data = await central.data(TREE, variables)
    assert change(before) == {
        ("organization", "compiled"): 1,
        ("node", "compiled"): 1,
        ("person", "compiled"): 1,
    }
    organization = data["organization"]
    assert organization["code"] == world.province
    assert [a["code"] for a in organization["ancestors"]][-1:] == [organization["parent"]["code"]]
    codes = [child["code"] for child in organization["children"]]
    assert codes
    assert codes == sorted(codes)
    for child in organization["children"]:
        assert all(g["parent"]["code"] == child["code"] for g in child["children"])
    assert data["node"]["__typename"] == "Organization"
    assert data["person"]["organization"]["code"] == world.insider.org


LIVE_PAGE = """query Page($organization: String!) {
  persons(filter: {organization: $organization}, first: 5) {
    edges { node {
      fullName grade { code scale { code } } salary { coefficient monthlyBaseAmount }
      familyMembers(first: 1) { edges { node { relation } } pageInfo { hasNextPage } }
      workHistory { start position } identityCheck { matches } socialInsurance { insuranceNumber }
      provenance { source approval { covered } }
    } }
  }
}"""


def merged_counts() -> dict[tuple[str, str], float]:
    found: dict[tuple[str, str], float] = {}
    for metric in metrics.COMPILED_MERGED_FIELDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                found[(sample.labels["type"], sample.labels["field"])] = sample.value
    return found


async def test_a_page_with_live_fields_is_compiled_and_the_live_fields_merged(
    as_caller: Callable[[Caller | None], GraphQLClient], world: Any
) -> None:
    """Code lists, salary and a dossier list come from the statement; the agencies' fields
    resolve as before and land at their paths, with their partial-result errors (no agency
    answers in this store: SOURCE_UNAVAILABLE at each live field): no fallback."""
    province = as_caller(Caller(Level.PROVINCE, organization=world.province, client_id="hr"))
    before, merged_before = outcomes(), merged_counts()
    response = await province.post(LIVE_PAGE, {"organization": world.province})
    body = response.json()
    assert response.status_code == 200, body
    data = body["data"]
    assert change(before) == {("persons", "compiled"): 1}
    live = ("workHistory", "identityCheck", "socialInsurance")
    errors = {(tuple(e["path"]), e["extensions"]["code"]) for e in body["errors"]}
    assert errors == {
        (("persons", "edges", index, "node", field), "SOURCE_UNAVAILABLE")
        for index in range(5)
        for field in live
    }
    merged = {k: v - merged_before.get(k, 0) for k, v in merged_counts().items()}
    people = [e["node"] for e in data["persons"]["edges"]]
    assert len(people) == 5
    for field in ("workHistory", "identityCheck", "socialInsurance", "provenance"):
        assert merged.get(("Person", field)) == len(people), merged
    for field in ("grade", "salary", "familyMembers"):
        assert ("Person", field) not in merged or merged[("Person", field)] == 0, merged
    assert all(list(p) == list(people[0]) for p in people)  # every key, in the document's order
    assert list(people[0]) == [
        "fullName", "grade", "salary", "familyMembers", "workHistory", "identityCheck",
        "socialInsurance", "provenance",
    ]  # fmt: skip
    assert any(p["grade"] is not None for p in people)


async def test_with_compiled_reads_off_everything_resolves(
    settings: Settings, seeded_store_url: URL, engine: AsyncEngine, world: Any
) -> None:
    application: Starlette = create_app(
        replace(settings, compiled_reads=False), seeded_store_url, engine=engine
    )
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            client = GraphQLClient(http, application)
            before = outcomes()
            data = await client.data(DIRECTORY, {"organization": world.province, "first": 5})
    assert len(data["persons"]["edges"]) == 5
    assert change(before) == {}


async def test_an_alias_like_the_statements_own_keys_is_answered_by_the_resolvers(
    as_caller: Callable[[Caller | None], GraphQLClient], world: Any
) -> None:
    """The statement marks its rows with keys such as `__k`; a client's alias of that name
    would be taken for one (and dropped), so such a selection resolves as today."""
    province = as_caller(Caller(Level.PROVINCE, organization=world.province, client_id="hr"))
    query = "{ persons(first: 2) { edges { node { __k: fullName __p: id fullName id } } } }"
    before = outcomes()
    data = await province.data(query)
    assert change(before) == {("persons", "not_compilable"): 1}
    nodes = [edge["node"] for edge in data["persons"]["edges"]]
    assert len(nodes) == 2
    assert all(n["__k"] == n["fullName"] and n["__p"] == n["id"] for n in nodes)
