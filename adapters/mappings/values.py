"""One source row -> standard field values plus the problems found: pure, table-tested.

Standard values: text in NFC (legacy TCVN3/VNI text converted), dates as ISO "YYYY-MM-DD"
strings, integers as int, coefficients as Decimal, codes from the mapping's code maps. A value
that cannot be standardised stays in the fields exactly as the source wrote it, and a problem
says which field and why: the sync rejects the record with that reason instead of losing it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.encodings import detect_and_convert
from adapters.mappings.spec import FieldRule, RecordRule
from adapters.text_hygiene import LEGACY_ENCODING_CONVERTED, clean_text
from store.text import nfc
from vocabulary.date_forms import has_date_shape
from vocabulary.problems import Problem


@dataclass(frozen=True)
class Mapped:
    fields: dict[str, Any]
    problems: tuple[Problem, ...]


class _Unmapped(Exception):
    """A raw value with no standard form: the reject catalogue's rule and the form expected."""

    def __init__(self, rule: str, expected: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.expected = expected


def map_row(rule: RecordRule, row: Mapping[str, Any], date_format: str | None = None) -> Mapped:
    """Standard fields of one row (a dict, an asyncpg Record); absent columns count as empty.

    `date_format` is the source's declared form of dates (strptime); it takes precedence over
    the mapping's (a template many agencies share); without either, dates are ISO or refused.
    """
    fields: dict[str, Any] = {}
    problems: list[Problem] = []
    for field_rule in rule.fields:
        raw = _raw(field_rule, row)
        if raw is None:
            fields[field_rule.target] = None
            continue
        try:
            fields[field_rule.target] = standard_value(field_rule, raw, date_format)
        except _Unmapped as exc:
            fields[field_rule.target] = raw
            problems.append(Problem(field_rule.target, exc.rule, _shown(raw), exc.expected))
    for target in sorted(rule.required):
        if fields.get(target) is None:
            problems.append(Problem(target, "mandatory", None, "a value (mandatory field)"))
    return Mapped(fields, tuple(problems))


def _shown(raw: Any) -> str:
    return raw.hex() if isinstance(raw, bytes) else str(raw)


def _raw(rule: FieldRule, row: Mapping[str, Any]) -> Any:
    if len(rule.columns) == 1:
        return _present(row.get(rule.columns[0]))
    parts = [_present(row.get(column)) for column in rule.columns]
    words = [str(part) for part in parts if part is not None]
    return " ".join(words) if words else None


def _present(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def standard_value(rule: FieldRule, raw: Any, date_format: str | None = None) -> Any:
    """The standard form of a non-empty raw value; _Unmapped with its rule if there is none."""
    if rule.codes is not None:
        text = _text(raw, rule.type == "name")
        code = rule.codes.lookup(text)
        if code is None:
            raise _Unmapped("code_unknown", f"a value of the code map {rule.codes.name}")
        return code
    if rule.type == "date":
        # the source's own declaration is more specific than a mapping many sources share
        return _date(raw, date_format or rule.format).isoformat()
    if rule.type == "integer":
        return _integer(raw)
    if rule.type == "decimal":
        return _decimal(raw)
    return _text(raw, rule.type == "name")


def _text(raw: Any, strict: bool) -> str:
    if isinstance(raw, bytes):
        raise _Unmapped("text_binary", "text")
    if strict:
        # a name: refused here only if no certain repair reads it (text hygiene); the repair
        # itself is the sync's, which records it as a correction of the record
        cleaned = clean_text(str(raw))
        if cleaned.refused is not None:
            raise _Unmapped(cleaned.refused, "Vietnamese text in Unicode, TCVN3 or VNI")
        if set(cleaned.corrections) - {LEGACY_ENCODING_CONVERTED}:
            return str(raw)
        return cleaned.text or ""
    return _plain_text(str(raw))


# codes, places, titles: a source's other texts repeat from row to row, each converted once
@functools.lru_cache(maxsize=1 << 15)
def _plain_text(raw: str) -> str:
    text, _encoding = detect_and_convert(raw)
    return nfc(text)


def _date(raw: Any, fmt: str | None) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw)
    try:
        if fmt is None:
            return date.fromisoformat(text)
        return datetime.strptime(text, fmt).date()
    except ValueError:
        # the right form naming no day (31/02) is a typing error, not the form: its own rule
        rule = "date_invalid" if has_date_shape(text, fmt) else "date_format"
        raise _Unmapped(rule, date_form(fmt)) from None


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise _Unmapped("not_integer", "a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float | Decimal) and raw == int(raw):
        return int(raw)
    text = str(raw)
    if text.isdigit():
        return int(text)
    raise _Unmapped("not_integer", "a whole number")


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise _Unmapped("not_decimal", "a number such as 4.98")
    if isinstance(raw, Decimal):
        number = raw
    else:
        # a float from a spreadsheet through its shortest text (4.98, not 4.9800000000000004);
        # Vietnamese spreadsheets write the decimal comma
        text = repr(raw) if isinstance(raw, float) else str(raw)
        try:
            number = Decimal(text.replace(",", ".") if "." not in text else text)
        except InvalidOperation:
            raise _Unmapped("not_decimal", "a number such as 4.98") from None
    if not number.is_finite():
        raise _Unmapped("not_decimal", "a finite number such as 4.98")
    return number


_FORM_WORDS = {"%Y": "yyyy", "%m": "mm", "%d": "dd", "%y": "yy", "%H": "HH", "%M": "MM"}


def date_form(fmt: str | None) -> str:
    """A strptime format as a clerk reads it: '%d/%m/%Y' -> 'dd/mm/yyyy'."""
    text = fmt or "%Y-%m-%d"
    for directive, words in _FORM_WORDS.items():
        text = text.replace(directive, words)
    return f"a date of the form {text}"
