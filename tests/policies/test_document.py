"""Policy documents: checked against the schema at start-up, loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.app import schema_fields
from policies.document import PolicyError, load_policy, policy_gaps
from policies.types import FieldClass, Level, Relation
from schema import schema

SCHEMA = schema_fields(schema)
GRANTS = "grants:\n  central: {outside: sensitive}\n"


def write(tmp_path: Path, classes: str, grants: str = GRANTS) -> Path:
    (tmp_path / "classes.yaml").write_text(classes, encoding="utf-8")
    (tmp_path / "levels.yaml").write_text(grants, encoding="utf-8")
    return tmp_path


def test_the_shipped_policy_classes_every_field_of_the_schema() -> None:
    policy = load_policy(SCHEMA)
    assert policy_gaps(policy, SCHEMA) == []
    assert policy.field_class("Person", "ethnicity") is FieldClass.SENSITIVE
    assert policy.grants[Level.PROVINCE][Relation.OUTSIDE] is FieldClass.PUBLIC


@pytest.mark.parametrize(
    ("classes", "grants", "message"),
    [
        ("classes:\n  Persn: {id: public}\n", GRANTS, "the schema has no type 'Persn'"),
        ("classes:\n  Person: {birthdate: personal}\n", GRANTS, "Person has no such field"),
        ("classes:\n  Person: {id: secret}\n", GRANTS, "unknown class 'secret'"),
        (
            "classes:\n  Person: {id: public}\n",
            "grants:\n  district: {outside: public}\n",
            "unknown level 'district'",
        ),
        (
            "classes:\n  Person: {id: public}\n",
            "grants:\n  central: {cousins: public}\n",
            "unknown relation 'cousins'",
        ),
        ("classes:\n  PageInfo: {endCursor: personal}\n", GRANTS, "must be public"),
        ("classes:\n  Person: {id: public}\nrules: {}\n", GRANTS, "unknown section 'rules'"),
    ],
)
def test_start_up_fails_on_anything_unknown_naming_it(
    tmp_path: Path, classes: str, grants: str, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy(SCHEMA, write(tmp_path, classes, grants))


def test_a_field_missing_from_the_policy_is_reported_as_a_gap(tmp_path: Path) -> None:
    policy = load_policy(SCHEMA, write(tmp_path, "classes:\n  Person: {id: public}\n"))
    gaps = policy_gaps(policy, SCHEMA)
    assert "Person.birthDate" in gaps
    assert "Person.id" not in gaps
