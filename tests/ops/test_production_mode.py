"""Production mode: the schema undisclosed (`__schema` refused, `__type` finds nothing) and "Did
you mean" suggestions stripped; demo: both on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from graphql import GraphQLSchema, parse, specified_rules, validate
from graphql_client import GraphQLClient
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.limits import strip_suggestions, validation_rules
from gateway.settings import Settings


def errors(schema: GraphQLSchema, query: str, production: bool) -> list[str]:
    rules = [*specified_rules, *validation_rules(production)]
    return [error.message for error in validate(schema, parse(query), rules)]


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        "{ s: __schema { queryType { name } } }",
        "{ ...F } fragment F on Query { __schema { types { name } } }",
        "{ persons { edges { node { id } } } __schema { queryType { name } } }",
    ],
)
def test_schema_introspection_is_refused_in_production_only(
    graphql_schema: GraphQLSchema, query: str
) -> None:
    assert errors(graphql_schema, query, production=False) == []
    refused = errors(graphql_schema, query, production=True)
    assert refused
    assert all("introspection" in message for message in refused)


def test_typename_stays_allowed_in_production(graphql_schema: GraphQLSchema) -> None:
    assert errors(graphql_schema, "{ __typename persons { __typename } }", production=True) == []


def test_suggestions_are_stripped(graphql_schema: GraphQLSchema) -> None:
    [message] = errors(
        graphql_schema, "{ persons { edges { node { fullNam } } } }", production=False
    )
    assert "Did you mean 'fullName'?" in message
    assert strip_suggestions(message) == "Cannot query field 'fullNam' on type 'Person'."


@pytest.mark.parametrize(
    ("message", "stripped"),
    [
        (
            "Unknown argument 'frist' on field 'Query.persons'. Did you mean 'first'?",
            "Unknown argument 'frist' on field 'Query.persons'.",
        ),
        (
            "Value 'CIVIL' does not exist in 'PersonnelCategory' enum."
            " Did you mean the enum value 'CIVIL_SERVANT'?",
            "Value 'CIVIL' does not exist in 'PersonnelCategory' enum.",
        ),
        (
            "Unknown type 'Persn'. Did you mean 'Person', 'PersonEdge', or 'PersonFilter'?",
            "Unknown type 'Persn'.",
        ),
        (  # mid-message: an unknown input-object field, in a literal or a variable
            "Expected value of type 'PersonFilter' not to include unknown field 'nam'."
            " Did you mean 'name'? Found: { nam: 1 }.",
            "Expected value of type 'PersonFilter' not to include unknown field 'nam'."
            " Found: { nam: 1 }.",
        ),
        ("no suggestion here", "no suggestion here"),
    ],
)
def test_every_form_of_suggestion_is_stripped(message: str, stripped: str) -> None:
    assert strip_suggestions(message) == stripped


@pytest_asyncio.fixture
async def production_gql(seeded_store_url: URL, engine: AsyncEngine) -> AsyncIterator[Any]:
    application = create_app(Settings(production=True), seeded_store_url, engine=engine)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            yield GraphQLClient(client, application)


TYPE_LOOKUPS = [
    '{ __type(name: "Person") { name fields { name } } }',
    '{ t: __type(name: "Query") { name } }',
    '{ ...F } fragment F on Query { __type(name: "PersonFilter") { inputFields { name } } }',
]


@pytest.mark.parametrize("query", TYPE_LOOKUPS)
async def test_a_type_lookup_finds_nothing_in_production(
    query: str, production_gql: Any, gql: Any
) -> None:
    """Answered, not refused (the GraphQL-over-HTTP audit's MUST runs a `__type` query), but
    with null: no field, argument or input name of the schema reaches the caller."""
    answer = await production_gql.data(query)
    assert set(answer.values()) == {None}
    demo = await gql.data(query)
    assert None not in demo.values()  # the same lookup finds the type in demo mode
