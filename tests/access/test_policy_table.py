"""Every field of the schema, for every level and relation: visible exactly when the policy says.

The table is generated from the schema, so a new field without a class in policies/ fails here
(policy gaps), and a field whose masking does not follow its class fails for the row it leaks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import schema_fields
from policies.document import load_policy, policy_gaps
from policies.engine import CallerView
from policies.types import Caller, Level, Relation
from resolvers import global_id
from resolvers.access import PERSON_TYPES
from schema import schema

POLICY = load_policy(schema_fields(schema))
GRAPHQL = schema._schema


def test_every_field_of_the_schema_has_a_class() -> None:
    assert policy_gaps(POLICY, schema_fields(schema)) == []


def selection(type_name: str, depth: int = 0) -> str:
    """Every field of a type: leaves by name, objects with their own leaves (one level down)."""
    graphql_type = GRAPHQL.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    parts = []
    for name, field in graphql_type.fields.items():
        if any(arg.type.__class__.__name__ == "GraphQLNonNull" for arg in field.args.values()):
            continue
        target = get_named_type(field.type)
        if is_leaf_type(target):
            parts.append(name)
        elif depth < 1 and target.name.endswith("Connection"):  # the dossier's lists
            assert isinstance(target, GraphQLObjectType)
            node = get_named_type(target.fields["edges"].type).fields["node"].type  # type: ignore[attr-defined]
            parts.append(
                f"{name} {{ edges {{ node {{ {selection(get_named_type(node).name, 1)} }} }} }}"
            )
        elif depth < 1 and isinstance(target, GraphQLObjectType):
            inner = selection(target.name, depth + 1)
            if inner:
                parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


PERSON_QUERY = f"query($id: ID!) {{ person(id: $id) {{ {selection('Person')} }} }}"


LEVEL_ORGANIZATIONS = {
    Level.CENTRAL: "o.code = '000.00.00.G09'",  # MOHA: central names it or the Government
    Level.MINISTRY: "o.level = 'ministry'",
    Level.PROVINCE: "o.level = 'province'",
    Level.COMMUNE: "o.level = 'commune'",
    Level.UNIT: "o.level = 'unit'",
    Level.SELF: "o.level = 'province'",
    Level.PARTNER: "o.level = 'province'",
    Level.PUBLIC: "o.level = 'province'",
}
"""Where a caller of each level stands: an organisation its token may name (containment)."""


async def places(engine: AsyncEngine, level: Level) -> dict[str, Any]:
    """An organisation of the caller's level with staff of its own and below it, and people
    at every relation."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT o.code, o.id, "
                    " (SELECT p.id FROM person p WHERE p.organization_id = o.id LIMIT 1) AS same,"
                    " (SELECT p.id FROM person p JOIN organization d ON d.id = p.organization_id"
                    "   WHERE d.path LIKE o.path || '_%' LIMIT 1) AS below,"
                    " (SELECT p.id FROM person p JOIN organization d ON d.id = p.organization_id"
                    "   WHERE d.path NOT LIKE o.path || '%' LIMIT 1) AS outside"
                    " FROM organization o WHERE o.status = 'active'"
                    f" AND {LEVEL_ORGANIZATIONS[level]}"
                    " ORDER BY o.code"
                )
            )
        ).all()
        found = {
            relation: next(r for r in row if getattr(r, column))
            for relation, column in (
                (Relation.SAME_UNIT, "same"),
                (Relation.SUBTREE, "below"),
                (Relation.OUTSIDE, "outside"),
            )
            if any(getattr(r, column) for r in row)
        }
        personal_id = (
            (
                await conn.execute(
                    text("SELECT personal_id FROM person WHERE id = :id"),
                    {"id": found[Relation.SAME_UNIT].same},
                )
            ).scalar_one()
            if Relation.SAME_UNIT in found
            else None
        )
    return {
        "org": {relation: r.code for relation, r in found.items()},
        "same": found[Relation.SAME_UNIT].same if Relation.SAME_UNIT in found else None,
        "below": found[Relation.SUBTREE].below,
        "outside": found[Relation.OUTSIDE].outside,
        "self_personal_id": personal_id,
    }


CASES = [
    (Level.PUBLIC, Relation.OUTSIDE),
    (Level.PARTNER, Relation.OUTSIDE),
    (Level.SELF, Relation.SELF),
    (Level.SELF, Relation.OUTSIDE),
    *[
        (level, relation)
        for level in (Level.CENTRAL, Level.MINISTRY, Level.PROVINCE, Level.COMMUNE, Level.UNIT)
        for relation in (Relation.SAME_UNIT, Relation.SUBTREE, Relation.OUTSIDE)
        # a central token names MOHA or the Government, and neither employs anyone directly
        # in the seeded tree: central's same_unit grant is the same as its subtree's
        if (level, relation) != (Level.CENTRAL, Relation.SAME_UNIT)
    ],
]


