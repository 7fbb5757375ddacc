"""The field catalogue of the electronic dossier, read from `data/dossier_fields.yaml`.

One entry per field the gateway holds of NĐ 27/2026's ten groups: its group, type, code list,
mandatory-ness, policy class and sources (the decree's group, the CV form's section). The
store, the schema and the policies are checked against it (tests/store/test_dossier_catalogue.py),
the CV prints its labels (gateway/cv/). The file is checked when read: an unknown key, group,
type, class or CV section stops the reader with a message naming the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_DATA = Path(__file__).with_name("data") / "dossier_fields.yaml"

TYPES = frozenset({"text", "date", "year", "integer", "decimal", "code", "reference"})
CLASSES = frozenset({"public", "internal", "personal", "sensitive"})
_FIELD_KEYS = frozenset(
    {"column", "graphql", "group", "vi", "en", "type", "code_list", "mandatory", "class", "cv"}
    | {"verified"}
)
_SECTION_KEYS = frozenset(
    {"table", "graphql_type", "person_field", "group", "class", "cv", "vi", "en", "fields"}
)


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message names the entry."""


@dataclass(frozen=True)
class Label:
    vi: str
    en: str


@dataclass(frozen=True)
class CatalogueField:
    column: str
    graphql: str
    group: int
    label: Label
    type: str
    code_list: str | None
    mandatory: bool
    policy_class: str
    cv_section: str
    verified: bool


@dataclass(frozen=True)
class CatalogueSection:
    """The fields of one store table seen as one GraphQL type.

    A list (groups 2-10) is reached through `person_field` of Person, whose class is the
    class of every field of its rows; the person row's sections have no `person_field` and a
    class per field.
    """

    table: str
    graphql_type: str
    person_field: str | None
    label: Label | None
    fields: tuple[CatalogueField, ...]

    def field(self, column: str) -> CatalogueField:
        return next(f for f in self.fields if f.column == column)


@dataclass(frozen=True)
class Catalogue:
    version: str
    source: str
    groups: Mapping[int, Label]
    cv_sections: Mapping[str, Label]
    sections: tuple[CatalogueSection, ...]

    @property
    def fields(self) -> tuple[CatalogueField, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    @property
    def lists(self) -> tuple[CatalogueSection, ...]:
        return tuple(s for s in self.sections if s.person_field is not None)

    def list_of(self, table: str) -> CatalogueSection:
        return next(s for s in self.lists if s.table == table)


def _label(entry: Mapping[str, Any], where: str) -> Label:
    vi, en = entry.get("vi"), entry.get("en")
    if not isinstance(vi, str) or not isinstance(en, str) or not vi or not en:
        raise CatalogueError(f"{where}: needs a Vietnamese (vi) and an English (en) label")
    return Label(vi, en)


def _field(
    entry: Mapping[str, Any],
    section: Mapping[str, Any],
    cv_sections: Mapping[str, Label],
    where: str,
) -> CatalogueField:
    unknown = set(entry) - _FIELD_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    inherited = {key: section[key] for key in ("group", "class", "cv") if key in section}
    merged = {**inherited, **entry}
    if ("group" in entry and "group" in section) or ("class" in entry and "class" in section):
        raise CatalogueError(f"{where}: a list's fields take their group and class from the list")
    group, kind, policy_class = merged.get("group"), merged.get("type"), merged.get("class")
    if not isinstance(group, int) or not 1 <= group <= 10:
        raise CatalogueError(f"{where}: group must be 1 to 10, got {group!r}")
    if kind not in TYPES:
        raise CatalogueError(f"{where}: unknown type {kind!r} (one of {sorted(TYPES)})")
    if policy_class not in CLASSES:
        raise CatalogueError(f"{where}: unknown class {policy_class!r} (one of {sorted(CLASSES)})")
    code_list = merged.get("code_list")
    if (kind in ("code", "reference")) != (code_list is not None):
        raise CatalogueError(f"{where}: code and reference fields, and only they, name a code_list")
    if merged.get("cv") not in cv_sections:
        raise CatalogueError(f"{where}: unknown CV section {merged.get('cv')!r}")
    if not isinstance(merged.get("mandatory"), bool):
        raise CatalogueError(f"{where}: mandatory must be true or false")
    return CatalogueField(
        column=str(merged["column"]),
        graphql=str(merged["graphql"]),
        group=group,
        label=_label(entry, where),
        type=str(kind),
        code_list=None if code_list is None else str(code_list),
        mandatory=bool(merged["mandatory"]),
        policy_class=str(policy_class),
        cv_section=str(merged["cv"]),
        verified=bool(merged.get("verified", False)),
    )


def parse(document: Mapping[str, Any]) -> Catalogue:
    """The catalogue a document (the YAML file's contents) describes, checked."""
    groups = {int(k): _label(v, f"groups.{k}") for k, v in document["groups"].items()}
    if sorted(groups) != list(range(1, 11)):
        raise CatalogueError("groups: the decree has ten groups, numbered 1 to 10")
    cv_sections = {
        str(k): _label(v, f"cv_sections.{k}") for k, v in document["cv_sections"].items()
    }
    sections = []
    for index, entry in enumerate(document["sections"]):
        where = f"sections[{index}] ({entry.get('graphql_type')})"
        unknown = set(entry) - _SECTION_KEYS
        if unknown:
            raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
        person_field = entry.get("person_field")
        if (person_field is None) != ("class" not in entry):
            raise CatalogueError(f"{where}: a list names its person_field and its class")
        fields = tuple(
            _field(f, entry, cv_sections, f"{where}.{f.get('column')}") for f in entry["fields"]
        )
        sections.append(
            CatalogueSection(
                table=str(entry["table"]),
                graphql_type=str(entry["graphql_type"]),
                person_field=None if person_field is None else str(person_field),
                label=None if person_field is None else _label(entry, where),
                fields=fields,
            )
        )
    return Catalogue(
        version=str(document["version"]),
        source=str(document["source"]),
        groups=groups,
        cv_sections=cv_sections,
        sections=tuple(sections),
    )


@cache
def dossier_catalogue() -> Catalogue:
    """The catalogue of `data/dossier_fields.yaml`, read and checked once."""
    return parse(yaml.safe_load(_DATA.read_text(encoding="utf-8")))
