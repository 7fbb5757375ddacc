"""What each caller sees, per relation: the policy compiled for one caller."""

from __future__ import annotations

import pytest

from gateway.app import schema_fields
from policies.document import load_policy
from policies.engine import CallerView
from policies.types import Caller, Level, Relation
from schema import schema

POLICY = load_policy(schema_fields(schema))


def view(level: Level, *purposes: str) -> CallerView:
    return CallerView(POLICY, Caller(level, organization="X", purposes=frozenset(purposes)))


@pytest.mark.parametrize(
    ("level", "relation", "field", "visible"),
    [
        (Level.PUBLIC, Relation.OUTSIDE, "fullName", True),
        (Level.PUBLIC, Relation.OUTSIDE, "birthDate", False),
        (Level.CENTRAL, Relation.OUTSIDE, "ethnicity", True),
        (Level.PROVINCE, Relation.SUBTREE, "religion", True),
        (Level.PROVINCE, Relation.OUTSIDE, "grade", False),
        (Level.PROVINCE, Relation.OUTSIDE, "jobPosition", True),
        (Level.UNIT, Relation.SAME_UNIT, "salary", True),
        (Level.SELF, Relation.SELF, "membership", True),
        (Level.SELF, Relation.OUTSIDE, "personalId", False),
        (Level.PARTNER, Relation.OUTSIDE, "personalId", False),
    ],
)
def test_visibility_follows_level_and_relation(
    level: Level, relation: Relation, field: str, visible: bool
) -> None:
    assert view(level).allows("Person", field, relation) is visible


def test_a_partner_sees_exactly_the_fields_of_its_purposes_beyond_public() -> None:
    partner = view(Level.PARTNER, "insurance-reconciliation")
    assert partner.allows("Person", "personalId", Relation.OUTSIDE)
    assert partner.allows("Person", "birthDate", Relation.OUTSIDE)
    assert not partner.allows("Person", "ethnicity", Relation.OUTSIDE)
    assert not partner.allows("Person", "currentAddress", Relation.OUTSIDE)


def test_consent_widens_to_personal_and_never_to_sensitive() -> None:
    province = view(Level.PROVINCE)
    assert not province.allows("Person", "birthDate", Relation.OUTSIDE)
    assert province.allows("Person", "birthDate", Relation.OUTSIDE, consent=True)
    assert not province.allows("Person", "religion", Relation.OUTSIDE, consent=True)


def test_masked_sets_are_the_complement_of_what_is_allowed() -> None:
    province = view(Level.PROVINCE)
    masked = province.masked("Person", Relation.OUTSIDE)
    assert "birthDate" in masked
    assert "fullName" not in masked
    assert province.masked("Person", Relation.SUBTREE) == frozenset()


def test_filters_need_the_right_to_see_their_field() -> None:
    province = view(Level.PROVINCE)
    assert province.may_filter("PersonFilter.name", Relation.OUTSIDE)
    assert not province.may_filter("PersonFilter.grades", Relation.OUTSIDE)
    assert province.may_filter("PersonFilter.grades", Relation.SUBTREE)
    assert not province.may_filter("PersonFilter.unknown", Relation.SUBTREE)


def test_a_grades_scale_is_masked_wherever_the_salary_is() -> None:
    # the grade fixes the salary scale: grade { scale } gives the salary scale away
    statistics_partner = view(Level.PARTNER, "statistics")
    assert statistics_partner.allows("Person", "grade", Relation.OUTSIDE)
    assert not statistics_partner.allows("Salary", "scale", Relation.OUTSIDE)
    assert "scale" in statistics_partner.masked_paths(Relation.OUTSIDE)[("Person", "grade")]
    province = view(Level.PROVINCE)
    assert province.masked_paths(Relation.SUBTREE) == {}
    # consent widens to personal, and a grade's scale reveals sensitive data: still masked
    assert "scale" in province.masked_paths(Relation.OUTSIDE, consent=True)[("Person", "grade")]


def test_a_posts_allowance_is_masked_wherever_pay_is() -> None:
    public = view(Level.PUBLIC)
    assert public.allows("Person", "position", Relation.OUTSIDE)
    assert public.masked_paths(Relation.OUTSIDE)[("Person", "position")] == {"allowanceCoefficient"}


def test_grouping_or_filtering_by_grade_needs_the_salary_too() -> None:
    statistics_partner = view(Level.PARTNER, "statistics")
    assert statistics_partner.allows("Person", "grade", Relation.OUTSIDE)
    assert not statistics_partner.may_reveal("Person", "grade", Relation.OUTSIDE)
    assert not statistics_partner.may_filter("PersonFilter.grades", Relation.OUTSIDE)
    assert statistics_partner.may_reveal("Person", "category", Relation.OUTSIDE)
    assert view(Level.UNIT).may_reveal("Person", "grade", Relation.SAME_UNIT)


@pytest.mark.parametrize(
    ("level", "root", "field", "allowed"),
    [
        (Level.CENTRAL, "Query", "auditLog", True),
        (Level.PROVINCE, "Query", "auditLog", False),
        (Level.SELF, "Query", "auditLog", False),
        (Level.SELF, "Query", "myAccessLog", True),
        (Level.CENTRAL, "Query", "myAccessLog", False),
        (Level.PUBLIC, "Query", "sources", False),
        (Level.PARTNER, "Query", "sources", True),
        (Level.PUBLIC, "Query", "persons", True),
        (Level.UNIT, "Mutation", "setStaffingQuota", False),
        (Level.CENTRAL, "Mutation", "setStaffingQuota", True),
        (Level.SELF, "Mutation", "grantConsent", True),
        (Level.COMMUNE, "Query", "syncRuns", False),
        (Level.CENTRAL, "Query", "noSuchField", False),
    ],
)
def test_root_fields_follow_the_operations_section(
    level: Level, root: str, field: str, allowed: bool
) -> None:
    caller = view(level)
    assert caller.may_call(root, field) is allowed
    assert (field in caller.operations[root]) is allowed
