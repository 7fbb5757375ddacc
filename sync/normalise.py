"""A source record's fields -> one person row of the store, to the standard. Pure.

Adapters already standardise what their mappings know; this is the second, uniform pass every
record takes whatever its kind: NFC text with collapsed whitespace, names in title case and split
into family / middle / given names, every date format the sources use, gender words, code lists
mapped per source (a code of the source's own list, or a name), organisation codes to store ids.
A value that cannot be normalised stays as written and becomes a Failure (field, rule, value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from store.codelists import load_code_list
from store.person_row import CONTENT_COLUMNS
from store.text import fold, name_search_key, name_sort_key, nfc

DATE_FIELDS = frozenset(
    {
        "birth_date", "status_since", "recruited_on", "position_since", "salary_since",
        "party_joined_on", "party_official_on", "trade_union_joined_on", "youth_union_joined_on",
    }
)  # fmt: skip
TEXT_FIELDS = frozenset(
    {
        "birth_place", "home_town", "permanent_address", "current_address", "job_position",
        "field_of_study", "foreign_language", "it_skill", "general_education", "other_names",
    }
)  # fmt: skip
# closed sets the source may leave out: what the store records when it does
DEFAULTS: Mapping[str, str] = {
    "status": "active",
    "professional_level": "none",
    "political_theory": "none",
    "state_management": "none",
}


@dataclass(frozen=True)
class Failure:
    """One rule a record breaks: which field, which rule, the value as the source wrote it."""

    field: str
    rule: str
    value: str | None


class NormaliseError(ValueError):
    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


# --- text and names ----------------------------------------------------------------------------


def clean_text(value: object) -> str | None:
    """NFC, whitespace collapsed, None for empty."""
    if value is None:
        return None
    text = nfc(str(value))
    return text or None


def name_case(value: str) -> str:
    """'NGUYỄN  văn an' -> 'Nguyễn Văn An' (each word's first letter upper, the rest lower)."""
    words = nfc(value).split(" ")
    return " ".join(_cap(word) for word in words if word)


def _cap(word: str) -> str:
    """A word all in one case gets a capital first letter; mixed case ("H'Bia") is kept."""
    if not (word.isupper() or word.islower()):
        return word
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def split_name(full: str) -> tuple[str, str | None, str]:
    """(family, middle, given) of a Vietnamese full name: first word, the middle, last word."""
    words = full.split()
    if len(words) == 1:
        return words[0], None, words[0]
    return words[0], " ".join(words[1:-1]) or None, words[-1]


# --- dates -------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(?:ngày\s*)?(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})$"), ("d", "m", "y")),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: object) -> date | None:
    """Every date form the sources use: date/datetime, ISO, dd/mm/yyyy (also '.' and '-'),
    yyyymmdd, yyyy/mm/dd, 'ngày 5 tháng 3 năm 1980', Excel serial numbers (as numbers).

    NormaliseError("date_format") when it is none of those or not a real date.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        serial = int(value)
        if 20_000 <= serial <= 80_000:  # 1954 .. 2119
            return _EXCEL_EPOCH + timedelta(days=serial)
        raise NormaliseError("date_format")
    text = nfc(str(value)).lower()
    if not text:
        return None
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise NormaliseError("date_invalid") from None
    raise NormaliseError("date_format")


# --- gender ------------------------------------------------------------------------------------

_GENDERS = {
    "male": "male", "m": "male", "nam": "male", "1": "male", "trai": "male",
    "female": "female", "f": "female", "nu": "female", "0": "female", "2": "female",
    "gai": "female",
}  # fmt: skip


def parse_gender(value: object) -> str | None:
    if value is None:
        return None
    text = fold(str(value))
    if not text:
        return None
    try:
        return _GENDERS[text]
    except KeyError:
        raise NormaliseError("gender_unknown") from None


# --- code lists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeMap:
    """A store code list, read either by code of a source's own list or by name (folded)."""

    name: str
    codes: frozenset[str]
    by_name: Mapping[str, str]

    @classmethod
    def of(cls, list_name: str) -> CodeMap:
        entries = load_code_list(list_name).entries
        return cls(
            list_name,
            frozenset(e["code"] for e in entries),
            {fold(e["name"]): e["code"] for e in entries},
        )

    def lookup(self, value: object, source_list: Mapping[str, str] | None = None) -> str | None:
        """Our code for a value: a code of the source's own list (translated by name), a code
        of ours, or a name. NormaliseError("code_unknown") otherwise."""
        if value is None:
            return None
        text = clean_text(value)
        if text is None:
            return None
        if source_list is not None and text in source_list:
            text = source_list[text]  # their code -> its name in their list
        if source_list is None and text in self.codes:
            return text
        code = self.by_name.get(fold(text))
        if code is None:
            if source_list is not None and text in self.codes:
                return text
            raise NormaliseError("code_unknown")
        return code


def source_code_list(list_name: str) -> dict[str, str]:
    """A source's own code list as code -> name (e.g. ethnic_groups_alt)."""
    return {e["code"]: e["name"] for e in load_code_list(list_name).entries}


@dataclass(frozen=True)
class Standard:
    """The code lists and organisations records are normalised against.

    `source_lists` names, per source id and field, the source's own code list, e.g.
    {"VN:GOV:...:HRM": {"ethnicity_code": "ethnic_groups_alt"}}.
    """

    organizations: Mapping[str, int]
    ethnic: CodeMap = field(default_factory=lambda: CodeMap.of("ethnic_groups"))
    religions: CodeMap = field(default_factory=lambda: CodeMap.of("religions"))
    grades: CodeMap = field(default_factory=lambda: CodeMap.of("grades"))
    positions: CodeMap = field(default_factory=lambda: CodeMap.of("positions"))
    source_lists: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def own_list(self, source_id: str, column: str) -> dict[str, str] | None:
        name = self.source_lists.get(source_id, {}).get(column)
        return source_code_list(name) if name else None


_CODED = {
    "ethnicity_code": "ethnic",
    "religion_code": "religions",
    "grade_code": "grades",
    "position_code": "positions",
}


# --- the record --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalised:
    """A person row in CONTENT_COLUMNS order (organization_id resolved) plus the organisation
    code it was resolved from, or the failures that keep it out."""

    values: dict[str, Any]
    organization_code: str | None
    failures: tuple[Failure, ...]


def _raw(value: object) -> str | None:
    return None if value is None else str(value)


def normalise(fields: Mapping[str, Any], standard: Standard, source_id: str = "") -> Normalised:
    """The store's row for a record's fields; values that fail stay as written, with a Failure."""
    out: dict[str, Any] = {}
    failures: list[Failure] = []

    def fail(name: str, rule: str) -> None:
        failures.append(Failure(name, rule, _raw(fields.get(name))))
        out[name] = None

    pid = clean_text(fields.get("personal_id"))
    out["personal_id"] = pid.replace(" ", "").replace(".", "") if pid else None

    full = clean_text(fields.get("full_name"))
    if full is None:
        parts = [clean_text(fields.get(k)) for k in ("family_name", "middle_name", "given_name")]
        full = " ".join(p for p in parts if p) or None
    if full is not None:
        full = name_case(full)
        family, middle, given = split_name(full)
        stated = [clean_text(fields.get(k)) for k in ("family_name", "middle_name", "given_name")]
        if stated[0] and stated[2]:
            parts = [name_case(p) if p else None for p in stated]
            if " ".join(p for p in parts if p) == full:  # the source's split, when it adds up
                family, middle, given = parts[0] or family, parts[1], parts[2] or given
        out["full_name"] = full
        out["family_name"] = family
        out["middle_name"] = middle
        out["given_name"] = given
        out["name_search"] = name_search_key(full)
        out["name_sort"] = name_sort_key(family, middle, given)
    else:
        for name in ("full_name", "family_name", "middle_name", "given_name"):
            out[name] = None
        out["name_search"] = out["name_sort"] = None

    for name in TEXT_FIELDS:
        out[name] = clean_text(fields.get(name))

    try:
        out["gender"] = parse_gender(fields.get("gender"))
    except NormaliseError as exc:
        fail("gender", exc.rule)

    for name in DATE_FIELDS:
        try:
            out[name] = parse_date(fields.get(name))
        except NormaliseError as exc:
            fail(name, exc.rule)

    for name, attribute in _CODED.items():
        code_map: CodeMap = getattr(standard, attribute)
        try:
            out[name] = code_map.lookup(fields.get(name), standard.own_list(source_id, name))
        except NormaliseError as exc:
            fail(name, exc.rule)

    for name in (
        "category", "status", "professional_level", "political_theory", "state_management",
        "performance_rating", "salary_scale_code",
    ):  # fmt: skip
        value = clean_text(fields.get(name))
        out[name] = value if value is not None else DEFAULTS.get(name)

    for name in ("salary_step", "performance_year"):
        value = fields.get(name)
        try:
            out[name] = None if value in (None, "") else int(str(value).strip())
        except ValueError:
            fail(name, "not_integer")
    coefficient = fields.get("salary_coefficient")
    try:
        out["salary_coefficient"] = (
            None
            if coefficient in (None, "")
            else Decimal(str(coefficient).strip().replace(",", ".")).quantize(Decimal("0.01"))
        )
    except InvalidOperation:
        fail("salary_coefficient", "not_decimal")

    org_code = clean_text(fields.get("organization_code"))
    org_code = org_code.upper() if org_code else None
    out["organization_id"] = standard.organizations.get(org_code) if org_code else None
    if org_code is not None and out["organization_id"] is None:
        failures.append(Failure("organization_code", "reference_unknown", org_code))
    return Normalised(out, org_code, tuple(failures))


def row_tuple(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values[name] for name in CONTENT_COLUMNS)
