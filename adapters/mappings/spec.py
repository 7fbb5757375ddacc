"""Mapping files: how one agency's legacy tables (or file columns) become standard records.

A mapping is YAML beside this module (see legacy_vi.yaml for a commented example). It is read
and checked once, at start-up, into frozen dataclasses; anything unknown or inconsistent fails
loudly with the file and the entry named (MappingError), never half-loaded.

    mapping: <name>          version: "<version>"       description: <text>
    codes:                   named code maps: {values: {source: standard}},
                             {by_name: {from: <code list>, to: <code list>}} (a foreign
                             list's code -> its name -> our code), or {names_of: <code list>}
                             (name -> code)
    person:                  table, key, change {column, type: timestamp|integer},
                             deleted {column, values: [...]} or {column, not_null: true},
                             required: [standard field, ...], fields: {standard field: rule}
    organizations:           table, required, fields (OrganizationRecord's names)
    details:                 per part (work_history, salary_history, ...): table, person_column
                             (the column holding the person's key), order_by, fields
    dossier:                 per list of the field catalogue, by its store table
                             (dossier_family_member, ...): table, person_column, order_by,
                             fields {catalogue column: rule}; the source carries those lists
                             with every record (SourceRecord.sections)

A field rule is a column name, or {column | compose: [columns], type, format, codes}; types are
text, name, date (with a strptime format unless the column is a real date), integer, decimal;
`codes` names a code map.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from store.codelists import CodeListError, load_code_list
from store.text import fold, nfc
from vocabulary.dossier_catalogue import dossier_catalogue
from vocabulary.sources import DetailPart, OrganizationRecord
from vocabulary.standard_record import standard_record

DIRECTORY = Path(__file__).parent

ValueType = Literal["text", "name", "date", "integer", "decimal"]
VALUE_TYPES: tuple[ValueType, ...] = ("text", "name", "date", "integer", "decimal")
ChangeType = Literal["timestamp", "integer"]

# The standard names a person field may map to: the standard record's (the organisation goes
# by its code; the store keeps an id).
PERSON_FIELDS: frozenset[str] = frozenset(standard_record().names)
ORGANIZATION_FIELDS: frozenset[str] = frozenset(OrganizationRecord.__dataclass_fields__)


def spelling_key(value: str) -> str:
    """What two spellings of one name share: folded, letters and digits only ("Ê-đê", "Ê Đê"
    and "e de" -> "ede"), as sync/normalise.py matches names."""
    return "".join(char for char in fold(value) if char.isalnum())


class MappingError(ValueError):
    """A mapping file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class CodeMap:
    """Source values -> standard codes, matched as written (NFC) or, failing that, by their
    spelling key (case, marks, spaces, hyphens and apostrophes aside)."""

    name: str
    values: Mapping[str, str]
    folded: Mapping[str, str]

    def lookup(self, value: str) -> str | None:
        exact = self.values.get(nfc(value))
        return exact if exact is not None else self.folded.get(spelling_key(value))


@dataclass(frozen=True)
class FieldRule:
    target: str
    columns: tuple[str, ...]  # one column, or the parts of a composed value (name parts)
    type: ValueType = "text"
    format: str | None = None
    codes: CodeMap | None = None


@dataclass(frozen=True)
class RecordRule:
    """How rows of one table (or file) become records: fields, and which of them must be set."""

    fields: tuple[FieldRule, ...]
    required: frozenset[str] = frozenset()
    table: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The source columns the fields read, each once, in rule order."""
        return tuple(dict.fromkeys(column for rule in self.fields for column in rule.columns))


@dataclass(frozen=True)
class Deletion:
    column: str
    values: tuple[Any, ...] = ()  # the row is deleted when the column holds one of these...
    not_null: bool = False  # ...or, with not_null, whenever it holds anything


@dataclass(frozen=True)
class PersonRule(RecordRule):
    key: str | None = None
    change_column: str | None = None
    change_type: ChangeType = "timestamp"
    deletion: Deletion | None = None


@dataclass(frozen=True)
class DetailRule(RecordRule):
    person_column: str = ""
    order_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class MappingSpec:
    name: str
    version: str
    description: str
    person: PersonRule
    organizations: RecordRule | None = None
    details: Mapping[DetailPart, DetailRule] = field(default_factory=dict)
    codes: Mapping[str, CodeMap] = field(default_factory=dict)
    dossier: Mapping[str, DetailRule] = field(default_factory=dict)
    """Catalogue table -> how the source's own table of that list is read."""


