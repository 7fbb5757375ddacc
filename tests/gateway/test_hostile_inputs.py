"""No user input produces an internal error: every root field's arguments, fuzzed over HTTP.

For every query root field and each of its arguments, Hypothesis draws a hostile value for
that argument's GraphQL input type (NUL, lone surrogates, huge strings, huge and negative
integers, dates out of range, malformed and never-issued ids and cursors, unknown enum values,
input objects full of them), sends it once as a variable and once as a literal through the
real app with a central token, and asserts no 5xx and no INTERNAL_SERVER_ERROR. Mutations are
checked without I/O (tests/gateway/test_operation_inputs.py): the seeded store is read-only.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from graphql_client import GraphQLClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolvers import global_id
from resolvers.pagination import encode_cursor
from schema import schema

QUERY = schema._schema.query_type
assert QUERY is not None
ARGUMENTS = [(field, name) for field, d in QUERY.fields.items() for name in d.args]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "G09\x00",
            "\ud800",
            "a" * 100_000,
            "nguyen " * 5_000,
            "%",
            "_",
            "'; select 1; --",
            "000.00.00.G09",
            _b64("v1:Person:99999999999999999999"),
            _b64("v1:Person:9223372036854775808"),
            _b64("v1:Nothing:1"),
            _b64("v1:Person:0"),
            _b64("v1:Person:01"),
            global_id.encode("Person", 2**63 - 1),
            global_id.encode("Organization", 2**62),
            _b64("c1:99999999999999999999"),
            _b64("c1:-5"),
            _b64("c1:\x00"),
            encode_cursor(2**63 - 1),
            "9" * 40,
            "",
        ]
    ),
    st.text(max_size=50),
)
HOSTILE_INT = st.one_of(
    st.sampled_from([0, -1, 2**31 - 1, -(2**31), 2**31, 2**63, -(2**63) - 1, 10**30, 32768]),
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
)
HOSTILE_DATE = st.sampled_from(
    ["0001-01-01", "9999-12-31", "99999-01-01", "2026-13-01", "2026-02-30", "x", "", "-1"]
)
HOSTILE_DATETIME = st.sampled_from(
    ["0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00", "2026-01-01T25:00:00", "now"]
)


def hostile(input_type: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value for `input_type`, hostile where it can be, sometimes of the wrong kind."""
    wrong = st.sampled_from([None, True, 1.5, [], {}, "x"])
    if isinstance(input_type, GraphQLNonNull):
        return hostile(input_type.of_type, depth)
    if isinstance(input_type, GraphQLList):
        return st.lists(hostile(input_type.of_type, depth), max_size=3) | wrong
    if isinstance(input_type, GraphQLInputObjectType):
        fields = {name: hostile(f.type, depth + 1) for name, f in input_type.fields.items()}
        return st.fixed_dictionaries({}, optional=fields) | wrong
    if isinstance(input_type, GraphQLEnumType):
        return st.sampled_from([*input_type.values, "NOT_A_VALUE"])
    assert isinstance(input_type, GraphQLScalarType)
    kinds = {"Int": HOSTILE_INT, "Date": HOSTILE_DATE, "DateTime": HOSTILE_DATETIME}
    return kinds.get(input_type.name, HOSTILE_TEXT) | wrong


def literal(value: Any, input_type: GraphQLInputType) -> str:
    """`value` written in the document; strings as JSON strings, whose escapes GraphQL shares."""
    named = input_type.of_type if isinstance(input_type, GraphQLNonNull) else input_type
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        item = named.of_type if isinstance(named, GraphQLList) else named
        return "[" + ", ".join(literal(v, item) for v in value) + "]"
    if isinstance(value, dict):
        fields = named.fields if isinstance(named, GraphQLInputObjectType) else {}
        parts = [f"{k}: {literal(v, fields[k].type)}" for k, v in value.items() if k in fields]
        return "{" + ", ".join(parts) + "}"
    if isinstance(named, GraphQLEnumType) and isinstance(value, str):
        return value if value.isidentifier() else json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value)


REQUIRED = {"id": global_id.encode("Person", 1), "code": "000.00.00.G09", "year": 2026}
"""Benign values for the required arguments that are not the one under attack."""


