"""Policy documents: checked against the schema at start-up, loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.app import schema_fields, schema_links
from policies.document import PolicyError, load_policy, policy_gaps, revealing_paths
from policies.types import FieldClass, Level, Relation
from schema import schema

SCHEMA = schema_fields(schema)
GRANTS = """grants:
  public: {outside: public}
  partner: {outside: public}
  self: {self: sensitive, outside: public}
  central: {same_unit: sensitive, subtree: sensitive, outside: sensitive}
  ministry: {same_unit: sensitive, subtree: sensitive, outside: public}
  province: {same_unit: sensitive, subtree: sensitive, outside: public}
  commune: {same_unit: sensitive, subtree: sensitive, outside: public}
  unit: {same_unit: sensitive, subtree: sensitive, outside: public}
"""


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
            GRANTS + "  district: {outside: public}\n",
            "unknown level 'district'",
        ),
        (
            "classes:\n  Person: {id: public}\n",
            GRANTS.replace("unit: {same_unit", "unit: {cousins: public, same_unit"),
            "unknown relation 'cousins'",
        ),
        ("classes:\n  PageInfo: {endCursor: personal}\n", GRANTS, "must be public"),
        ("classes:\n  Person: {id: public}\nrules: {}\n", GRANTS, "unknown section 'rules'"),
        (
            "classes:\n  Person: {id: public}\n",
            GRANTS.replace("  partner: {outside: public}\n", ""),
            r"grants.partner: no grant for outside",
        ),
        (
            "classes:\n  Person: {id: public}\n",
            GRANTS.replace("commune: {same_unit: sensitive, ", "commune: {"),
            r"grants.commune: no grant for same_unit",
        ),
        (
            "classes:\n  Person: {id: public}\n"
            "operations:\n  Query: {persons: {levels: [mayor]}}\n",
            GRANTS,
            "unknown level 'mayor'",
        ),
        (
            "classes:\n  Person: {id: public}\noperations:\n  Query: {people: {levels: all}}\n",
            GRANTS,
            "Query has no such field",
        ),
        (
            "classes:\n  Person: {id: public}\nreveals:\n  Person.grade.scale: Salary.nothing\n",
            GRANTS,
            "neither a class nor a classed field",
        ),
        (
            "classes:\n  Person: {id: public}\nreveals:\n  Grade.scale: sensitive\n",
            GRANTS,
            "starts at a type masked row by row",
        ),
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


def test_a_root_field_without_an_operations_entry_is_a_gap(tmp_path: Path) -> None:
    classes = "classes:\n  Query: {persons: public, me: public}\n"
    operations = "operations:\n  Query: {me: {levels: all}}\n"
    policy = load_policy(SCHEMA, write(tmp_path, classes + operations))
    gaps = policy_gaps(policy, SCHEMA)
    assert "Query.persons" in gaps
    assert "Query.me" not in gaps


def shipped_without(tmp_path: Path, name: str) -> Path:
    for path in Path("policies").glob("*.yaml"):
        if path.name != name:
            (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_a_code_list_reached_like_a_higher_class_path_stops_the_start(tmp_path: Path) -> None:
    # without derived.yaml, grade { scale } would give away the person's (sensitive) salary
    # scale through the public code list: the start must refuse, naming the path
    links = schema_links(schema)
    with pytest.raises(PolicyError, match=r"Person\.grade\.scale reaches SalaryScale"):
        load_policy(SCHEMA, shipped_without(tmp_path, "derived.yaml"), links=links)
    shipped = load_policy(SCHEMA, links=links)
    assert shipped.reveals[("Person", "grade", "scale")].field == ("Salary", "scale")


def test_only_entries_with_an_identity_link_the_paths_that_reach_them() -> None:
    """A code list (it has a `code`) reached from a personal and a sensitive field links them;
    a value object without identity (a dossier entry's provenance) does not, though the walk
    still finds the code lists behind it."""
    links = {
        "Person": {"family": "Entry", "discipline": "Entry2", "grade": "Grade"},
        "Entry": {"provenance": "EntrySource"},
        "Entry2": {"provenance": "EntrySource"},
        "EntrySource": {"source": "Grade"},
    }
    classes = {
        "Person": {
            "family": FieldClass.PERSONAL,
            "discipline": FieldClass.SENSITIVE,
            "grade": FieldClass.PUBLIC,
        }
    }
    fields = {"Grade": ["code", "name"], "EntrySource": ["source", "version"], "Entry": ["name"]}
    reached = revealing_paths(links, classes, fields)
    assert "EntrySource" not in reached
    assert "Entry" not in reached
    assert {cls for _path, cls in reached["Grade"]} == {
        FieldClass.PUBLIC,
        FieldClass.PERSONAL,
        FieldClass.SENSITIVE,
    }
    assert "EntrySource" in revealing_paths(links, classes)  # without the schema, every type
