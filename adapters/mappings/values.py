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
    # the repairs made with certainty to read a value (a legacy font converted, a code read
    # through invisible characters or double decoding), each with the value as written: the
    # sync records them as the record's corrections, so the agency can fix its own copy
    corrections: tuple[Problem, ...] = ()


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
    corrections: list[Problem] = []
    for field_rule in rule.fields:
        raw = _raw(field_rule, row)
        if raw is None:
            fields[field_rule.target] = None
            continue
        try:
            value, repairs = standard_value(field_rule, raw, date_format)
        except _Unmapped as exc:
            fields[field_rule.target] = raw
            problems.append(Problem(field_rule.target, exc.rule, _shown(raw), exc.expected))
            continue
        fields[field_rule.target] = value
        corrections += [Problem(field_rule.target, repair, str(raw)) for repair in repairs]
    for target in sorted(rule.required):
        if fields.get(target) is None:
            problems.append(Problem(target, "mandatory", None, "a value (mandatory field)"))
    return Mapped(fields, tuple(problems), tuple(corrections))


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


Repairs = tuple[str, ...]
"""The correction rules of the repairs made to read a value (the reject catalogue's ids)."""


def standard_value(
    rule: FieldRule, raw: Any, date_format: str | None = None
) -> tuple[Any, Repairs]:
    """The standard form of a non-empty raw value and the repairs made to read it; _Unmapped
    with its rule if there is none."""
    if rule.codes is not None:
        return _code(rule, raw)
    if rule.type == "date":
        # the source's own declaration is more specific than a mapping many sources share
        return _date(raw, date_format or rule.format).isoformat(), ()
    if rule.type == "integer":
        return _integer(raw), ()
    if rule.type == "decimal":
        return _decimal(raw), ()
    return _text(raw, rule.type == "name")


def _code(rule: FieldRule, raw: Any) -> tuple[str, Repairs]:
    """A code read in the rule's code map from the text as hygiene cleans it: a code written
    with a zero-width space, twice decoded or in a legacy font is the same code, and the
    repair is recorded; a text no certain repair reads is refused by hygiene's rule, one that
    reads but names nothing in the map is `code_unknown`."""
    assert rule.codes is not None
    expected = f"a value of the code map {rule.codes.name}"
    if isinstance(raw, bytes):
        raise _Unmapped("text_binary", expected)
    cleaned = clean_text(str(raw))
    code = rule.codes.lookup(cleaned.text) if cleaned.text is not None else None
    if code is None:
        raise _Unmapped(cleaned.refused or "code_unknown", expected)
    return code, cleaned.corrections


def _text(raw: Any, strict: bool) -> tuple[str, Repairs]:
    if isinstance(raw, bytes):
        raise _Unmapped("text_binary", "text")
    if strict:
        # a name: refused here only if no certain repair reads it (text hygiene). Other repairs
        # are the sync's (it records them as it cleans the name); a legacy font is converted
        # here, because the sync's hygiene would see Unicode, and recorded from here
        cleaned = clean_text(str(raw))
        if cleaned.refused is not None:
            raise _Unmapped(cleaned.refused, "Vietnamese text in Unicode, TCVN3 or VNI")
        if set(cleaned.corrections) - {LEGACY_ENCODING_CONVERTED}:
            return str(raw), ()
        return cleaned.text or "", cleaned.corrections
    return _plain_text(str(raw))


# places, titles: a source's other texts repeat from row to row, each converted once
@functools.lru_cache(maxsize=1 << 15)
def _plain_text(raw: str) -> tuple[str, Repairs]:
    text, encoding = detect_and_convert(raw)
    return nfc(text), (LEGACY_ENCODING_CONVERTED,) if encoding is not None else ()


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
