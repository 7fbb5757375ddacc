"""A record's dossier lists -> the rows the store keeps, or the problems that keep them out. Pure.

    lists = read_lists(record.sections, person_values, today, declarations)
    lists.rows        # {"dossier_family_member": ((relation, full_name, ...), ...), ...}
    lists.problems    # Problem("dossier_family_member[2].birth_year", "family_birth_year", ...)

`SourceRecord.sections` carries the lists a source states for a person, keyed by the store table
of the field catalogue's list (vocabulary/data/dossier_fields.yaml), each entry keyed by the
catalogue's column names. Every list is read against the catalogue, field by field as its type
says (text as person text is cleaned, dates strictly, years and amounts within their range,
codes only in the list the catalogue names), then by the rules of its group: a period never
ends before it starts, the self-declared history and armed-forces service never overlap, an
allowance of one kind runs once at a time and is a coefficient or a percentage, one rating and
one asset declaration a year, a father and a mother at most, parents older and children
younger than the person by a generation.

A problem names the entry and its column ("dossier_history_period[3].start_on", entries counted
from 1 in the source's order) so the clerk finds it. Any problem keeps the whole record out
(docs/sync.md says why); the rows come out in catalogue column order, for sync/dossier_store.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, cached_property
from operator import itemgetter
from typing import Any

from adapters.text_hygiene import clean_text
from store.dossier_vocabulary import CODE_LISTS, VIETNAMESE
from store.vocabulary import PerformanceRating
from sync.normalise import NormaliseError, name_case, name_key, parse_date
from vocabulary.declarations import NATIONAL, SourceDeclarations
from vocabulary.dossier_catalogue import CatalogueField, CatalogueSection, dossier_catalogue
from vocabulary.problems import Problem
from vocabulary.sources import SentSections

# the reject catalogue's rules of the dossier's lists (vocabulary/data/reject_rules.yaml)
LIST_UNKNOWN = "dossier_list_unknown"
FIELD_UNKNOWN = "dossier_field_unknown"
ENTRY_UNREADABLE = "dossier_entry_unreadable"
YEAR_OUT_OF_RANGE = "year_out_of_range"
VALUE_OUT_OF_RANGE = "value_out_of_range"
TEXT_TOO_LONG = "text_too_long"
PERIOD_OVERLAP = "period_overlap"
FAMILY_BIRTH_YEAR = "family_birth_year"
FAMILY_RELATION_REPEATED = "family_relation_repeated"
DUPLICATE_YEAR = "duplicate_year"
ALLOWANCE_AMOUNT = "allowance_amount"

MAX_TEXT = 1000  # characters of one text entry field: a CV line, not a document
MAX_ENTRIES = 500  # entries of one list: more is a source's loop, not a life
FIRST_YEAR = 1945  # ratings and declarations: the civil service of the Republic
FIRST_BIRTH_YEAR = 1880  # a family member (grandparents of the oldest staff are not listed)
GENERATION = 12  # parents at least this many years older, children this many younger
OLDEST_PARENT = 80

PERIODS: Mapping[str, tuple[str, str]] = {
    "dossier_history_period": ("start_on", "end_on"),
    "dossier_training_course": ("start_on", "end_on"),
    "dossier_discipline": ("decided_on", "expires_on"),
    "dossier_allowance": ("start_on", "end_on"),
    "dossier_military_service": ("enlisted_on", "discharged_on"),
}
"""(start, end) of the lists whose entries are periods: the end, when given, is not before."""
NO_OVERLAP: Mapping[str, str | None] = {
    "dossier_history_period": None,  # one life, one thing at a time (self-declared, group 3)
    "dossier_military_service": None,
    "dossier_allowance": "kind",  # per kind: two responsibility allowances at once are one
}
"""The period lists whose entries never overlap (within the same value of the named column)."""
ONE_PER_YEAR = ("dossier_annual_rating", "dossier_asset_declaration")
FUTURE_ALLOWED = frozenset(
    {
        ("dossier_discipline", "expires_on"),
        ("dossier_allowance", "end_on"),
        ("dossier_training_course", "end_on"),  # a course under way has its planned end
    }
)
RANGES: Mapping[tuple[str, str], tuple[Decimal, Decimal, int]] = {
    ("dossier_allowance", "coefficient"): (Decimal("0.01"), Decimal("99.99"), 2),
    ("dossier_allowance", "percent"): (Decimal(1), Decimal(100), 0),
    ("dossier_asset_declaration", "annual_income_vnd"): (Decimal(0), Decimal(10) ** 16 - 1, 0),
    ("dossier_health_record", "height_cm"): (Decimal(100), Decimal(250), 0),
    ("dossier_health_record", "weight_kg"): (Decimal(25), Decimal(300), 1),
}
"""(lowest, highest, decimals at most) of the numbers the store's columns and sense bound."""
PARENTS = ("father", "mother")


