"""Operation limits, pure: each limit refused with its name and value, normal queries served."""

from __future__ import annotations

import time
from typing import Any

import pytest
from graphql import GraphQLSchema, get_introspection_query, parse, print_ast

from gateway.limits import (
    LIMIT_EXCEEDED,
    LimitChecks,
    Limits,
    check_batch,
    check_limits,
    count_tokens,
    document_tokens,
)

README_QUERY = """{
  persons(first: 5, filter: {name: "nguyen van", categories: [CIVIL_SERVANT]}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      fullName birthDate
      grade { code name }
      salary { scale { code } step coefficient monthlyBaseAmount }
      organization { code name ancestors { name } }
    } }
  }
}"""

# the deepest query the rest of the suite sends (tests/access): depth 9
COLLEAGUES = """query { persons(first: 5) { edges { node { organization {
  persons(first: 2) { edges { node { __typename id religion { name } } } } } } } } }"""

PAGE_OF_100 = """{ persons(first: 100) { edges { node {
  id fullName birthDate gender category status
  grade { code name } salary { step coefficient monthlyBaseAmount }
  organization { code name ancestors { name } }
} } } }"""


def aliases(n: int) -> str:
    return "query { " + " ".join(f"a{i}: __typename" for i in range(n)) + " }"


def nested(depth: int) -> str:
    """organization.parent.parent...: `depth` levels of fields."""
    inner = "code"
    for _ in range(depth - 2):
        inner = f"parent {{ {inner} }}"
    return f'{{ organization(code: "G09") {{ {inner} }} }}'


def fragment_bomb(levels: int) -> str:
    """F_k spreads F_(k-1) twice: 2^levels selections from a few hundred tokens."""
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [f"fragment F{k} on Query {{ ...F{k - 1} ...F{k - 1} }}" for k in range(1, levels)]
    return f"query {{ ...F{levels - 1} }} " + " ".join(fragments)


CIRCULAR_INTROSPECTION = (
    "query cop { __schema { types { fields { type { fields { type { fields { type { fields"
    " { type { name } } } } } } } } } } }"
)

NESTED_CONNECTIONS = (
    "{ organizations(first: 100) { edges { node { "
    "persons(first: 100) { edges { node { id fullName } } } } } } }"
)

UNBOUNDED_LISTS = (
    '{ organization(code: "G09") { children { children { children { '
    "persons { edges { node { id } } } } } } } }"
)

# tests/schema/test_statement_bound.py's DataLoader query: two 100-row pages, cost 5,404
TWO_PAGES = """query($first: Int!) {
  persons(first: $first) { edges { node { fullName grade { name scale { code } } ethnicity { name }
    organization { code name parent { code name parent { code } } ancestors { code } } } } }
  organizations(first: $first, filter: {levels: [PROVINCE]}) { edges { node { code
    children { code } persons(first: 3) { edges { node { fullName organization { code } } } } } } }
}"""

PASSING = {
    "two pages of 100 side by side": (TWO_PAGES, {"first": 100}),
    "the README's first query": (README_QUERY, None),
    "GraphiQL's introspection query": (get_introspection_query(descriptions=True), None),
    "the suite's deepest query (9)": (COLLEAGUES, None),
    "a page of 100 people with their organisation": (PAGE_OF_100, None),
    "15 aliases": (aliases(15), None),
    "depth 10": (nested(10), None),
    "a connection sized by a variable": (
        "query($n: Int) { persons(first: $n) { edges { node { id } } } }",
        {"n": 100},
    ),
}

REFUSED: dict[str, tuple[str, dict[str, Any] | None, str, int]] = {
    "101 aliases": (aliases(101), None, "aliases", 101),
    "depth 12": (nested(12), None, "depth", 12),
    "circular introspection": (CIRCULAR_INTROSPECTION, None, "depth", 11),
    "500 duplicated fields": (
        "query { " + "__typename " * 500 + "}",
        None,
        "fields",
        500,
    ),
    "60 directives": (
        "query { " + "__typename @include(if: true) " * 60 + "}",
        None,
        "directives",
        60,
    ),
    "11 root fields": (
        "{ " + " ".join(f'o{i}: organization(code: "{i}") {{ code }}' for i in range(11)) + " }",
        None,
        "root_fields",
        11,
    ),
    "1001 tokens": ("{ " + "__typename " * 999 + "}", None, "tokens", 1001),
    "100 organisations x 100 people": (NESTED_CONNECTIONS, None, "cost", 30_302),
    "500 x 500 through variables": (
        "query($a: Int, $b: Int) { organizations(first: $a) { edges { node {"
        " persons(first: $b) { edges { node { id } } } } } } }",
        {"a": 500, "b": 500},
        "cost",
        501_502,
    ),
    "500 x 500 through variable defaults": (
        "query($a: Int = 500, $b: Int = 500) { organizations(first: $a) { edges { node {"
        " persons(first: $b) { edges { node { id } } } } } } }",
        None,
        "cost",
        501_502,
    ),
    "lists without first/last (x10 each)": (UNBOUNDED_LISTS, None, "cost", 42_112),
}


