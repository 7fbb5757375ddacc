"""The field catalogue is the truth: the store, the schema and the policies must agree with it.

`disagreements()` lists every difference (a field one side has and the other lacks, a type, a
mandatory-ness, a code list or a class that differs); the real catalogue has none, and a
catalogue changed in any of those ways has exactly the difference made.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLSchema, get_named_type
from sqlalchemy import CheckConstraint, Date, Numeric, SmallInteger, String, Table, Text
from sqlalchemy.sql.sqltypes import BigInteger, Integer

from gateway.app import schema_fields
from policies.document import Policy, load_policy
from schema import schema
from schema.dossier import DOSSIER_LISTS
from store import dossier_vocabulary, vocabulary
from store.metadata import metadata
from vocabulary.dossier_catalogue import (
    Catalogue,
    CatalogueError,
    CatalogueSection,
    dossier_catalogue,
    parse,
)

PROVENANCE_COLUMNS = {"id", "person_id", "source_id", "source_record_id", "source_version"} | {
    "synced_at"
}
SQL_TYPES: dict[str, tuple[type, ...]] = {
    "text": (Text, String),
    "date": (Date,),
    "year": (SmallInteger,),
    "integer": (SmallInteger, Integer),
    "decimal": (Numeric,),
    "code": (String,),
    "reference": (String, BigInteger),
}
ENUMS = {**dossier_vocabulary.CODE_LISTS} | {
    name: getattr(vocabulary, name)
    for name in dir(vocabulary)
    if isinstance(getattr(vocabulary, name), type) and name[0].isupper()
}


def _check_texts(table: Table) -> str:
    return " ".join(str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint))


def store_disagreements(catalogue: Catalogue, tables: Mapping[str, Table]) -> list[str]:
    found = []
    for section in catalogue.sections:
        table = tables.get(section.table)
        if table is None:
            found.append(f"store: no table {section.table}")
            continue
        for field in section.fields:
            where = f"store: {section.table}.{field.column}"
            column = table.c.get(field.column)
            if column is None:
                found.append(f"{where} missing")
                continue
            if not isinstance(column.type, SQL_TYPES[field.type]):
                found.append(f"{where} is {column.type}, the catalogue says {field.type}")
            if column.nullable == field.mandatory:
                found.append(f"{where} nullable={column.nullable}, mandatory={field.mandatory}")
            if field.type == "code":
                enum = ENUMS.get(str(field.code_list))
                checks = _check_texts(table)
                if enum is None:
                    found.append(f"{where}: no code list {field.code_list}")
                elif field.column not in checks or any(
                    f"'{member.value}'" not in checks for member in enum
                ):
                    found.append(f"{where}: no CHECK limits it to {field.code_list}")
            if field.type == "reference" and not column.foreign_keys:
                found.append(f"{where}: a reference without a foreign key")
        if section.person_field is not None:
            stored = {c.name for c in table.columns} - PROVENANCE_COLUMNS
            listed = {f.column for f in section.fields}
            found += [
                f"store: {section.table}.{c} is not in the catalogue" for c in stored - listed
            ]
            found += [
                f"store: {section.table} lacks provenance {c}"
                for c in PROVENANCE_COLUMNS - {c.name for c in table.columns}
            ]
    return found


def _object(graphql: GraphQLSchema, name: str) -> GraphQLObjectType | None:
    found = graphql.type_map.get(name)
    return found if isinstance(found, GraphQLObjectType) else None


def schema_disagreements(catalogue: Catalogue, graphql: GraphQLSchema) -> list[str]:
    found = []
    person = _object(graphql, "Person")
    assert person is not None
    for section in catalogue.sections:
        graphql_type = _object(graphql, section.graphql_type)
        if graphql_type is None:
            found.append(f"schema: no type {section.graphql_type}")
            continue
        for field in section.fields:
            where = f"schema: {section.graphql_type}.{field.graphql}"
            if field.graphql not in graphql_type.fields:
                found.append(f"{where} missing")
            elif section.person_field is not None and field.mandatory != isinstance(
                graphql_type.fields[field.graphql].type, GraphQLNonNull
            ):
                found.append(f"{where}: non-null must match mandatory={field.mandatory}")
        if section.person_field is not None:
            listed = {f.graphql for f in section.fields}
            found += [
                f"schema: {section.graphql_type}.{name} is not in the catalogue"
                for name in set(graphql_type.fields) - listed - {"provenance"}
            ]
            lead = person.fields.get(section.person_field)
            if (
                lead is None
                or get_named_type(lead.type).name != f"{section.graphql_type}Connection"
            ):
                found.append(f"schema: Person.{section.person_field} is not its connection")
    return found


def _lead(section: CatalogueSection, graphql_field: str) -> tuple[str, str]:
    """The (type, field) whose class decides a field's visibility."""
    if section.person_field is not None:
        return ("Person", section.person_field)
    return (section.graphql_type, graphql_field)


def policy_disagreements(catalogue: Catalogue, policy: Policy) -> list[str]:
    found = []
    for section in catalogue.sections:
        for field in section.fields:
            type_name, field_name = _lead(section, field.graphql)
            actual = policy.field_class(type_name, field_name)
            if actual is None or actual.name.lower() != field.policy_class:
                found.append(
                    f"policies: {type_name}.{field_name} is {actual and actual.name.lower()}, "
                    f"the catalogue says {field.policy_class} ({section.table}.{field.column})"
                )
    return found


