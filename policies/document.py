"""Policy documents (policies/*.yaml) read, checked against the schema, and compiled.

Checked once at start-up: an unknown section, type, field, level, relation or class stops the
gateway with a message naming the file and the entry. A field of the schema missing from the
documents is allowed only as "denied to everyone"; policy_gaps() lists such fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from policies.types import FieldClass, Level, Relation

DIRECTORY = Path(__file__).parent
SECTIONS = frozenset({"classes", "grants", "consent", "filters", "partners"})
ROW_TYPES = frozenset(
    {
        "Person",
        "Education",
        "Membership",
        "Performance",
        "Provenance",
        "Salary",
        "Organization",
        "AgencyScorecard",
    }
)
"""Types whose objects are masked row by row; every other type may hold public fields only."""


class PolicyError(ValueError):
    """A policy document cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Policy:
    classes: Mapping[str, Mapping[str, FieldClass]]
    grants: Mapping[Level, Mapping[Relation, FieldClass]]
    consent_class: FieldClass
    filters: Mapping[str, tuple[str, str]]
    """`Input.argument` -> the (type, field) it reveals."""
    partners: Mapping[str, Mapping[str, frozenset[str]]]
    """purpose -> type -> fields."""

    def field_class(self, type_name: str, field_name: str) -> FieldClass | None:
        return self.classes.get(type_name, {}).get(field_name)


def _class(value: object, where: str) -> FieldClass:
    try:
        return FieldClass[str(value).upper()]
    except KeyError:
        names = ", ".join(c.name.lower() for c in FieldClass)
        raise PolicyError(f"{where}: unknown class {value!r} (one of {names})") from None


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


MERGED_SECTIONS = frozenset({"classes", "filters", "partners"})
"""Sections that several files may each hold a part of (say, one file per feature)."""


def _read(directory: Path) -> dict[str, list[tuple[Path, Any]]]:
    sections: dict[str, list[tuple[Path, Any]]] = {}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PolicyError(f"{directory}: no policy documents (*.yaml)")
    for path in files:
        document = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, path.name)
        for section, body in document.items():
            if section not in SECTIONS:
                raise PolicyError(f"{path.name}: unknown section {section!r}")
            if section in sections and section not in MERGED_SECTIONS:
                raise PolicyError(
                    f"{path.name}: section {section!r} is also in {sections[section][0][0].name}"
                )
            sections.setdefault(section, []).append((path, body))
    for section in ("classes", "grants"):
        if section not in sections:
            raise PolicyError(f"{directory}: no document has the {section!r} section")
    return sections


def _classes(
    path: Path, body: object, schema: Mapping[str, Iterable[str]]
) -> dict[str, Mapping[str, FieldClass]]:
    classes: dict[str, Mapping[str, FieldClass]] = {}
    for type_name, fields in _mapping(body, f"{path.name}: classes").items():
        where = f"{path.name}: classes.{type_name}"
        if type_name not in schema:
            raise PolicyError(f"{where}: the schema has no type {type_name!r}")
        known = set(schema[type_name])
        compiled = {}
        for field_name, value in _mapping(fields, where).items():
            if field_name not in known:
                raise PolicyError(f"{where}.{field_name}: {type_name} has no such field")
            compiled[field_name] = _class(value, f"{where}.{field_name}")
            if type_name not in ROW_TYPES and compiled[field_name] is not FieldClass.PUBLIC:
                raise PolicyError(
                    f"{where}.{field_name}: {type_name} is not masked row by row, so its "
                    "fields must be public; class the field that leads to it instead"
                )
        classes[type_name] = MappingProxyType(compiled)
    return classes


