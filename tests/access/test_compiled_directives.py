"""Compiled reads with @skip and @include (issue 15): decided as graphql-core decides them.

What a user notices: an operation whose fields, fragments or root fields carry @skip/@include
gets the answer the resolver path gives (same keys, same order, same errors) for every value of
its variables, and is still answered by the compiler (the fallback metric does not move); the
same document asked with $x true, then false, then true gets each answer right (the cached plan
is keyed by the decisions). `collect` leaves out exactly the nodes graphql-core's own field
collection leaves out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    OperationDefinitionNode,
    parse,
)
from graphql.execution.collect_fields import FragmentDetails, collect_fields
from graphql.execution.values import get_variable_values
from graphql_client import GraphQLClient
from starlette.applications import Starlette
from test_compiled_reads import change, outcomes

from policies.types import Caller, Level
from resolvers.compiled.selection import NotCompilable, collect, conditions
from schema import schema

GRAPHQL_SCHEMA = schema._schema
PERSON = GRAPHQL_SCHEMA.type_map["Person"]
assert isinstance(PERSON, GraphQLObjectType)

COLLECTED = [
    # (selection on a Person, variables, response keys with how many nodes each)
    ("{ fullName @skip(if: true) birthDate }", {}, {"birthDate": 1}),
    ("{ fullName @skip(if: false) birthDate }", {}, {"fullName": 1, "birthDate": 1}),
    ("{ fullName @include(if: true) birthDate }", {}, {"fullName": 1, "birthDate": 1}),
    ("{ fullName @include(if: false) birthDate }", {}, {"birthDate": 1}),
    # both on one node: @skip wins, whichever comes first
    ("{ fullName @skip(if: false) @include(if: false) gender }", {}, {"gender": 1}),
    ("{ fullName @include(if: true) @skip(if: true) gender }", {}, {"gender": 1}),
    ("{ fullName @skip(if: false) @include(if: true) gender }", {}, {"fullName": 1, "gender": 1}),
    ("query($x: Boolean!) { fullName @include(if: $x) gender }", {"x": True},
     {"fullName": 1, "gender": 1}),
    ("query($x: Boolean!) { fullName @include(if: $x) gender }", {"x": False}, {"gender": 1}),
    ("query($x: Boolean!) { fullName @skip(if: $x) gender }", {"x": True}, {"gender": 1}),
    ("query($x: Boolean = false) { fullName @include(if: $x) gender }", {}, {"gender": 1}),
    # fragment spreads: one left out does not count as visited
    ("{ ...F @skip(if: true) birthDate } fragment F on Person { fullName }", {},
     {"birthDate": 1}),
    ("{ ...F @skip(if: true) birthDate ...F } fragment F on Person { fullName }", {},
     {"birthDate": 1, "fullName": 1}),
    ("query($x: Boolean!) { ...F @include(if: $x) birthDate } "
     "fragment F on Person { fullName gender @skip(if: $x) }", {"x": True},
     {"fullName": 1, "birthDate": 1}),
    # inline fragments, with and without a type condition
    ("{ ... on Person @include(if: false) { fullName } birthDate }", {}, {"birthDate": 1}),
    ("query($x: Boolean!) { ... @include(if: $x) { fullName } birthDate }", {"x": True},
     {"fullName": 1, "birthDate": 1}),
    ("query($x: Boolean!) { ... on Node @skip(if: $x) { id } birthDate }", {"x": False},
     {"id": 1, "birthDate": 1}),
    # aliases merging with a same key left in
    ("{ n: fullName @skip(if: true) n: fullName birthDate }", {}, {"n": 1, "birthDate": 1}),
    ("query($x: Boolean!) { n: fullName n: fullName @include(if: $x) }", {"x": True}, {"n": 2}),
    ("query($x: Boolean!) { n: fullName n: fullName @include(if: $x) }", {"x": False}, {"n": 1}),
    ("query($x: Boolean!) { n: fullName @skip(if: $x) ... { n: fullName @include(if: $x) } }",
     {"x": False}, {"n": 1}),
]  # fmt: skip


def _parsed(text: str, inputs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], Any]:
    document = parse(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    variables = get_variable_values(GRAPHQL_SCHEMA, operation.variable_definitions or (), inputs)
    assert not isinstance(variables, list), variables
    return document, operation, fragments, variables


@pytest.mark.parametrize(("text", "inputs", "expected"), COLLECTED)
def test_collect_decides_skip_and_include_as_graphql_core_does(
    text: str, inputs: dict[str, Any], expected: dict[str, int]
) -> None:
    _, operation, fragments, variables = _parsed(text, inputs)
    found = collect(GRAPHQL_SCHEMA, PERSON, [operation.selection_set], fragments, variables)
    assert {k: len(c.nodes) for k, c in found.items()} == expected
    assert list(found) == list(expected)  # the document's order
    # the same nodes, in the same order, as graphql-core's own field collection
    details = {name: FragmentDetails(f) for name, f in fragments.items()}
    core = collect_fields(GRAPHQL_SCHEMA, details, variables, PERSON, operation).grouped_field_set
    assert {k: [d.node for d in v] for k, v in core.items()} == {
        k: list(c.nodes) for k, c in found.items()
    }


def test_other_directives_and_uncoercible_conditions_are_not_compiled() -> None:
    _, operation, fragments, variables = _parsed('{ fullName @specifiedBy(url: "x") }', {})
    with pytest.raises(NotCompilable):
        collect(GRAPHQL_SCHEMA, PERSON, [operation.selection_set], fragments, variables)
    # a null for a nullable variable with a default: graphql-core refuses the condition
    document, operation, fragments, variables = _parsed(
        "query($x: Boolean = true) { fullName @include(if: $x) }", {"x": None}
    )
    with pytest.raises(NotCompilable):
        collect(GRAPHQL_SCHEMA, PERSON, [operation.selection_set], fragments, variables)
    with pytest.raises(GraphQLError):
        conditions(document, operation, variables)


def test_conditions_are_every_decision_in_document_order() -> None:
    text = (
        "query($x: Boolean!) { a: fullName @include(if: $x) ... @skip(if: $x) { gender } "
        "organization { code @skip(if: false) } ...F } "
        "fragment F on Person { ...G @include(if: true) @skip(if: $x) } "
        "fragment G on Person { birthDate }"
    )
    for x in (True, False):
        document, operation, _, variables = _parsed(text, {"x": x})
        assert conditions(document, operation, variables) == (x, not x, True, not x)


@pytest_asyncio.fixture
async def resolved(
    reference: Starlette,
) -> AsyncIterator[Callable[[Caller], GraphQLClient]]:
    transport = httpx.ASGITransport(app=reference)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        yield lambda caller: GraphQLClient(http, reference, caller)


PAGE = """query Page($organization: String!, $x: Boolean!) {
  persons(filter: {organization: $organization}, first: 5) {
    edges { node {
      id fullName personalId @include(if: $x)
      ...Born @skip(if: $x)
      ... on Person @include(if: $x) { gender organization { code name @skip(if: $x) } }
      n: familyName @skip(if: $x) n: familyName @include(if: $x)
    } }
    totalCount @include(if: $x)
  }
}
fragment Born on Person { birthDate }"""


async def _both(
    compiled: GraphQLClient, reference: GraphQLClient, query: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], dict[tuple[str, str], float]]:
    """The compiled answer (checked equal to the resolver path's, key order included) and the
    outcomes it counted."""
    before = outcomes()
    response = await compiled.post(query, variables)
    counted = change(before)
    expected = await reference.post(query, variables)
    body, wanted = response.json(), expected.json()
    assert response.status_code == expected.status_code, body
    for error in [*body.get("errors", ()), *wanted.get("errors", ())]:
        del error["extensions"]["requestId"]  # one per request
    assert orjson.dumps(body) == orjson.dumps(wanted)
    return body, counted


async def test_a_page_with_include_answers_as_the_resolvers_for_both_values(
    as_caller: Callable[[Caller | None], GraphQLClient],
    resolved: Callable[[Caller], GraphQLClient],
    world: Any,
) -> None:
    caller = Caller(Level.PROVINCE, organization=world.province, client_id="hr")
    compiled, reference = as_caller(caller), resolved(caller)
    for x, keys in (
        (True, ["id", "fullName", "personalId", "gender", "organization", "n"]),
        (False, ["id", "fullName", "birthDate", "n"]),
    ):
        body, counted = await _both(compiled, reference, PAGE, {"organization": world.province,
                                                               "x": x})  # fmt: skip
        assert counted == {("persons", "compiled"): 1}, x
        people = [e["node"] for e in body["data"]["persons"]["edges"]]
        assert len(people) == 5
        assert all(list(p) == keys for p in people), (x, people[0])
        assert ("totalCount" in body["data"]["persons"]) == x
        if x:
            assert all(list(p["organization"]) == ["code"] for p in people)


async def test_the_same_document_true_false_true_gets_each_answer(
    as_caller: Callable[[Caller | None], GraphQLClient],
    resolved: Callable[[Caller], GraphQLClient],
    world: Any,
) -> None:
    """A document new to the plan cache: the plan built for true must not answer false."""
    query = PAGE.replace("query Page", "query PageAgain")
    caller = Caller(Level.PROVINCE, organization=world.province, client_id="hr")
    compiled, reference = as_caller(caller), resolved(caller)
    for x in (True, False, True):
        body, counted = await _both(compiled, reference, query, {"organization": world.province,
                                                                 "x": x})  # fmt: skip
        assert counted == {("persons", "compiled"): 1}, x
        node = body["data"]["persons"]["edges"][0]["node"]
        assert ("personalId" in node, "birthDate" in node) == (x, not x)


ROOTS = """query Roots($x: Boolean!, $code: String!) {
  persons(first: 2) @skip(if: $x) { edges { node { fullName } } }
  organization(code: $code) @include(if: $x) { code name }
  ...Listed @skip(if: $x)
}
fragment Listed on Query { organizations(first: 1) { totalCount } }"""


async def test_root_fields_left_out_are_absent_from_the_data(
    as_caller: Callable[[Caller | None], GraphQLClient],
    resolved: Callable[[Caller], GraphQLClient],
    world: Any,
) -> None:
    caller = Caller(Level.CENTRAL, organization="000.00.00.G09")
    compiled, reference = as_caller(caller), resolved(caller)
    body, counted = await _both(compiled, reference, ROOTS, {"x": True, "code": world.province})
    assert list(body["data"]) == ["organization"]
    assert counted == {("organization", "compiled"): 1}
    body, counted = await _both(compiled, reference, ROOTS, {"x": False, "code": world.province})
    assert list(body["data"]) == ["persons", "organizations"]
    assert counted == {("persons", "compiled"): 1, ("organizations", "compiled"): 1}


async def test_a_condition_graphql_core_refuses_is_worded_by_the_resolver_path(
    as_caller: Callable[[Caller | None], GraphQLClient],
    resolved: Callable[[Caller], GraphQLClient],
) -> None:
    caller = Caller(Level.CENTRAL, organization="000.00.00.G09")
    query = "query($x: Boolean = true) { persons(first: 1) { totalCount @include(if: $x) } }"
    body, counted = await _both(as_caller(caller), resolved(caller), query, {"x": None})
    assert body["errors"], body
    assert counted == {}  # nothing was compiled, nothing counted as a fallback either