def disagreements(catalogue: Catalogue) -> list[str]:
    tables = dict(metadata.tables)
    policy = load_policy(schema_fields(schema))
    return sorted(
        {
            *store_disagreements(catalogue, tables),
            *schema_disagreements(catalogue, schema._schema),
            *policy_disagreements(catalogue, policy),
        }
    )


def _changed(section_table: str, field_column: str, /, **changes: Any) -> Catalogue:
    """The real catalogue with one field of one section changed."""
    catalogue = dossier_catalogue()
    sections = []
    for section in catalogue.sections:
        fields = tuple(
            dataclasses.replace(f, **changes)
            if section.table == section_table and f.column == field_column
            else f
            for f in section.fields
        )
        sections.append(dataclasses.replace(section, fields=fields))
    return dataclasses.replace(catalogue, sections=tuple(sections))


def _without(section_table: str, column: str) -> Catalogue:
    catalogue = dossier_catalogue()
    sections = tuple(
        dataclasses.replace(
            s,
            fields=tuple(
                f for f in s.fields if not (s.table == section_table and f.column == column)
            ),
        )
        for s in catalogue.sections
    )
    return dataclasses.replace(catalogue, sections=sections)


def test_the_store_the_schema_and_the_policies_agree_with_the_catalogue() -> None:
    assert disagreements(dossier_catalogue()) == []


def test_the_catalogue_covers_all_ten_groups_and_every_list_of_the_schema() -> None:
    catalogue = dossier_catalogue()
    assert {f.group for f in catalogue.fields} == set(range(1, 11))
    assert {s.person_field for s in catalogue.lists} == set(DOSSIER_LISTS)
    assert all(f.label.vi and f.label.en for f in catalogue.fields)


def test_a_class_that_differs_from_the_policies_is_reported() -> None:
    changed = _changed("dossier_health_record", "status", policy_class="internal")
    assert disagreements(changed) == [
        "policies: Person.healthRecords is sensitive, the catalogue says internal "
        "(dossier_health_record.status)"
    ]


def test_a_mandatory_field_the_store_lets_be_null_is_reported() -> None:
    changed = _changed("dossier_family_member", "occupation", mandatory=True)
    assert disagreements(changed) == [
        "schema: DossierFamilyMember.occupation: non-null must match mandatory=True",
        "store: dossier_family_member.occupation nullable=True, mandatory=True",
    ]


def test_a_type_or_code_list_that_differs_from_the_store_is_reported() -> None:
    assert disagreements(_changed("dossier_reward", "title", type="date")) == [
        "store: dossier_reward.title is TEXT, the catalogue says date"
    ]
    assert disagreements(_changed("dossier_discipline", "kind", code_list="AllowanceKind")) == [
        "store: dossier_discipline.kind: no CHECK limits it to AllowanceKind"
    ]


def test_a_column_or_field_the_catalogue_lacks_is_reported() -> None:
    assert disagreements(_without("dossier_military_service", "unit")) == [
        "schema: DossierMilitaryService.unit is not in the catalogue",
        "store: dossier_military_service.unit is not in the catalogue",
    ]


def test_a_field_the_store_and_schema_lack_is_reported() -> None:
    changed = _changed("person", "home_town", column="home_village", graphql="homeVillage")
    assert disagreements(changed) == [
        "policies: Person.homeVillage is None, the catalogue says personal (person.home_village)",
        "schema: Person.homeVillage missing",
        "store: person.home_village missing",
    ]


BASE = {
    "version": "t",
    "source": "t",
    "groups": {n: {"vi": "nhóm", "en": "group"} for n in range(1, 11)},
    "cv_sections": {"identity": {"vi": "Sơ yếu", "en": "Identity"}},
}


def _document(field: dict[str, Any], **section: Any) -> dict[str, Any]:
    return {
        **BASE,
        "sections": [{"table": "t", "graphql_type": "T", **section, "fields": [field]}],
    }


GOOD = {
    "column": "a",
    "graphql": "a",
    "group": 1,
    "vi": "A",
    "en": "A",
    "type": "text",
    "mandatory": True,
    "class": "public",
    "cv": "identity",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"group": 11}, "group must be 1 to 10"),
        ({"type": "blob"}, "unknown type 'blob'"),
        ({"class": "secret"}, "unknown class 'secret'"),
        ({"type": "code"}, "name a code_list"),
        ({"cv": "nowhere"}, "unknown CV section"),
        ({"vi": ""}, "Vietnamese (vi) and an English (en) label"),
        ({"colour": "red"}, "unknown keys ['colour']"),
        ({"mandatory": "yes"}, "mandatory must be true or false"),
    ],
)
def test_a_bad_catalogue_entry_is_refused_naming_it(change: dict[str, Any], message: str) -> None:
    parse(_document(GOOD))  # the unchanged entry is fine
    with pytest.raises(CatalogueError, match=re.escape("sections[0] (T).a")) as error:
        parse(_document({**GOOD, **change}))
    assert message in str(error.value)
