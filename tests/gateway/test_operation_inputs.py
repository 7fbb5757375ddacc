from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.operation_inputs import InputProblem, input_problem
from schema import schema


def problem(query: str, variables: dict[str, Any] | None = None) -> InputProblem | None:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return input_problem(schema._schema, operation, fragments, variables)


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        ('{ organization(code: "G09\\u0000") { name } }', None, "code"),
        ("query($c: String!) { organization(code: $c) { name } }", {"c": "G\x0009"}, "code"),
        ('{ persons(filter: {name: "an\\u0000"}) { totalCount } }', None, "filter.name"),
        (
            'query($g: String!) { persons(filter: {grades: ["01.003", $g]}) { totalCount } }',
            {"g": "x" * 36},
            "filter.grades",
        ),
        (
            "query($f: PersonFilter) { persons(filter: $f) { totalCount } }",
            {"f": {"organization": "\x00"}},
            "filter.organization",
        ),
        ("{ staffing(year: 40000) { year } }", None, "year"),
        ('{ headcountTrend(until: "0001-01-01") { month } }', None, "until"),
        (
            "{ ...F } fragment F on Query { organizations(first: 1) { edges { node {"
            ' persons(after: "\\u0000") { totalCount } } } } }',
            None,
            "after",
        ),
        (
            'mutation { setStaffingQuota(orgCode: "G09", year: 99, civilServants: 1,'
            " publicEmployees: 1, contractStaff: 1) { year } }",
            None,
            "year",
        ),
    ],
)
def test_the_first_value_the_store_cannot_hold_is_named_by_its_argument(
    query: str, variables: dict[str, Any] | None, argument: str
) -> None:
    found = problem(query, variables)
    assert found is not None
    assert found.argument == argument
    assert found.error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


def test_ordinary_values_pass() -> None:
    query = """query($f: PersonFilter, $after: String) {
      persons(filter: $f, first: 20, after: $after) { totalCount }
      staffing(year: 2026) { year }
      headcountTrend(until: "2026-06-30", months: 12) { month }
    }"""
    variables = {"f": {"name": "nguyễn văn", "grades": ["01.003"]}, "after": "YzE6MQ"}
    assert problem(query, variables) is None


def test_variables_that_do_not_coerce_are_left_to_execution_to_report() -> None:
    assert problem("query($y: Int!) { staffing(year: $y) { year } }", {"y": "x"}) is None
