"""What a source declares about its values, in the sources file: which code list (and version)
each coded field is written in, the form of its dates, and the text encoding of its files.

    values:
      code_lists:
        ethnicity_code: {list: ethnic_groups_alt, version: "2026.1"}
      date_format: "%d/%m/%Y"        # strptime; ISO dates are always read too (unambiguous)
      encoding: cp1258               # files only: utf-8, cp1258, cp1252, tcvn3, vni

A source that declares nothing is read against the national code lists with strict ISO dates
(`NATIONAL`): the sync never guesses which ordering of ethnic groups a "04" belongs to, or
whether "03/04/1980" is the 3rd of April or the 4th of March.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

ENCODINGS = ("utf-8", "cp1258", "cp1252", "tcvn3", "vni")


@dataclass(frozen=True)
class DeclaredList:
    list: str  # a code list of store/codelists/
    version: str  # the version the source writes; the registry checks it is the one shipped


@dataclass(frozen=True)
class SourceDeclarations:
    code_lists: Mapping[str, DeclaredList] = field(default_factory=lambda: MappingProxyType({}))
    date_format: str | None = None
    encoding: str | None = None

    def code_list(self, field_name: str, national: str) -> str:
        declared = self.code_lists.get(field_name)
        return declared.list if declared is not None else national


NATIONAL = SourceDeclarations()
_KEYS = {"code_lists", "date_format", "encoding"}


def parse_declarations(document: object, where: str) -> SourceDeclarations:
    """The `values` entry of a source; ValueError naming what is wrong. Which lists exist and
    fit which field is the registry's to check (it can read the code lists)."""
    if document is None:
        return NATIONAL
    if not isinstance(document, dict):
        raise ValueError(f"{where}: values must be a mapping")
    unknown = sorted(set(document) - _KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown values setting(s) {', '.join(unknown)}")
    lists: dict[str, DeclaredList] = {}
    raw_lists = document.get("code_lists") or {}
    if not isinstance(raw_lists, dict):
        raise ValueError(f"{where}: values.code_lists must be a mapping of field -> list")
    for name, declared in raw_lists.items():
        if (
            not isinstance(declared, dict)
            or set(declared) != {"list", "version"}
            or not all(isinstance(v, str) and v for v in declared.values())
        ):
            raise ValueError(
                f"{where}: values.code_lists.{name} must be {{list: <name>, version: <version>}}"
            )
        lists[str(name)] = DeclaredList(declared["list"], declared["version"])
    date_format = document.get("date_format")
    if date_format is not None:
        if not isinstance(date_format, str) or "%Y" not in date_format:
            raise ValueError(
                f"{where}: values.date_format must be a strptime format with a 4-digit year (%Y)"
            )
        try:
            datetime.strptime(datetime(1980, 3, 5).strftime(date_format), date_format)
        except ValueError:
            raise ValueError(
                f"{where}: values.date_format {date_format!r} cannot be read back"
            ) from None
    encoding = document.get("encoding")
    if encoding is not None and encoding not in ENCODINGS:
        raise ValueError(f"{where}: values.encoding must be one of {', '.join(ENCODINGS)}")
    return SourceDeclarations(MappingProxyType(lists), date_format, encoding)