@pytest.mark.parametrize("name", PASSING)
def test_normal_operations_pass(name: str, graphql_schema: GraphQLSchema) -> None:
    query, variables = PASSING[name]
    assert check_limits(parse(query), None, variables, Limits(), schema=graphql_schema) is None


@pytest.mark.parametrize("name", REFUSED)
def test_each_limit_refuses_naming_the_limit_and_the_value(
    name: str, graphql_schema: GraphQLSchema
) -> None:
    query, variables, limit, value = REFUSED[name]
    violation = check_limits(parse(query), None, variables, Limits(), schema=graphql_schema)
    assert violation is not None, name
    assert (violation.limit, violation.value) == (limit, value)
    maximum = getattr(Limits(), f"max_{limit}")
    assert violation.maximum == maximum
    assert str(value) in violation.message
    assert f"limit of {maximum}" in violation.message
    assert violation.extensions == {
        "code": LIMIT_EXCEEDED,
        "limit": limit,
        "value": value,
        "maximum": maximum,
    }


def test_the_message_reads_as_a_sentence(graphql_schema: GraphQLSchema) -> None:
    violation = check_limits(parse(nested(12)), None, None, Limits(), schema=graphql_schema)
    assert violation is not None
    assert violation.message == "query depth 12 exceeds the limit of 10"


def test_limits_are_configurable(graphql_schema: GraphQLSchema) -> None:
    strict = Limits(max_depth=4, max_cost=10, max_aliases=0)

    def refused_by(query: str) -> str | None:
        violation = check_limits(parse(query), None, None, strict, schema=graphql_schema)
        return None if violation is None else violation.limit

    assert refused_by(nested(5)) == "depth"
    assert refused_by(aliases(1)) == "aliases"
    assert refused_by("{ persons(first: 20) { edges { node { id } } } }") == "cost"
    assert refused_by("{ persons(first: 2) { edges { node { id } } } }") is None


def test_the_cost_follows_first_last_and_the_default_page_size(
    graphql_schema: GraphQLSchema,
) -> None:
    def cost(query: str, variables: dict[str, Any] | None = None, **limits: int) -> int:
        violation = check_limits(
            parse(query), None, variables, Limits(max_cost=0, **limits), schema=graphql_schema
        )
        assert violation is not None
        assert violation.limit == "cost"
        return violation.value

    people = "{ persons%s { totalCount edges { node { id fullName } } } }"
    # persons 1 + totalCount 1 + edges 1 + N x (node 1 + id 1 + fullName 1)
    assert cost(people % "(first: 10)") == 3 + 10 * 3
    assert cost(people % "(last: 7)") == 3 + 7 * 3
    assert cost(people % "") == 3 + 20 * 3
    assert cost(people % "", default_page_size=50) == 3 + 50 * 3
    assert cost("query($n: Int) { persons(first: $n) { edges { node { id } } } }", {"n": 4}) == (
        2 + 4 * 2
    )
    # a variable of the wrong type is costed as the default page (coercion refuses it later)
    assert cost("query($n: Int) { persons(first: $n) { edges { node { id } } } }", {"n": "x"}) == (
        2 + 20 * 2
    )
    # Organization.children is a plain list: x list_multiplier
    assert cost('{ organization(code: "G09") { children { code } } }') == 2 + 10
    assert cost('{ organization(code: "G09") { children { code } } }', list_multiplier=3) == 2 + 3


def test_without_the_schema_connections_still_multiply() -> None:
    violation = check_limits(parse(NESTED_CONNECTIONS), None, None, Limits())
    assert violation is not None
    assert violation.limit == "cost"
    no_first = (
        "{ persons { edges { node { organization { persons { edges { node { id } } } } } } } }"
    )
    shape = check_limits(parse(no_first), None, None, Limits(max_cost=0))
    assert shape is not None
    assert shape.value == 1 + 1 + 20 * (1 + 1 + 1 + 1 + 20 * 2)