@dataclass(frozen=True)
class Lists:
    """The lists of one record as the store keeps them, or what keeps them out."""

    rows: Mapping[str, tuple[tuple[Any, ...], ...]] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    corrections: tuple[Problem, ...] = ()

    def digest(self) -> str:
        """What the lists are, as one hash (folded into the record's content hash)."""
        return self._digest

    @cached_property
    def _digest(self) -> str:
        # asked for twice per record stored (its content hash, the lists' own row): built once
        text = "\x1e".join(
            table
            + "\x1d"
            + "\x1d".join(
                "\x1f".join(["\x00" if v is None else str(v) for v in row]) for row in rows
            )
            for table, rows in sorted(self.rows.items())
        )
        return hashlib.sha256(text.encode()).hexdigest()


LISTS_READING = "2"
"""The reading's own version, part of every received digest: a change of the rules that could
refuse or repair lists stored before raises it, and every record's lists are read again once.
2: a code's invisible characters are removed as text's are, and the repair recorded."""


def received_digest(
    sections: Mapping[str, Sequence[Mapping[str, Any]]] | SentSections,
    person: Mapping[str, Any],
    declarations: SourceDeclarations = NATIONAL,
) -> str:
    """The lists as the source sent them, with what their reading depends on besides `today`
    (the person's birth date, the source's declarations), as one hash. Equal digests read the
    same; `today` only moves on, and a list read clean stays clean as it does (no date or year
    it allowed becomes a future one). The values' repr keeps their types: 5 is not "5". Lists
    sent unread are named by their fingerprint (equal ones type alike), so that lists that
    come again as they were stored are not even typed."""
    sent = sections.fingerprint if isinstance(sections, SentSections) else sections
    text = repr((LISTS_READING, person.get("birth_date"), declarations, sent))
    return hashlib.sha256(text.encode()).hexdigest()


def entry_field(table: str, number: int, column: str | None = None) -> str:
    """How a problem names an entry's field: "dossier_family_member[2].birth_year"."""
    return f"{table}[{number}]" + (f".{column}" if column else "")


@cache
def list_columns() -> Mapping[str, tuple[str, ...]]:
    """Store table -> the catalogue's columns of that list, in catalogue order."""
    return {s.table: tuple(f.column for f in s.fields) for s in dossier_catalogue().lists}


@cache
def _sections() -> Mapping[str, CatalogueSection]:
    """Store table -> the catalogue's list of that table."""
    return {s.table: s for s in dossier_catalogue().lists}


@cache
def _known(table: str) -> frozenset[str]:
    return frozenset(list_columns()[table])


