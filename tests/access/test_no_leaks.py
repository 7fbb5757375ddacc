"""Property: whatever the query's shape, no value of a field denied to the caller appears.

Hypothesis writes the queries (aliases, named fragments, inline fragments, nested paths through
organization.persons, connections and node) and picks random callers; every Person object in
every response is checked against the policy for that caller and that person's relation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import schema_fields
from policies.document import load_policy
from policies.engine import CallerView
from policies.types import Caller, Level, Relation
from resolvers import global_id
from resolvers.access import PERSON_TYPES
from schema import schema

POLICY = load_policy(schema_fields(schema))
SCALARS = [
    "fullName",
    "givenName",
    "otherNames",
    "gender",
    "birthDate",
    "birthPlace",
    "homeTown",
    "permanentAddress",
    "currentAddress",
    "personalId",
    "category",
    "status",
    "statusSince",
    "recruitedOn",
    "jobPosition",
    "positionSince",
]
OBJECTS = {
    "ethnicity": ("CodeEntry", ["code", "name"]),
    "religion": ("CodeEntry", ["name"]),
    "grade": ("Grade", ["code", "name"]),
    "position": ("Position", ["name"]),
    "salary": ("Salary", ["step", "coefficient", "monthlyBaseAmount"]),
    "education": ("Education", ["professionalLevel", "politicalTheory", "itSkill"]),
    "performance": ("Performance", ["rating", "year"]),
    "membership": ("Membership", ["partyJoinedOn", "tradeUnionJoinedOn"]),
    "provenance": ("Provenance", ["source", "contentHash"]),
}
SEP = "__"  # aliases are written `<field>__<n>`, so the response key names the field


@st.composite
def person_selection(draw: st.DrawFn) -> str:
    parts = ["__typename", "id"]
    for index, name in enumerate(draw(st.lists(st.sampled_from(SCALARS), max_size=6))):
        parts.append(f"{name}{SEP}{index}: {name}" if draw(st.booleans()) else name)
    for name in draw(st.lists(st.sampled_from(sorted(OBJECTS)), max_size=3, unique=True)):
        _, inner = OBJECTS[name]
        chosen = draw(st.lists(st.sampled_from(inner), min_size=1, max_size=2, unique=True))
        parts.append(f"{name} {{ {' '.join(chosen)} }}")
    if draw(st.booleans()):
        parts.append("...Extra")
    if draw(st.booleans()):
        parts.append(f"... on Person {{ {draw(st.sampled_from(SCALARS))} }}")
    return " ".join(parts)


@st.composite
def operation(draw: st.DrawFn, codes: list[str], people: list[int]) -> str:
    sel = draw(person_selection())
    extra = draw(st.sampled_from(SCALARS))
    size = draw(st.integers(1, 6))
    code = draw(st.sampled_from(codes))
    person = draw(st.sampled_from(people))
    shape = draw(st.integers(0, 4))
    if shape == 0:
        body = f"persons(first: {size}) {{ edges {{ node {{ {sel} }} }} }}"
    elif shape == 1:
        body = (
            f'persons(first: {size}, filter: {{organization: "{code}"}}) '
            f"{{ edges {{ node {{ {sel} }} }} }}"
        )
    elif shape == 2:
        body = f'node(id: "{person}") {{ ... on Person {{ {sel} }} }}'
    elif shape == 3:
        body = (
            f'organization(code: "{code}") {{ children {{ persons(first: {size}) '
            f"{{ edges {{ node {{ {sel} }} }} }} }} "
            f"persons(first: 2) {{ edges {{ node {{ {sel} }} }} }} }}"
        )
    else:
        body = (
            f"persons(first: {size}) {{ edges {{ node {{ organization {{ persons(first: 2) "
            f"{{ edges {{ node {{ {sel} }} }} }} }} }} }} }}"
        )
    alias = draw(st.sampled_from(["", "a: ", "b: "]))
    fragment = f" fragment Extra on Person {{ {extra} }}" if "...Extra" in sel else ""
    return f"query {{ {alias}{body} }}{fragment}"


@st.composite
def callers(draw: st.DrawFn, codes: list[str], personal_ids: list[str]) -> Caller:
    level = draw(st.sampled_from(list(Level)))
    if level is Level.PUBLIC:
        return Caller(level)
    if level is Level.SELF:
        return Caller(level, subject=draw(st.sampled_from(personal_ids)))
    purposes = draw(
        st.frozensets(st.sampled_from(["statistics", "insurance-reconciliation", "nothing"]))
    )
    return Caller(level, organization=draw(st.sampled_from(codes)), purposes=purposes)


def relation(world: Any, caller: Caller, person_id: int) -> Relation:
    """The caller's relation to a person, worked out from the store independently."""
    personal_id, organization_id = world.places[person_id]
    if caller.level is Level.SELF:
        return Relation.SELF if personal_id == caller.subject else Relation.OUTSIDE
    if caller.organization is None or caller.level is Level.PARTNER:
        return Relation.OUTSIDE
    if organization_id == world.code_ids[caller.organization]:
        return Relation.SAME_UNIT
    if organization_id in world.subtrees[caller.organization]:
        return Relation.SUBTREE
    return Relation.OUTSIDE


