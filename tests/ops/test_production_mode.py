"""Production mode: introspection refused and "Did you mean" suggestions stripped; demo: both on."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse, specified_rules, validate

from gateway.limits import strip_suggestions, validation_rules


def errors(schema: GraphQLSchema, query: str, production: bool) -> list[str]:
    rules = [*specified_rules, *validation_rules(production)]
    return [error.message for error in validate(schema, parse(query), rules)]


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "Person") { fields { name } } }',
        "{ persons { edges { node { id } } } __schema { queryType { name } } }",
    ],
)
def test_introspection_is_refused_in_production_only(
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