def load_mapping(name_or_path: str | Path) -> MappingSpec:
    """A mapping by name (a file in adapters/mappings) or by path; MappingError if malformed."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = DIRECTORY / f"{name_or_path}.yaml"
    return _load(path.resolve())


@functools.cache
def _load(path: Path) -> MappingSpec:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"{path}: no such mapping file") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not a readable YAML file: {exc}") from exc
    return _Reader(path).mapping(document)


class _Reader:
    """Checks a parsed document section by section; every error names the path inside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.codes: dict[str, CodeMap] = {}

    def fail(self, where: str, message: str) -> MappingError:
        return MappingError(f"{self.path}: {where}: {message}")

    def keys(
        self, where: str, value: object, allowed: set[str], needed: set[str]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a mapping, got {value!r}")
        unknown = sorted(str(key) for key in value if key not in allowed)
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}")
        missing = sorted(needed - set(value))
        if missing:
            raise self.fail(where, f"missing key(s) {', '.join(missing)}")
        return value

    def mapping(self, document: object) -> MappingSpec:
        top = self.keys(
            "top level",
            document,
            {"mapping", "version", "description", "codes", "person", "organizations", "details"}
            | {"dossier"},
            {"mapping", "version", "person"},
        )
        for name, raw in (top.get("codes") or {}).items():
            self.codes[str(name)] = self.code_map(f"codes.{name}", str(name), raw)
        organizations = None
        if top.get("organizations") is not None:
            organizations = self.record("organizations", top["organizations"], ORGANIZATION_FIELDS)
        details: dict[DetailPart, DetailRule] = {}
        for part_name, raw in (top.get("details") or {}).items():
            try:
                part = DetailPart(part_name)
            except ValueError:
                known = ", ".join(p.value for p in DetailPart)
                raise self.fail(f"details.{part_name}", f"not a detail part ({known})") from None
            details[part] = self.detail(f"details.{part_name}", raw)
        lists = {s.table: s for s in dossier_catalogue().lists}
        dossier: dict[str, DetailRule] = {}
        for table, raw in (top.get("dossier") or {}).items():
            where = f"dossier.{table}"
            if table not in lists:
                raise self.fail(where, f"not a list of the field catalogue ({', '.join(lists)})")
            columns = frozenset(f.column for f in lists[table].fields)
            dossier[str(table)] = self.detail(where, raw, columns)
        return MappingSpec(
            name=str(top["mapping"]),
            version=str(top["version"]),
            description=str(top.get("description", "")),
            person=self.person(top["person"]),
            organizations=organizations,
            details=MappingProxyType(details),
            codes=MappingProxyType(self.codes),
            dossier=MappingProxyType(dossier),
        )

    def code_map(self, where: str, name: str, raw: object) -> CodeMap:
        spec = self.keys(where, raw, {"values", "by_name", "names_of"}, set())
        if len(spec) != 1:
            raise self.fail(where, "give exactly one of values, by_name, names_of")
        pairs: list[tuple[str, str]]
        try:
            if "values" in spec:
                values = self.keys(f"{where}.values", spec["values"], set(spec["values"]), set())
                pairs = [(str(key), str(value)) for key, value in values.items()]
            elif "names_of" in spec:
                listed = load_code_list(str(spec["names_of"]))
                pairs = [(entry["name"], entry["code"]) for entry in listed.entries]
                # the official spelling variants the list records (store/codelists/README.md)
                pairs += [
                    (variant["name"], entry["code"])
                    for entry in listed.entries
                    for variant in entry.get("variants", ())
                ]
            else:
                lists = self.keys(
                    f"{where}.by_name", spec["by_name"], {"from", "to"}, {"from", "to"}
                )
                theirs = load_code_list(str(lists["from"]))
                ours = {
                    entry["name"]: entry["code"] for entry in load_code_list(lists["to"]).entries
                }
                pairs = []
                for entry in theirs.entries:
                    if entry["name"] not in ours:
                        raise self.fail(where, f"{entry['name']!r} is not in {lists['to']}")
                    pairs.append((entry["code"], ours[entry["name"]]))
        except CodeListError as exc:
            raise self.fail(where, str(exc)) from exc
        exact: dict[str, str] = {}
        folded: dict[str, str] = {}
        for source, standard in pairs:
            exact[nfc(source)] = standard
            key = spelling_key(source)
            if folded.get(key, standard) != standard:
                raise self.fail(where, f"{source!r} folds to the same text as another value")
            folded[key] = standard
        return CodeMap(name, MappingProxyType(exact), MappingProxyType(folded))

    def field(self, where: str, target: str, raw: object) -> FieldRule:
        if isinstance(raw, str):
            return FieldRule(target, (raw,))
        spec = self.keys(where, raw, {"column", "compose", "type", "format", "codes"}, set())
        if ("column" in spec) == ("compose" in spec):
            raise self.fail(where, "give exactly one of column, compose")
        columns = (spec["column"],) if "column" in spec else tuple(spec["compose"] or ())
        if not columns or not all(isinstance(column, str) for column in columns):
            raise self.fail(where, "columns must be names (strings)")
        value_type = spec.get("type", "text")
        if value_type not in VALUE_TYPES:
            raise self.fail(where, f"type {value_type!r} is not one of {', '.join(VALUE_TYPES)}")
        codes = None
        if "codes" in spec:
            codes = self.codes.get(str(spec["codes"]))
            if codes is None:
                raise self.fail(where, f"no code map named {spec['codes']!r} under codes")
        return FieldRule(target, columns, value_type, spec.get("format"), codes)

    def fields(
        self, where: str, raw: object, allowed: frozenset[str] | None
    ) -> tuple[FieldRule, ...]:
        spec = self.keys(where, raw, set(raw) if isinstance(raw, dict) else set(), set())
        if not spec:
            raise self.fail(where, "needs at least one field")
        if allowed is not None:
            unknown = sorted(str(target) for target in spec if target not in allowed)
            if unknown:
                raise self.fail(where, f"not standard field name(s): {', '.join(unknown)}")
        return tuple(
            self.field(f"{where}.{target}", str(target), rule) for target, rule in spec.items()
        )

    def record(self, where: str, raw: object, allowed: frozenset[str] | None) -> RecordRule:
        spec = self.keys(where, raw, {"table", "required", "fields"}, {"fields"})
        fields = self.fields(f"{where}.fields", spec["fields"], allowed)
        return RecordRule(fields, self.required(where, spec, fields), spec.get("table"))

    def required(
        self, where: str, spec: Mapping[str, Any], fields: tuple[FieldRule, ...]
    ) -> frozenset[str]:
        required = frozenset(str(name) for name in spec.get("required") or ())
        unmapped = sorted(required - {rule.target for rule in fields})
        if unmapped:
            raise self.fail(f"{where}.required", f"not mapped under fields: {', '.join(unmapped)}")
        return required

    def person(self, raw: object) -> PersonRule:
        spec = self.keys(
            "person", raw, {"table", "key", "change", "deleted", "required", "fields"}, {"fields"}
        )
        fields = self.fields("person.fields", spec["fields"], PERSON_FIELDS)
        change_column: str | None = None
        change_type: ChangeType = "timestamp"
        if spec.get("change") is not None:
            change = self.keys("person.change", spec["change"], {"column", "type"}, {"column"})
            change_column = str(change["column"])
            kind = change.get("type", "timestamp")
            if kind not in ("timestamp", "integer"):
                raise self.fail("person.change.type", f"{kind!r} is not timestamp or integer")
            change_type = kind
        deletion = None
        if spec.get("deleted") is not None:
            raw_deleted = self.keys(
                "person.deleted", spec["deleted"], {"column", "values", "not_null"}, {"column"}
            )
            if ("values" in raw_deleted) == bool(raw_deleted.get("not_null")):
                raise self.fail("person.deleted", "give exactly one of values, not_null: true")
            deletion = Deletion(
                str(raw_deleted["column"]),
                tuple(raw_deleted.get("values") or ()),
                bool(raw_deleted.get("not_null")),
            )
        return PersonRule(
            fields=fields,
            required=self.required("person", spec, fields),
            table=spec.get("table"),
            key=spec.get("key"),
            change_column=change_column,
            change_type=change_type,
            deletion=deletion,
        )

    def detail(self, where: str, raw: object, targets: frozenset[str] | None = None) -> DetailRule:
        spec = self.keys(
            where,
            raw,
            {"table", "person_column", "order_by", "required", "fields"},
            {"table", "person_column", "fields"},
        )
        fields = self.fields(f"{where}.fields", spec["fields"], targets)
        return DetailRule(
            fields=fields,
            required=self.required(where, spec, fields),
            table=str(spec["table"]),
            person_column=str(spec["person_column"]),
            order_by=tuple(str(column) for column in spec.get("order_by") or ()),
        )