def field_of(key: str) -> str:
    return key.split(SEP)[0]


def check(node: Any, view: CallerView, world: Any, caller: Caller, seen: list[int]) -> None:
    """Walk the response; every Person must show no denied field's value."""
    if isinstance(node, list):
        for item in node:
            check(item, view, world, caller, seen)
        return
    if not isinstance(node, dict):
        return
    if node.get("__typename") == "Person":
        _, key = global_id.decode(node["id"])
        at = relation(world, caller, key)
        seen.append(key)
        for response_key, value in node.items():
            if response_key in ("__typename", "id"):
                continue
            name = field_of(response_key)
            if not view.allows("Person", name, at):
                assert value is None, (caller, name, at)
            elif isinstance(value, dict) and name in OBJECTS:
                inner_type = OBJECTS[name][0]
                if inner_type in PERSON_TYPES:
                    for inner, inner_value in value.items():
                        if not view.allows(inner_type, inner, at):
                            assert inner_value is None, (caller, name, inner, at)
    for value in node.values():
        check(value, view, world, caller, seen)


# Strategies draw placeholders; the test puts the seeded store's codes and people in their
# place, so that generation never depends on the database (Hypothesis replays it exactly).
CODES = ["@C0@", "@C1@", "@C2@", "@C3@"]
PEOPLE = ["@P0@", "@P1@"]
SUBJECTS = ["@S0@", "@S1@"]


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(caller=callers(CODES, SUBJECTS), query=operation(CODES, PEOPLE))
async def test_no_denied_value_ever_appears(
    as_caller: Callable[[Caller | None], Any], world: Any, caller: Caller, query: str
) -> None:
    values = {
        "@C0@": world.province,
        "@C1@": world.other_province,
        "@C2@": world.insider.org,
        "@C3@": world.outsider.org,
        "@P0@": global_id.encode("Person", world.insider.id),
        "@P1@": global_id.encode("Person", world.outsider.id),
        "@S0@": world.insider.personal_id,
        "@S1@": world.outsider.personal_id,
    }
    for placeholder, value in values.items():
        query = query.replace(placeholder, value)
    caller = replace(
        caller,
        organization=values.get(caller.organization or "", caller.organization),
        subject=values.get(caller.subject or "", caller.subject),
    )
    body = (await as_caller(None if caller.level is Level.PUBLIC else caller).post(query)).json()
    assert "data" in body, body
    for error in body.get("errors", []):
        # denials, and filters refused for the same reason: never a crash
        assert error["extensions"]["code"] == "FORBIDDEN", error
    check(body["data"], CallerView(POLICY, caller), world, caller, [])
