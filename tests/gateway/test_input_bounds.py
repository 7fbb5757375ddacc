from datetime import date, datetime

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type

from gateway.input_bounds import BOUNDS, IntBound, TextBound, value_problem
from schema import schema


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("code", "000.00.00.G09", None),
        ("code", "000\x0000", "NUL"),
        ("name", "Nguyễn Văn An", None),
        ("name", "a\ud800b", "lone surrogate"),
        ("code", "x" * 36, "at most 35"),
        ("search", "x" * 1000, None),
        ("search", "x" * 1001, "at most 1000"),
        ("after", "Y" * 101, "at most 100"),
        ("year", 2026, None),
        ("year", 1899, "between 1900 and 2200"),
        ("referenceYear", 32767, "between 1900 and 2200"),
        ("civilServants", -1, "between 0"),
        ("first", 5, None),
        ("until", date(2026, 1, 31), None),
        ("until", date(1, 1, 1), "between 1900-01-01 and 2200-12-31"),
        ("validUntil", datetime(9999, 12, 31, 23, 59), "between 1900-01-01"),
        ("includeSubtree", True, None),
        ("anUnlistedString", "\x00", "NUL"),
    ],
)
def test_each_value_the_store_cannot_hold_has_a_reason(
    name: str, value: object, problem: str | None
) -> None:
    found = value_problem(name, value)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def _leaf_names() -> dict[str, str]:
    """Every argument and input field of the schema whose leaf is a String, ID or Int."""
    names: dict[str, str] = {}
    for graphql_type in schema._schema.type_map.values():
        if graphql_type.name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLObjectType):
            pairs = [(a, d.type) for f in graphql_type.fields.values() for a, d in f.args.items()]
        elif isinstance(graphql_type, GraphQLInputObjectType):
            pairs = [(n, f.type) for n, f in graphql_type.fields.items()]
        else:
            continue
        for name, input_type in pairs:
            leaf = get_named_type(input_type).name
            if leaf in {"String", "ID", "Int"}:
                names[name] = leaf
    return names


def test_every_string_and_int_argument_of_the_schema_has_a_bound_of_its_kind() -> None:
    """A new argument without a row in BOUNDS fails here, not in production."""
    for name, leaf in _leaf_names().items():
        assert name in BOUNDS, f"{name} ({leaf}) has no bound in gateway/input_bounds.py"
        expected = IntBound if leaf == "Int" else TextBound
        assert isinstance(BOUNDS[name], expected), f"{name} is a {leaf}"
