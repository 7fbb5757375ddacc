"""Policy documents (policies/*.yaml) read, checked against the schema, and compiled.

Checked once at start-up: an unknown section, type, field, level, relation or class stops the
gateway with a message naming the file and the entry. A field of the schema missing from the
documents is allowed only as "denied to everyone"; policy_gaps() lists such fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from policies.types import POSSIBLE_RELATIONS, FieldClass, Level, Relation

DIRECTORY = Path(__file__).parent
SECTIONS = frozenset(
    {"classes", "grants", "consent", "filters", "partners", "reveals", "operations"}
)
ROOT_TYPES = ("Query", "Mutation")
"""The operation roots: who may call each of their fields is the `operations` section."""
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


@dataclass(frozen=True)
class Revealed:
    """What a path gives away: another field of the same record, or simply a class."""

    field: tuple[str, str] | None = None
    field_class: FieldClass | None = None


@dataclass(frozen=True)
class Operation:
    """Who may call one root field: these levels, each (if listed) only with these purposes."""

    levels: frozenset[Level]
    purposes: Mapping[Level, frozenset[str]] = field(default_factory=dict)


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
    reveals: Mapping[tuple[str, ...], Revealed] = field(default_factory=dict)
    """A path (`Type.field` or `Type.field.inner`) -> what its value gives away."""
    operations: Mapping[str, Mapping[str, Operation]] = field(default_factory=dict)
    """root type -> root field -> who may call it."""

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


MERGED_SECTIONS = frozenset({"classes", "filters", "partners", "reveals", "operations"})
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


def _path(text: object, where: str) -> tuple[str, ...]:
    parts = tuple(str(text).split("."))
    if not 2 <= len(parts) <= 3 or not all(parts):
        raise PolicyError(f"{where}: {text!r} is not `Type.field` or `Type.field.inner`")
    return parts


def _reveals(
    path: Path,
    body: object,
    schema: Mapping[str, Iterable[str]],
    classes: Mapping[str, Mapping[str, FieldClass]],
    links: Mapping[str, Mapping[str, str]] | None,
) -> dict[tuple[str, ...], Revealed]:
    reveals: dict[tuple[str, ...], Revealed] = {}
    for key, target in _mapping(body, f"{path.name}: reveals").items():
        where = f"{path.name}: reveals.{key}"
        parts = _path(key, where)
        type_name, field_name = parts[0], parts[1]
        if type_name not in ROW_TYPES:
            raise PolicyError(
                f"{where}: a path starts at a type masked row by row, not {type_name}"
            )
        if field_name not in set(schema.get(type_name, ())):
            raise PolicyError(f"{where}: {type_name} has no field {field_name!r}")
        if len(parts) == 3 and links is not None:
            inner_type = links.get(type_name, {}).get(field_name)
            if inner_type is None or parts[2] not in set(schema.get(inner_type, ())):
                raise PolicyError(f"{where}: {type_name}.{field_name} leads to no {parts[2]!r}")
        if str(target).upper() in FieldClass.__members__:
            reveals[parts] = Revealed(field_class=_class(target, where))
            continue
        target_type, _, target_field = str(target).partition(".")
        if target_type not in ROW_TYPES or target_field not in classes.get(target_type, {}):
            raise PolicyError(
                f"{where}: {target!r} is neither a class nor a classed field of a type masked "
                "row by row"
            )
        reveals[parts] = Revealed(field=(target_type, target_field))
    return reveals


ALL_LEVELS = "all"


def _operations(
    path: Path, body: object, schema: Mapping[str, Iterable[str]]
) -> dict[str, Mapping[str, Operation]]:
    operations: dict[str, Mapping[str, Operation]] = {}
    for root, fields in _mapping(body, f"{path.name}: operations").items():
        if root not in ROOT_TYPES:
            raise PolicyError(f"{path.name}: operations.{root}: not one of {', '.join(ROOT_TYPES)}")
        compiled = {}
        for field_name, rule in _mapping(fields, f"{path.name}: operations.{root}").items():
            where = f"{path.name}: operations.{root}.{field_name}"
            if field_name not in set(schema.get(root, ())):
                raise PolicyError(f"{where}: {root} has no such field")
            rule = _mapping(rule, where)
            unknown = set(rule) - {"levels", "purposes"}
            if unknown:
                raise PolicyError(f"{where}: unknown keys {sorted(unknown)}")
            raw_levels = rule.get("levels")
            levels = (
                list(Level)
                if raw_levels == ALL_LEVELS
                else [_level(v, where) for v in raw_levels or []]
            )
            if not levels:
                raise PolicyError(f"{where}: `levels` must be `all` or a non-empty list")
            purposes = {
                _level(level, f"{where}.purposes"): frozenset(str(p) for p in listed)
                for level, listed in _mapping(rule.get("purposes", {}), where).items()
            }
            compiled[field_name] = Operation(frozenset(levels), MappingProxyType(purposes))
        operations[root] = MappingProxyType(compiled)
    return operations


def _level(value: object, where: str) -> Level:
    try:
        return Level(str(value))
    except ValueError:
        raise PolicyError(f"{where}: unknown level {value!r}") from None


def _check_grants_cover_relations(grants: Mapping[Level, Mapping[Relation, FieldClass]]) -> None:
    """Every relation a record can stand in must have a grant, at least `public`: a relation
    that saw nothing would deny a record's id too, and a denied non-null id nulls a page."""
    for level in Level:
        missing = POSSIBLE_RELATIONS[level] - set(grants.get(level, {}))
        if missing:
            names = ", ".join(sorted(r.value for r in missing))
            raise PolicyError(f"grants.{level.value}: no grant for {names} (at least public)")