def test_fragments_count_where_they_are_spread(graphql_schema: GraphQLSchema) -> None:
    inline = "{ persons(first: 50) { edges { node { id grade { code name } } } } }"
    spread = (
        "{ persons(first: 50) { ...Page } } fragment Page on PersonConnection {"
        " edges { node { ...P } } } fragment P on Person { id grade { code name } }"
    )
    zero = Limits(max_cost=0)
    a = check_limits(parse(inline), None, None, zero, schema=graphql_schema)
    b = check_limits(parse(spread), None, None, zero, schema=graphql_schema)
    assert a is not None
    assert b is not None
    assert a.value == b.value


def test_a_fragment_bomb_is_measured_without_expanding_it(graphql_schema: GraphQLSchema) -> None:
    started = time.perf_counter()
    violation = check_limits(parse(fragment_bomb(30)), None, None, Limits(), schema=graphql_schema)
    assert time.perf_counter() - started < 0.5
    assert violation is not None
    assert violation.limit == "fields"
    assert violation.value == 2**29


def test_depth_through_fragments_is_absolute(graphql_schema: GraphQLSchema) -> None:
    deep = "parent { " * 8 + "code" + " }" * 8
    query = (
        '{ organization(code: "G09") { parent { ...Deep } } }'
        f" fragment Deep on Organization {{ {deep} }}"
    )
    # organization 1, parent 2, then the fragment's 8 parents and code: 3 to 11
    violation = check_limits(parse(query), None, None, Limits(), schema=graphql_schema)
    assert violation is not None
    assert (violation.limit, violation.value) == ("depth", 11)


def test_only_the_chosen_operation_is_measured(graphql_schema: GraphQLSchema) -> None:
    document = parse("query Small { __typename } query Big " + nested(12))
    assert check_limits(document, "Small", None, Limits(), schema=graphql_schema) is None
    violation = check_limits(document, "Big", None, Limits(), schema=graphql_schema)
    assert violation is not None
    assert violation.limit == "depth"
    # an unknown operation is the endpoint's to answer
    assert check_limits(document, "Nope", None, Limits(), schema=graphql_schema) is None


@pytest.mark.parametrize(
    ("query", "tokens"),
    [
        ("{ a(x: 1) @skip(if: true) { b } }", 18),
        ("# a comment only\n{ a # and another\n }", 3),
        ('{ a(s: """a block\nstring""", t: "x") }', 11),
        (README_QUERY, 60),
    ],
)
def test_tokens_are_counted_by_graphql_cores_lexer(query: str, tokens: int) -> None:
    assert count_tokens(query) == tokens
    assert document_tokens(parse(query)) == tokens  # the parser's token chain agrees
    assert document_tokens(parse(query, no_location=True)) == count_tokens(print_ast(parse(query)))


def test_batches_over_the_limit_are_refused() -> None:
    limits = Limits()
    assert check_batch(1, limits) is None
    refused = check_batch(12, limits)
    assert refused is not None
    assert refused.message == "a batch of 12 operations exceeds the limit of 1"
    assert check_batch(12, Limits(max_batch_operations=20)) is None


def test_limits_come_from_settings() -> None:
    from gateway.settings import Settings

    limits = Limits.from_settings(Settings(max_depth=4, max_cost=99, default_page_size=7))
    assert (limits.max_depth, limits.max_cost, limits.default_page_size) == (4, 99, 7)
    assert limits.max_aliases == Limits().max_aliases


def test_remembered_checks_answer_as_the_walk_for_every_page_size(
    graphql_schema: GraphQLSchema,
) -> None:
    """The endpoint remembers each document's answer per page size: a request that changes only
    its page-size variable is judged again (refused past the cost), one that changes another
    variable keeps the answer, and one whose page size is not a number is still judged."""
    query = """query($n: Int, $name: String) {
      persons(first: $n, filter: {name: $name}) { edges { node { id fullName } } } }"""
    document = parse(query)
    limits = Limits(max_cost=500)
    checks = LimitChecks(limits, graphql_schema)
    requests: list[dict[str, Any]] = [
        {"n": 10, "name": "an"},
        {"n": 10, "name": "binh"},
        {"n": 400, "name": "an"},
        {"n": 10},
        {"n": [1, 2]},
        {"n": 400, "name": "binh"},
    ]
    for _ in range(2):  # the second round answers from memory
        for variables in requests:
            expected = check_limits(document, None, variables, limits, schema=graphql_schema)
            assert checks.check(query, document, None, variables) == expected
    assert checks.check(query, document, None, {"n": 400}) is not None
    assert checks.check(query, document, None, {"n": 10}) is None
