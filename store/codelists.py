"""Versioned code lists: the YAML files of store/codelists/, loaded and checked.

Pure: no database. `store.reference_data` copies the lists into their tables; the synthetic-data
generator and the adapters read them directly. Each file names its list, version and source (see
store/codelists/README.md); this module refuses a file that is malformed rather than load half of
it, naming the file and the entry at fault.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

CODE_LISTS: tuple[str, ...] = (
    "ethnic_groups",
    "ethnic_groups_alt",
    "religions",
    "salary_scales",
    "grades",
    "provinces",
    "old_provinces",
    "communes",
    "positions",
)

# entry fields that hold coefficients: written as strings ("6.20"), returned as exact Decimals
DECIMAL_FIELDS: frozenset[str] = frozenset(
    {"first_coefficient", "increment", "allowance_coefficient", "allowance_coefficient_hn_hcm"}
)

DEFAULT_DIRECTORY = Path(__file__).parent / "codelists"

_TOP_LEVEL = ("list", "version", "source", "note", "entries")
_CENT = Decimal("0.01")


class CodeListError(ValueError):
    """A code-list file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class CodeList:
    name: str
    version: str
    source: str
    note: str
    entries: tuple[Mapping[str, Any], ...]

    @functools.cached_property
    def by_code(self) -> Mapping[str, Mapping[str, Any]]:
        """Entries keyed by code, in file order."""
        return MappingProxyType({entry["code"]: entry for entry in self.entries})

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(entry["code"] for entry in self.entries)


def load_code_list(name: str, directory: Path | None = None) -> CodeList:
    """Read and check `<directory>/<name>.yaml` (by default the lists shipped in store/codelists).

    Lists from the default directory are read once per process; bump the file's `version` and
    restart to load a new one.
    """
    if directory is None:
        return _load_default(name)
    return _load(name, Path(directory))


@functools.cache
def _load_default(name: str) -> CodeList:
    return _load(name, DEFAULT_DIRECTORY)


def salary_steps(scale_entry: Mapping[str, Any]) -> list[tuple[int, Decimal]]:
    """The (step, coefficient) pairs of a salary scale: step n has first + (n - 1) x increment."""
    try:
        first = Decimal(scale_entry["first_coefficient"])
        increment = Decimal(scale_entry["increment"])
        steps = scale_entry["steps"]
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise CodeListError(f"salary scale {scale_entry.get('code')!r}: {exc!r}") from exc
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise CodeListError(
            f"salary scale {scale_entry.get('code')!r}: steps must be a positive integer"
        )
    return [
        (n, (first + (n - 1) * increment).quantize(_CENT, rounding=ROUND_HALF_UP))
        for n in range(1, steps + 1)
    ]


# --- reading and checking ---------------------------------------------------------------------


def _load(name: str, directory: Path) -> CodeList:
    path = directory / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CodeListError(f"{path}: no such code-list file") from exc
    except UnicodeDecodeError as exc:
        raise CodeListError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CodeListError(f"{path}: not valid YAML: {exc}") from exc

    if not isinstance(document, dict):
        raise CodeListError(f"{path}: the file must be a mapping with keys {', '.join(_TOP_LEVEL)}")
    missing = [key for key in _TOP_LEVEL if key not in document]
    if missing:
        raise CodeListError(f"{path}: missing top-level key(s): {', '.join(missing)}")
    unknown = sorted(str(key) for key in document if key not in _TOP_LEVEL)
    if unknown:
        raise CodeListError(f"{path}: unknown top-level key(s): {', '.join(unknown)}")
    for key in ("list", "version", "source", "note"):
        value = document[key]
        if not isinstance(value, str):
            raise CodeListError(f"{path}: '{key}' must be a string (quote it), got {value!r}")
        _check_text(path, key, value)
    if document["list"] != name:
        raise CodeListError(f"{path}: 'list' is {document['list']!r} but the file is for {name!r}")
    for key in ("list", "version", "source"):
        if not document[key].strip():
            raise CodeListError(f"{path}: '{key}' must not be empty")
    raw_entries = document["entries"]
    if not isinstance(raw_entries, list) or not raw_entries:
        raise CodeListError(f"{path}: 'entries' must be a non-empty list")

    entries: list[Mapping[str, Any]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_entries, start=1):
        entry = _check_entry(path, index, raw)
        code = entry["code"]
        if code in seen:
            raise CodeListError(f"{path}: entry {index}: code {code!r} repeats entry {seen[code]}")
        seen[code] = index
        entries.append(entry)

    return CodeList(
        name=name,
        version=document["version"],
        source=document["source"],
        note=document["note"],
        entries=tuple(entries),
    )


def _check_entry(path: Path, index: int, raw: object) -> Mapping[str, Any]:
    where = f"{path}: entry {index}"
    if not isinstance(raw, dict):
        raise CodeListError(f"{where}: must be a mapping, got {raw!r}")
    code = raw.get("code")
    if code is not None:
        where = f"{where} (code {code!r})"
    for key in ("code", "name"):
        if key not in raw:
            raise CodeListError(f"{where}: missing '{key}'")
        value = raw[key]
        if not isinstance(value, str):
            raise CodeListError(f"{where}: '{key}' must be a string (quote it), got {value!r}")
        if not value.strip():
            raise CodeListError(f"{where}: '{key}' must not be empty")

    entry: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise CodeListError(f"{where}: field names must be strings, got {key!r}")
        _check_value(where, key, value)
        entry[key] = _decimal(where, key, value) if key in DECIMAL_FIELDS else value
    return MappingProxyType(entry)


def _check_value(where: str, key: str, value: object) -> None:
    if isinstance(value, str):
        _check_text(where, key, value)
    elif isinstance(value, list):
        for item in value:
            _check_value(where, key, item)
    elif isinstance(value, dict):
        for inner_key, inner in value.items():
            _check_value(where, f"{key}.{inner_key}", inner)


def _check_text(where: str | Path, key: str, value: str) -> None:
    if unicodedata.normalize("NFC", value) != value:
        raise CodeListError(f"{where}: '{key}' is not NFC-normalised: {value!r}")
    if value != value.strip():
        raise CodeListError(f"{where}: '{key}' has leading or trailing whitespace: {value!r}")


def _decimal(where: str, key: str, value: object) -> Decimal:
    # a YAML float (6.2) is accepted through its text, but strings ("6.20") are the convention
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CodeListError(f"{where}: '{key}' must be a decimal string like \"1.30\"")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise CodeListError(f"{where}: '{key}' is not a decimal number: {value!r}") from exc
    if not number.is_finite() or number < 0:
        raise CodeListError(f"{where}: '{key}' must be a finite, non-negative number: {value!r}")
    return number