def operation(field: str, target: str, value: Any, as_literal: bool) -> tuple[str, dict[str, Any]]:
    definition = QUERY.fields[field]
    declared, passed, variables = [], [], {}
    for name, argument in definition.args.items():
        if name != target and not isinstance(argument.type, GraphQLNonNull):
            continue
        given_value = value if name == target else REQUIRED.get(name)
        if name == "groupBy" and name != target:
            given_value = ["CATEGORY"]
        if as_literal:
            passed.append(f"{name}: {literal(given_value, argument.type)}")
        else:
            declared.append(f"${name}: {argument.type}")
            passed.append(f"{name}: ${name}")
            variables[name] = given_value
    head = f"query Fuzz({', '.join(declared)})" if declared else "query Fuzz"
    return f"{head} {{ {field}({', '.join(passed)}) {{ __typename }} }}", variables


@pytest.mark.parametrize(("field", "target"), ARGUMENTS)
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_argument_value_produces_an_internal_error(
    gql: GraphQLClient, field: str, target: str, data: st.DataObject
) -> None:
    argument_type = QUERY.fields[field].args[target].type
    value = data.draw(hostile(argument_type), label=target)
    for as_literal in (False, True):
        query, variables = operation(field, target, value, as_literal)
        try:
            response = await gql.post(query, variables)
        except ValueError:  # a lone surrogate cannot even be sent as JSON by the client
            continue
        assert response.status_code < 500, (query, response.text[:500])
        codes = [(e.get("extensions") or {}).get("code") for e in response.json().get("errors", [])]
        assert "INTERNAL_SERVER_ERROR" not in codes, (query, variables, response.text[:500])


async def test_a_nul_in_a_variable_is_a_400_naming_the_argument(gql: GraphQLClient) -> None:
    response = await gql.post(
        "query($f: PersonFilter) { persons(filter: $f) { totalCount } }",
        {"f": {"organization": "000.00.00.G09\x00"}},
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "filter.organization"
    assert "NUL" in error["message"]
    assert "data" not in response.json()


async def test_legacy_json_clients_get_the_same_error_with_a_200(gql: GraphQLClient) -> None:
    response = await gql.post("{ staffing(year: 32768) { year } }", accept="application/json")
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["argument"] == "year"


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        (f'{{ persons(after: "{_b64("c1:9223372036854775808")}") {{ totalCount }} }}', "after"),
        (f'{{ persons(last: 1, before: "{_b64("c1:007")}") {{ totalCount }} }}', "before"),
        (f'{{ person(id: "{_b64("v1:Person:9223372036854775808")}") {{ id }} }}', "id"),
        (f'{{ node(id: "{_b64("v1:Nothing:1")}") {{ id }} }}', "id"),
    ],
)
async def test_ids_and_cursors_we_could_never_have_issued_are_a_400(
    gql: GraphQLClient, query: str, argument: str
) -> None:
    response = await gql.post(query)
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": argument,
        "requestId": error["extensions"]["requestId"],
    }


async def test_an_id_of_the_right_shape_without_a_row_is_null(gql: GraphQLClient) -> None:
    missing = global_id.encode("Person", 2**63 - 1)
    data = await gql.data(
        "query($id: ID!) { person(id: $id) { id } node(id: $id) { id } }", {"id": missing}
    )
    assert data == {"person": None, "node": None}


@pytest.mark.parametrize("field", ["persons", "organizations"])
async def test_a_cursor_of_the_right_shape_naming_no_row_is_a_400(
    gql: GraphQLClient, field: str
) -> None:
    never = encode_cursor(2**63 - 1)
    response = await gql.post(f'{{ {field}(first: 5, after: "{never}") {{ totalCount }} }}')
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["argument"] == "after"


async def test_the_last_page_after_a_real_cursor_is_still_served(gql: GraphQLClient) -> None:
    """An issued cursor with nothing after it is an empty page, not an error."""
    last = await gql.data("{ persons(last: 1) { pageInfo { endCursor } } }")
    cursor = last["persons"]["pageInfo"]["endCursor"]
    data = await gql.data(
        "query($c: String) { persons(first: 5, after: $c) { edges { cursor } } }", {"c": cursor}
    )
    assert data["persons"]["edges"] == []