def _grants(path: Path, body: object) -> dict[Level, Mapping[Relation, FieldClass]]:
    grants: dict[Level, Mapping[Relation, FieldClass]] = {}
    for level_name, relations in _mapping(body, f"{path.name}: grants").items():
        where = f"{path.name}: grants.{level_name}"
        try:
            level = Level(level_name)
        except ValueError:
            raise PolicyError(f"{where}: unknown level {level_name!r}") from None
        compiled = {}
        for relation_name, value in _mapping(relations, where).items():
            try:
                relation = Relation(relation_name)
            except ValueError:
                raise PolicyError(f"{where}: unknown relation {relation_name!r}") from None
            compiled[relation] = _class(value, f"{where}.{relation_name}")
        grants[level] = MappingProxyType(compiled)
    return grants


def _filters(
    path: Path, body: object, classes: Mapping[str, Mapping[str, FieldClass]]
) -> dict[str, tuple[str, str]]:
    filters = {}
    for argument, target in _mapping(body, f"{path.name}: filters").items():
        type_name, _, field_name = str(target).partition(".")
        if field_name not in classes.get(type_name, {}):
            raise PolicyError(f"{path.name}: filters.{argument}: {target!r} has no class")
        filters[argument] = (type_name, field_name)
    return filters


def _partners(
    path: Path, body: object, schema: Mapping[str, Iterable[str]]
) -> dict[str, Mapping[str, frozenset[str]]]:
    partners: dict[str, Mapping[str, frozenset[str]]] = {}
    for purpose, types in _mapping(body, f"{path.name}: partners").items():
        compiled = {}
        for type_name, fields in _mapping(types, f"{path.name}: partners.{purpose}").items():
            where = f"{path.name}: partners.{purpose}.{type_name}"
            if type_name not in schema:
                raise PolicyError(f"{where}: the schema has no type {type_name!r}")
            unknown = set(fields) - set(schema[type_name])
            if unknown:
                raise PolicyError(f"{where}: no such fields {sorted(unknown)}")
            compiled[type_name] = frozenset(fields)
        partners[purpose] = MappingProxyType(compiled)
    return partners


def _merged_classes(
    parts: list[tuple[Path, Any]], schema: Mapping[str, Iterable[str]]
) -> dict[str, Mapping[str, FieldClass]]:
    merged: dict[str, dict[str, FieldClass]] = {}
    origin: dict[tuple[str, str], str] = {}
    for path, body in parts:
        for type_name, fields in _classes(path, body, schema).items():
            for field_name, field_class in fields.items():
                first = origin.setdefault((type_name, field_name), path.name)
                if first != path.name:
                    raise PolicyError(
                        f"{path.name}: classes.{type_name}.{field_name} is also classed in {first}"
                    )
                merged.setdefault(type_name, {})[field_name] = field_class
    return {name: MappingProxyType(fields) for name, fields in merged.items()}


def load_policy(schema: Mapping[str, Iterable[str]], directory: Path = DIRECTORY) -> Policy:
    """Read every policy document in `directory` and check it against `schema` (type -> fields)."""
    sections = _read(directory)
    classes = _merged_classes(sections["classes"], schema)
    [(path, body)] = sections["grants"]
    grants = _grants(path, body)
    consent_class = FieldClass.PUBLIC
    if "consent" in sections:
        [(path, body)] = sections["consent"]
        consent_class = _class(
            _mapping(body, f"{path.name}: consent").get("widens_to"),
            f"{path.name}: consent.widens_to",
        )
    filters: dict[str, tuple[str, str]] = {}
    for path, body in sections.get("filters", []):
        filters.update(_filters(path, body, classes))
    partners: dict[str, Mapping[str, frozenset[str]]] = {}
    for path, body in sections.get("partners", []):
        partners.update(_partners(path, body, schema))
    return Policy(
        classes=MappingProxyType(classes),
        grants=MappingProxyType(grants),
        consent_class=consent_class,
        filters=MappingProxyType(filters),
        partners=MappingProxyType(partners),
    )


def policy_gaps(policy: Policy, schema: Mapping[str, Iterable[str]]) -> list[str]:
    """`Type.field` of every schema field without a class: denied to everyone until classed."""
    return sorted(
        f"{type_name}.{field_name}"
        for type_name, fields in schema.items()
        for field_name in fields
        if policy.field_class(type_name, field_name) is None
    )