def revealing_paths(
    links: Mapping[str, Mapping[str, str]],
    classes: Mapping[str, Mapping[str, FieldClass]],
    schema: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, list[tuple[tuple[str, ...], FieldClass]]]:
    """Code-list type -> every path from a row type that reaches it, with that path's class.

    A code list (a type not masked row by row) reached by two paths of different classes is a
    link between them: the lower path gives away what the higher one protects (a grade's
    scale is the person's salary scale). A code list is an entry others share, so it has an
    identity (`code` or `id`); a type without one (a page's PageInfo, the provenance of a
    dossier entry) holds values of the row it hangs from and links nothing, though the walk
    goes on through it. Without `schema`, every type counts.
    """
    reached: dict[str, list[tuple[tuple[str, ...], FieldClass]]] = {}

    def shared(type_name: str) -> bool:
        return schema is None or bool({"code", "id"} & set(schema.get(type_name, ())))

    def walk(
        path: tuple[str, ...], type_name: str, field_class: FieldClass, seen: frozenset[str]
    ) -> None:
        for field_name, target in links.get(type_name, {}).items():
            if target in ROW_TYPES or target in seen:  # a row type masks itself; no cycles
                continue
            longer = (*path, field_name)
            if shared(target):
                reached.setdefault(target, []).append((longer, field_class))
            walk(longer, target, field_class, seen | {target})

    for row_type in sorted(ROW_TYPES):
        for field_name, target in links.get(row_type, {}).items():
            field_class = classes.get(row_type, {}).get(field_name)
            if target in ROW_TYPES or field_class is None:
                continue
            if shared(target):
                reached.setdefault(target, []).append(((row_type, field_name), field_class))
            walk((row_type, field_name), target, field_class, frozenset({target}))
    return reached


def _check_links_declared(
    links: Mapping[str, Mapping[str, str]],
    classes: Mapping[str, Mapping[str, FieldClass]],
    reveals: Mapping[tuple[str, ...], Revealed],
    schema: Mapping[str, Iterable[str]] | None = None,
) -> None:
    def declared_class(path: tuple[str, ...]) -> FieldClass | None:
        for length in range(len(path), 1, -1):
            found = reveals.get(path[:length])
            if found is not None:
                if found.field_class is not None:
                    return found.field_class
                assert found.field is not None
                return classes[found.field[0]][found.field[1]]
        return None

    for type_name, paths in sorted(revealing_paths(links, classes, schema).items()):
        highest_path, highest = max(paths, key=lambda item: item[1])
        for path, field_class in paths:
            declared = declared_class(path)
            if field_class < highest and (declared is None or declared < highest):
                raise PolicyError(
                    f"{'.'.join(path)} reaches {type_name} like {'.'.join(highest_path)}, "
                    f"which is {highest.name.lower()}: declare what it reveals in `reveals`"
                )


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


def load_policy(
    schema: Mapping[str, Iterable[str]],
    directory: Path = DIRECTORY,
    *,
    links: Mapping[str, Mapping[str, str]] | None = None,
) -> Policy:
    """Read every policy document in `directory` and check it against `schema` (type -> fields).

    With `links` (type -> field -> the object type it leads to), also refuse a path that
    reaches a code list like a higher-class path does, unless `reveals` declares it.
    """
    sections = _read(directory)
    classes = _merged_classes(sections["classes"], schema)
    [(path, body)] = sections["grants"]
    grants = _grants(path, body)
    _check_grants_cover_relations(grants)
    reveals: dict[tuple[str, ...], Revealed] = {}
    for path, body in sections.get("reveals", []):
        reveals.update(_reveals(path, body, schema, classes, links))
    if links is not None:
        _check_links_declared(links, classes, reveals, schema)
    operations: dict[str, Mapping[str, Operation]] = {}
    for path, body in sections.get("operations", []):
        for root, fields in _operations(path, body, schema).items():
            clash = set(fields) & set(operations.get(root, {}))
            if clash:
                raise PolicyError(f"{path.name}: operations.{root}.{min(clash)} is listed twice")
            operations[root] = MappingProxyType({**operations.get(root, {}), **fields})
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
        reveals=MappingProxyType(reveals),
        operations=MappingProxyType(operations),
    )


def policy_gaps(policy: Policy, schema: Mapping[str, Iterable[str]]) -> list[str]:
    """`Type.field` of every schema field without a class, and of every root field without an
    `operations` entry: denied to everyone until the policy covers it."""
    return sorted(
        f"{type_name}.{field_name}"
        for type_name, fields in schema.items()
        for field_name in fields
        if policy.field_class(type_name, field_name) is None
        or (type_name in ROOT_TYPES and field_name not in policy.operations.get(type_name, {}))
    )