@pytest.mark.parametrize(("level", "relation"), CASES, ids=lambda v: str(v.value))
async def test_each_field_is_visible_exactly_when_the_policy_grants_it(
    as_caller: Callable[[Caller | None], Any], engine: AsyncEngine, level: Level, relation: Relation
) -> None:
    where = await places(engine, level)
    person = {
        Relation.SAME_UNIT: where["same"],
        Relation.SELF: where["same"],
        Relation.SUBTREE: where["below"],
        Relation.OUTSIDE: where["outside"],
    }[relation]
    caller = Caller(
        level,
        organization=None
        if level in (Level.PUBLIC, Level.SELF)
        else where["org"].get(relation, where["org"][Relation.OUTSIDE]),
        subject=where["self_personal_id"] if level is Level.SELF else None,
        purposes=frozenset({"statistics"}) if level is Level.PARTNER else frozenset(),
    )
    response = await as_caller(None if level is Level.PUBLIC else caller).post(
        PERSON_QUERY, {"id": global_id.encode("Person", person)}
    )
    body = response.json()
    forbidden = {
        tuple(e["path"][1:])
        for e in body.get("errors", [])
        if e["extensions"]["code"] == "FORBIDDEN"
    }
    # live fields may also fail for want of a source; never for any other reason
    assert all(
        e["extensions"]["code"] in {"FORBIDDEN", "SOURCE_UNAVAILABLE"}
        for e in body.get("errors", [])
    ), body
    view = CallerView(POLICY, caller)
    data = body["data"]["person"]
    checked = 0
    for field_name, value in data.items():
        visible = view.allows("Person", field_name, relation)
        assert ((field_name,) not in forbidden) is visible, (field_name, relation)
        if not visible:
            assert value is None
        target = get_named_type(GRAPHQL.type_map["Person"].fields[field_name].type)  # type: ignore[attr-defined]
        if visible and isinstance(value, dict) and target.name in PERSON_TYPES:
            for inner, inner_value in value.items():
                inner_visible = view.allows(target.name, inner, relation)
                assert ((field_name, inner) not in forbidden) is inner_visible, (field_name, inner)
                if not inner_visible:
                    assert inner_value is None
                checked += 1
        checked += 1
    assert checked >= len(GRAPHQL.type_map["Person"].fields)  # type: ignore[attr-defined]


# Arguments that let every root field run without changing anything: where a field is
# allowed it answers (or refuses the argument with BAD_USER_INPUT), never FORBIDDEN.
ROOT_ARGUMENTS = {
    "node": '(id: "djE6T3JnYW5pemF0aW9uOjE")',
    "person": '(id: "djE6UGVyc29uOjE")',
    "organization": '(code: "000.00.00.G09")',
    "agencyScorecard": '(code: "000.00.00.G09")',
    "statistics": "(groupBy: [CATEGORY])",
    "syncCorrections": "(first: 1)",
    "staffing": "(year: 2026)",
    "grantConsent": (
        '(organizationCode: "no.such.code", purpose: "x", validUntil: "2030-01-01T00:00:00Z")'
    ),
    "revokeConsent": '(id: "0")',
    "setStaffingQuota": (
        '(orgCode: "no.such.code", year: 2026, civilServants: 0, publicEmployees: 0,'
        " contractStaff: 0)"
    ),
}


def root_operation(root: str, name: str) -> str:
    field = GRAPHQL.type_map[root].fields[name]  # type: ignore[attr-defined]
    leaf = is_leaf_type(get_named_type(field.type))
    selection = "" if leaf else " { __typename }"
    return f"{root.lower()} {{ {name}{ROOT_ARGUMENTS.get(name, '')}{selection} }}"


@pytest.mark.parametrize("root", ["Query", "Mutation"])
@pytest.mark.parametrize("level", list(Level), ids=lambda v: str(v.value))
async def test_each_root_field_is_callable_exactly_by_the_levels_its_operation_lists(
    as_caller: Callable[[Caller | None], Any], engine: AsyncEngine, level: Level, root: str
) -> None:
    where = await places(engine, level)
    caller = Caller(
        level,
        organization=None
        if level in (Level.PUBLIC, Level.SELF)
        else where["org"][Relation.OUTSIDE],
        subject=where["self_personal_id"] if level is Level.SELF else None,
    )
    client = as_caller(None if level is Level.PUBLIC else caller)
    view = CallerView(POLICY, caller)
    refused = []
    for name in GRAPHQL.type_map[root].fields:  # type: ignore[attr-defined]
        body = (await client.post(root_operation(root, name))).json()
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert codes <= {"FORBIDDEN", "BAD_USER_INPUT"}, body
        forbidden = [
            e["path"] for e in body.get("errors", []) if e["extensions"].get("rule") == "operations"
        ]
        assert (forbidden == [[name]]) is not view.may_call(root, name), (level, name, body)
        if forbidden:
            refused.append(name)
    assert refused or (level, root) in {(Level.CENTRAL, "Mutation"), (Level.SELF, "Mutation")}