@cache
def _row_of(table: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """An entry's values -> its row, in the catalogue's column order."""
    columns = list_columns()[table]
    if len(columns) == 1:
        return lambda values: (values[columns[0]],)
    return itemgetter(*columns)


@cache
def _code_values(code_list: str) -> tuple[frozenset[str], Mapping[str, str]]:
    """(codes, name key -> code) of a dossier code list: its codes, and its Vietnamese names."""
    enum: type[StrEnum] = (
        PerformanceRating if code_list == "PerformanceRating" else CODE_LISTS[code_list]
    )
    names = VIETNAMESE.get(code_list, {})
    return frozenset(m.value for m in enum), {name_key(n): c for c, n in names.items()}


def read_lists(
    sections: Mapping[str, Sequence[Mapping[str, Any]]] | None,
    person: Mapping[str, Any],
    today: date,
    declarations: SourceDeclarations = NATIONAL,
) -> Lists | None:
    """The store's rows of every list the record carries (None: it carries none)."""
    if sections is None:
        return None
    catalogue = _sections()
    rows: dict[str, tuple[tuple[Any, ...], ...]] = {}
    problems: list[Problem] = []
    corrections: list[Problem] = []
    if not isinstance(sections, Mapping):
        return Lists(problems=(Problem("dossier", ENTRY_UNREADABLE, None, "lists by table"),))
    for table, entries in sections.items():
        section = catalogue.get(str(table))
        if section is None:
            problems.append(
                Problem(str(table), LIST_UNKNOWN, None, f"one of {', '.join(sorted(catalogue))}")
            )
            continue
        reader = _ListReader(section, person, today, declarations)
        rows[section.table] = reader.read(entries)
        problems += reader.problems
        corrections += reader.corrections
    if problems:
        return Lists(problems=tuple(problems), corrections=tuple(corrections))
    return Lists(rows, corrections=tuple(corrections))


class _ListReader:
    """One list's reading: entries field by field, then the list's own rules."""

    def __init__(
        self,
        section: CatalogueSection,
        person: Mapping[str, Any],
        today: date,
        declarations: SourceDeclarations,
    ) -> None:
        self.section = section
        self.table = section.table
        self.person = person
        self.today = today
        self.declarations = declarations
        self.problems: list[Problem] = []
        self.corrections: list[Problem] = []
        self.known = _known(section.table)

    def fail(
        self, number: int, column: str | None, rule: str, value: object, expected: str | None
    ) -> None:
        shown = None if value is None else str(value)
        self.problems.append(
            Problem(entry_field(self.table, number, column), rule, shown, expected)
        )

    def read(self, entries: object) -> tuple[tuple[Any, ...], ...]:
        if type(entries) is not list and (  # (a list, nearly always: no ABC check for it)
            isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Sequence)
        ):
            self.problems.append(Problem(self.table, ENTRY_UNREADABLE, None, "a list of entries"))
            return ()
        if len(entries) > MAX_ENTRIES:
            self.problems.append(
                Problem(self.table, VALUE_OUT_OF_RANGE, str(len(entries)),
                        f"at most {MAX_ENTRIES} entries")
            )  # fmt: skip
            return ()
        read: list[dict[str, Any]] = []
        for number, entry in enumerate(entries, start=1):
            read.append(self.entry(number, entry))
        if self.problems:
            return ()
        self.list_rules(read)
        return tuple(map(_row_of(self.table), read))

    def entry(self, number: int, entry: object) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if type(entry) is not dict and not isinstance(entry, Mapping):
            self.fail(number, None, ENTRY_UNREADABLE, None, "an entry of named fields")
            return out
        known = self.known
        if not known.issuperset(entry):
            for key in entry:
                if key not in known:
                    self.fail(number, str(key), FIELD_UNKNOWN, None,
                              f"one of {', '.join(sorted(known))}")  # fmt: skip
        for spec in self.section.fields:
            raw = entry.get(spec.column)
            value = None if raw is None else self.value(number, spec, raw)
            out[spec.column] = value
            if value is None and spec.mandatory and not self._failed(number, spec):
                self.fail(number, spec.column, "mandatory", None, "a value (mandatory field)")
        self.entry_rules(number, out)
        return out

    def _failed(self, number: int, spec: CatalogueField) -> bool:
        name = entry_field(self.table, number, spec.column)
        return any(p.field == name for p in self.problems)

    # -- one value, as its catalogue type says --

    def value(self, number: int, spec: CatalogueField, raw: object) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            if spec.type == "text":
                return self.text(number, spec, raw)
            if spec.type == "date":
                return self.date(number, spec, raw)
            if spec.type == "code":
                return self.code(number, spec, raw)
            if spec.type == "year":
                return self.year(spec, raw)
            return self.number(spec, raw)
        except NormaliseError as exc:
            self.fail(number, spec.column, exc.rule, raw, exc.expected)
            return None

    def text(self, number: int, spec: CatalogueField, raw: object) -> str | None:
        if not isinstance(raw, str):
            raise NormaliseError("text_type", "text")
        cleaned = clean_text(raw)
        if cleaned.corrections:
            name = entry_field(self.table, number, spec.column)
            self.corrections += [Problem(name, rule) for rule in cleaned.corrections]
        if cleaned.refused is not None:
            raise NormaliseError(cleaned.refused, "Vietnamese text in Unicode (UTF-8)")
        text = cleaned.text
        if text is not None and len(text) > MAX_TEXT:
            raise NormaliseError(TEXT_TOO_LONG, f"at most {MAX_TEXT} characters")
        if text is not None and spec.column == "full_name":
            text = name_case(text, cleaned=True)
        return text

    def date(self, number: int, spec: CatalogueField, raw: object) -> date | None:
        value = parse_date(raw, self.declarations.date_format)
        if value is None:
            return None
        if value > self.today and (self.table, spec.column) not in FUTURE_ALLOWED:
            raise NormaliseError("date_in_future", f"a date not after {self.today.isoformat()}")
        birth = self.person.get("birth_date")
        if isinstance(birth, date) and value < birth:
            raise NormaliseError("date_before_birth", "a date after the person's birth")
        return value

    def code(self, number: int, spec: CatalogueField, raw: object) -> str | None:
        assert spec.code_list is not None  # the catalogue names the list of every code field
        codes, by_name = _code_values(spec.code_list)
        # cleaned as text is, each repair recorded: a name key ignores an invisible character,
        # so without this "Không\u200b" would be read as its code and nothing said
        text = self.text(number, spec, raw if isinstance(raw, str) else str(raw))
        if text is None:
            return None
        if text in codes:
            return text
        found = by_name.get(name_key(text))
        if found is None:
            raise NormaliseError(
                "code_unknown", f"one of {', '.join(sorted(codes))} (list {spec.code_list})"
            )
        return found

    def year(self, spec: CatalogueField, raw: object) -> int:
        year = _whole(raw)
        if year is None:
            raise NormaliseError("not_integer", "a year of four digits")
        first = FIRST_BIRTH_YEAR if self.table == "dossier_family_member" else FIRST_YEAR
        if not first <= year <= self.today.year:
            raise NormaliseError(YEAR_OUT_OF_RANGE, f"a year from {first} to {self.today.year}")
        return year

    def number(self, spec: CatalogueField, raw: object) -> int | Decimal:
        low, high, places = RANGES.get((self.table, spec.column), (Decimal(0), Decimal(10) ** 9, 0))
        if isinstance(raw, bool):
            raise NormaliseError("not_integer" if spec.type == "integer" else "not_decimal")
        text = repr(raw) if isinstance(raw, float) else str(raw).strip()
        try:
            number = Decimal(text.replace(",", ".") if "." not in text else text)
        except InvalidOperation:
            number = Decimal("NaN")
        whole = spec.type == "integer" or places == 0
        if not number.is_finite() or number != number.quantize(Decimal(1).scaleb(-places)):
            rule = "not_integer" if whole else "not_decimal"
            raise NormaliseError(rule, "a whole number" if whole else f"at most {places} decimals")
        if not low <= number <= high:
            raise NormaliseError(VALUE_OUT_OF_RANGE, f"from {low} to {high}")
        return (
            int(number) if spec.type == "integer" else number.quantize(Decimal(1).scaleb(-places))
        )

    # -- the group's rules --

    def entry_rules(self, number: int, out: Mapping[str, Any]) -> None:
        period = PERIODS.get(self.table)
        if period is not None:
            start, end = out.get(period[0]), out.get(period[1])
            if isinstance(start, date) and isinstance(end, date) and end < start:
                self.fail(number, period[1], "date_order", end.isoformat(),
                          f"a date not before {period[0]}")  # fmt: skip
        one_amount = (out.get("coefficient") is None) != (out.get("percent") is None)
        # (an amount the reading refused is named already)
        if self.table == "dossier_allowance" and not one_amount and not self._failed_entry(number):
            self.fail(number, "coefficient", ALLOWANCE_AMOUNT, None,
                      "a coefficient or a percent, one of the two")  # fmt: skip
        if self.table == "dossier_family_member":
            self.family_entry(number, out)

    def _failed_entry(self, number: int) -> bool:
        prefix = entry_field(self.table, number)
        return any((p.field or "").startswith(prefix) for p in self.problems)

    def family_entry(self, number: int, out: Mapping[str, Any]) -> None:
        birth = self.person.get("birth_date")
        year, relation = out.get("birth_year"), out.get("relation")
        if not isinstance(birth, date) or not isinstance(year, int):
            return
        own = birth.year
        if relation in PARENTS and not own - OLDEST_PARENT <= year <= own - GENERATION:
            self.fail(number, "birth_year", FAMILY_BIRTH_YEAR, year,
                      f"a parent born {OLDEST_PARENT} to {GENERATION} years before"
                      f" the person ({own - OLDEST_PARENT} to {own - GENERATION})")  # fmt: skip
        if relation == "child" and year < own + GENERATION:
            self.fail(number, "birth_year", FAMILY_BIRTH_YEAR, year,
                      f"a child born at least {GENERATION} years after the person"
                      f" ({own + GENERATION} or later)")  # fmt: skip

    def list_rules(self, read: Sequence[Mapping[str, Any]]) -> None:
        if self.table in NO_OVERLAP:
            self.overlaps(read, NO_OVERLAP[self.table])
        if self.table in ONE_PER_YEAR:
            seen: set[int] = set()
            for number, entry in enumerate(read, start=1):
                if entry["year"] in seen:
                    self.fail(number, "year", DUPLICATE_YEAR, entry["year"], "one entry a year")
                seen.add(entry["year"])
        if self.table == "dossier_family_member":
            for relation in PARENTS:
                numbers = [n for n, e in enumerate(read, start=1) if e["relation"] == relation]
                for number in numbers[1:]:
                    self.fail(number, "relation", FAMILY_RELATION_REPEATED, relation,
                              f"at most one {relation}")  # fmt: skip

    def overlaps(self, read: Sequence[Mapping[str, Any]], within: str | None) -> None:
        start, end = PERIODS[self.table]
        ordered = sorted(
            (e[start], number, e[end], e[within] if within else None)
            for number, e in enumerate(read, start=1)
        )
        furthest: dict[object, tuple[date | None, int]] = {}  # per group: the latest end so far
        for begins, number, ends, group in ordered:
            previous = furthest.get(group)
            if previous is None:
                furthest[group] = (ends, number)
                continue
            reach, holder = previous
            if reach is None or begins < reach:
                self.fail(number, start, PERIOD_OVERLAP, begins.isoformat(),
                          f"a date after the end of entry {holder}")  # fmt: skip
            if reach is not None and (ends is None or ends > reach):
                furthest[group] = (ends, number)


def _whole(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal | float) and raw == int(raw):
        return int(raw)
    text = str(raw).strip()
    return int(text) if text.isdigit() else None
