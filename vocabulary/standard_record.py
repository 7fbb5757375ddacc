"""The standard person record: each field's name, type, data group, whether it is mandatory and
its code list, declared once in `data/standard_record.yaml`.

Every list of person fields derives from it: the exchange protocol's change feed, the targets a
mapping file may name, the fields normalisation reads and validation requires. A test compares
it with the store's person columns, so a column added without a field (or the reverse) fails.
The file is read once and checked; a malformed one stops the program naming the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_DATA = Path(__file__).with_name("data") / "standard_record.yaml"


class FieldType(StrEnum):
    TEXT = "text"  # free text
    NAME = "name"  # a person's name (title case; the search form is built from it)
    DATE = "date"
    INTEGER = "integer"
    DECIMAL = "decimal"
    CODE = "code"  # a code of the named code list
    CHOICE = "choice"  # one value of a closed set of the store


class StandardRecordError(ValueError):
    """The standard record's data file is malformed; the message names the entry."""


@dataclass(frozen=True)
class StandardField:
    name: str
    type: FieldType
    group: int  # NĐ 27/2026 data group, 1..10
    mandatory: bool
    code_list: str | None = None  # for type code: the national list (store/codelists/)


@dataclass(frozen=True)
class StandardRecord:
    version: str
    fields: tuple[StandardField, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def of_type(self, *types: FieldType) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.type in types)

    @property
    def mandatory(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.mandatory)

    @property
    def code_lists(self) -> dict[str, str]:
        """Coded field -> its national code list."""
        return {f.name: f.code_list for f in self.fields if f.code_list is not None}

    def field(self, name: str) -> StandardField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


_KEYS = {"name", "type", "group", "mandatory", "code_list"}


def _field(index: int, entry: Any) -> StandardField:
    where = f"{_DATA.name}: fields[{index}]"
    if not isinstance(entry, dict):
        raise StandardRecordError(f"{where}: must be a mapping")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise StandardRecordError(f"{where}: unknown key(s) {', '.join(unknown)}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise StandardRecordError(f"{where}: name must be a non-empty string")
    try:
        kind = FieldType(str(entry.get("type")))
    except ValueError:
        known = ", ".join(t.value for t in FieldType)
        raise StandardRecordError(f"{where} ({name}): type must be one of {known}") from None
    group = entry.get("group")
    if not isinstance(group, int) or isinstance(group, bool) or not 1 <= group <= 10:
        raise StandardRecordError(f"{where} ({name}): group must be a data group 1..10")
    mandatory = entry.get("mandatory")
    if not isinstance(mandatory, bool):
        raise StandardRecordError(f"{where} ({name}): mandatory must be true or false")
    code_list = entry.get("code_list")
    if (kind is FieldType.CODE) != isinstance(code_list, str):
        raise StandardRecordError(f"{where} ({name}): a code list is named exactly for type code")
    return StandardField(name, kind, group, mandatory, code_list)


@cache
def standard_record() -> StandardRecord:
    document = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("fields"), list):
        raise StandardRecordError(f"{_DATA.name}: must be a mapping with a list under 'fields'")
    fields = tuple(_field(i, entry) for i, entry in enumerate(document["fields"]))
    names = [f.name for f in fields]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise StandardRecordError(f"{_DATA.name}: field(s) declared twice: {', '.join(duplicates)}")
    return StandardRecord(str(document.get("version", "")), fields)
