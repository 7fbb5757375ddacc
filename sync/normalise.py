"""A source record's fields -> one person row of the store, to the standard. Pure.

Adapters already standardise what their mappings know; this is the second, uniform pass every
record takes whatever its kind: text cleaned (sync/text_hygiene.py: double decoding and legacy
fonts repaired with certainty, invisible characters removed, NFC), names in title case and split
into family / middle / given names with the search form built from the cleaned text, dates read
strictly (ISO, or the form the source declares), gender words, codes read only in the code list
the source declares (the national list when it declares none) or by a name of that list,
organisation codes to store ids. Nothing is guessed: a value that cannot be read with certainty
is not stored, and becomes a Problem (field, rule, value as written, form expected).

The fields read, and how, come from the standard record (vocabulary/standard_record.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.text_hygiene import clean_text as hygienic_text
from store.codelists import load_code_list
from store.person_row import CONTENT_COLUMNS
from store.text import fold, nfc, search_words
from vocabulary.date_forms import has_date_shape
from vocabulary.declarations import NATIONAL, SourceDeclarations
from vocabulary.problems import Problem
from vocabulary.standard_record import FieldType, standard_record

_RECORD = standard_record()
DATE_FIELDS = frozenset(_RECORD.of_type(FieldType.DATE))
_NAME_PARTS = ("family_name", "middle_name", "given_name")
TEXT_FIELDS = frozenset(_RECORD.of_type(FieldType.TEXT)) - {"personal_id", "organization_code"}
CHOICE_FIELDS = frozenset(_RECORD.of_type(FieldType.CHOICE)) - {"gender"}
INTEGER_FIELDS = frozenset(_RECORD.of_type(FieldType.INTEGER))
CODED_FIELDS: Mapping[str, str] = _RECORD.code_lists  # field -> its national code list
# closed sets the source may leave out: what the store records when it does
DEFAULTS: Mapping[str, str] = {
    "status": "active",
    "professional_level": "none",
    "political_theory": "none",
    "state_management": "none",
}

Failure = Problem  # the name sync/pipeline.py knows it by; a Problem is what it is
ISO_DATE = "a date of the form yyyy-mm-dd"


class NormaliseError(ValueError):
    def __init__(self, rule: str, expected: str | None = None) -> None:
        super().__init__(rule)
        self.rule = rule
        self.expected = expected


# --- text and names ----------------------------------------------------------------------------


def clean_text(value: object) -> str | None:
    """NFC, whitespace collapsed, None for empty."""
    if value is None:
        return None
    text = nfc(str(value))
    return text or None


def name_case(value: str, *, cleaned: bool = False) -> str:
    """'NGUYỄN  văn an' -> 'Nguyễn Văn An' (each word's first letter upper, the rest lower).
    `cleaned`: the text is NFC with single spaces already (adapters/text_hygiene.clean_text's)."""
    words = (value if cleaned else nfc(value)).split(" ")
    return " ".join([_cap(word) for word in words if word])


@functools.lru_cache(maxsize=1 << 15)  # a country's names are a few thousand words
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

# forms that name the day and the month in words, or put the year first: nobody's order differs
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?$"
)
_IN_WORDS = re.compile(r"^(?:ngày\s*)?(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})$")


def parse_date(value: object, date_format: str | None = None) -> date | None:
    """A date as the store keeps it, read with certainty: a date/datetime; ISO text
    (yyyy-mm-dd, a time after it allowed); 'ngày 5 tháng 3 năm 1980'; or text in the form the
    source declares (`date_format`, strptime). Day-first or month-first text, Excel serial
    numbers and every other form are refused unless the source declares them: "03/04/1980" is
    the 3rd of April to one agency and the 4th of March to another.

    NormaliseError("date_format") when it is none of those, ("date_invalid") when the form is
    right but no such day exists.
    """
    if value is None:
        return None
    if type(value) is str:  # most dates come as text: read once per distinct text
        return _date_of_text(value, date_format)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise NormaliseError("date_format", _date_expected(date_format))
    return _date_of_text(str(value), date_format)


# a national store's dates are a few tens of thousands of days, each read once (an error is not
# remembered: it is raised again, as the same NormaliseError, for every record that has it)
@functools.lru_cache(maxsize=1 << 16)
def _date_of_text(value: str, date_format: str | None) -> date | None:
    expected = _date_expected(date_format)
    text = nfc(value).lower()
    if not text:
        return None
    for pattern, order in ((_ISO, (0, 1, 2)), (_IN_WORDS, (2, 1, 0))):
        match = pattern.match(text)
        if match:
            parts = [int(match.group(i + 1)) for i in order]
            try:
                return date(parts[0], parts[1], parts[2])
            except ValueError:
                raise NormaliseError("date_invalid", expected) from None
    if date_format is not None:
        try:
            return datetime.strptime(nfc(value), date_format).date()
        except ValueError:
            if has_date_shape(text, date_format):
                raise NormaliseError("date_invalid", expected) from None
    raise NormaliseError("date_format", expected)


def _date_expected(date_format: str | None) -> str:
    if date_format is None:
        return ISO_DATE
    words = date_format.replace("%Y", "yyyy").replace("%m", "mm").replace("%d", "dd")
    return f"a date of the form {words} (or yyyy-mm-dd)"


# --- gender ------------------------------------------------------------------------------------

# words only: a digit means male to one system and female to another (1/0, 1/2), so a number is
# read only through a source's own mapping file, never here
_GENDERS = {
    "male": "male", "m": "male", "nam": "male", "trai": "male",
    "female": "female", "f": "female", "nu": "female", "gai": "female",
}  # fmt: skip
GENDER_EXPECTED = "Nam or Nữ (male or female)"


def parse_gender(value: object) -> str | None:
    if value is None:
        return None
    text = fold(str(value))
    if not text:
        return None
    try:
        return _GENDERS[text]
    except KeyError:
        raise NormaliseError("gender_unknown", GENDER_EXPECTED) from None


# --- code lists --------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """What two spellings of one code-list name share: folded, letters and digits only
    ("Ê-đê", "Ê Đê" and "ê đê" -> "ede")."""
    return "".join(char for char in fold(name) if char.isalnum())


@dataclass(frozen=True)
class CodeMap:
    """A code list as a source's values are read against it: by one of its codes, or by a name
    (or an official spelling variant, `variants` in the list's file) of an entry."""

    name: str
    version: str
    codes: frozenset[str]
    by_name: Mapping[str, str]  # name_key -> code
    names: Mapping[str, str]  # code -> name
    variant_keys: frozenset[str] = frozenset()  # name_keys of the variants (no entry's name)

    @classmethod
    def of(cls, list_name: str) -> CodeMap:
        return _code_map(list_name)

    def lookup(self, value: object, declared: CodeMap | None = None) -> str | None:
        """This (national) list's code for a value of a source that writes `declared` (None:
        this list). A code is read only in the declared list, then carried over to this one
        by its name; a name is read by name. NormaliseError("code_unknown") otherwise."""
        if value is None:
            return None
        text = nfc(str(value))
        if not text:
            return None
        source = declared or self
        if text in source.codes:
            if source is self:
                return text
            carried = self.by_name.get(name_key(source.names[text]))
            if carried is not None:
                return carried
        else:
            code = self.by_name.get(name_key(text))
            if code is not None:
                return code
        raise NormaliseError("code_unknown", source.expected())

    def expected(self) -> str:
        return f"a code of the list {self.name} (version {self.version}) or a name in it"

    def read_by_variant(self, value: object, declared: CodeMap | None = None) -> bool:
        """Whether `lookup` read this value by a spelling variant, not a code or a name (a
        repair with certainty, recorded as a correction: the agency may align its list)."""
        if value is None:
            return False
        text = nfc(str(value))
        return text not in (declared or self).codes and name_key(text) in self.variant_keys


@functools.cache
def _code_map(list_name: str) -> CodeMap:
    code_list = load_code_list(list_name)
    by_name: dict[str, str] = {}
    for entry in code_list.entries:
        by_name[name_key(entry["name"])] = entry["code"]
    variant_keys = set()
    for entry in code_list.entries:
        for variant in entry.get("variants", ()):
            key = name_key(variant["name"])
            if key not in by_name:
                variant_keys.add(key)
                by_name[key] = entry["code"]
    return CodeMap(
        list_name,
        code_list.version,
        frozenset(code_list.codes),
        by_name,
        {entry["code"]: entry["name"] for entry in code_list.entries},
        frozenset(variant_keys),
    )


@dataclass(frozen=True)
class Standard:
    """The organisations records are normalised against (code -> store id)."""

    organizations: Mapping[str, int]


# --- the record --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalised:
    """A person row in CONTENT_COLUMNS order (organization_id resolved), the organisation code
    it was resolved from, the problems that keep it out, and the corrections made to it (a
    rule per field: the record is stored, the correction recorded with it)."""

    values: dict[str, Any]
    organization_code: str | None
    failures: tuple[Problem, ...]
    corrections: tuple[Problem, ...] = ()


SPELLING_VARIANT_MAPPED = "spelling_variant_mapped"
"""A coded value written as an official spelling variant (the code-list file's `variants`),
read as its entry: stored, and recorded as a correction."""


def _raw(value: object) -> str | None:
    return None if value is None else str(value)


class _Reader:
    """One record's reading: what it stores and what it found wrong or repaired."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = fields
        self.out: dict[str, Any] = {}
        self.failures: list[Problem] = []
        self.corrections: list[Problem] = []

    def fail(self, name: str, rule: str, expected: str | None = None) -> None:
        self.failures.append(Problem(name, rule, _raw(self.fields.get(name)), expected))
        self.out[name] = None

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        if value is None:
            return None
        cleaned = hygienic_text(value)
        if cleaned.refused is None and not cleaned.corrections:
            return cleaned.text
        # the text as written: what the agency finds in its own copy (shown like a value)
        self.corrections += [Problem(name, rule, _raw(value)) for rule in cleaned.corrections]
        if cleaned.refused is not None:
            self.fail(name, cleaned.refused, "Vietnamese text in Unicode (UTF-8)")
        return cleaned.text


def normalise(
    fields: Mapping[str, Any],
    standard: Standard,
    declarations: SourceDeclarations = NATIONAL,
) -> Normalised:
    """The store's row for a record's fields; a value that fails is not stored (None), and the
    record carries a Problem for it."""
    read = _Reader(fields)
    out = read.out

    pid = read.text("personal_id")
    out["personal_id"] = pid.replace(" ", "").replace(".", "") if pid else None

    _names(read)

    for name in _PLAIN_TEXT_FIELDS:
        out[name] = read.text(name)

    try:
        out["gender"] = parse_gender(read.text("gender"))
    except NormaliseError as exc:
        read.fail("gender", exc.rule, exc.expected)

    for name in DATE_FIELDS:
        try:
            out[name] = parse_date(fields.get(name), declarations.date_format)
        except NormaliseError as exc:
            read.fail(name, exc.rule, exc.expected)

    for name, national, code_map in _coded_fields():
        declared = declarations.code_list(name, national)
        source_map = None if declared == national else CodeMap.of(declared)
        written = read.text(name)
        try:
            out[name] = code_map.lookup(written, source_map)
        except NormaliseError as exc:
            read.fail(name, exc.rule, exc.expected)
            continue
        if code_map.read_by_variant(written, source_map):
            read.corrections.append(Problem(name, SPELLING_VARIANT_MAPPED, written))

    for name in CHOICE_FIELDS:
        value = read.text(name)
        out[name] = value if value is not None else DEFAULTS.get(name)

    for name in INTEGER_FIELDS:
        value = fields.get(name)
        try:
            out[name] = _integer(value)
        except ValueError:
            read.fail(name, "not_integer", "a whole number")
    try:
        out["salary_coefficient"] = _coefficient(fields.get("salary_coefficient"))
    except ValueError:
        read.fail("salary_coefficient", "not_decimal", "a number with two decimals, e.g. 4.98")

    org_code = read.text("organization_code")
    org_code = org_code.upper() if org_code else None
    out["organization_id"] = standard.organizations.get(org_code) if org_code else None
    if org_code is not None and out["organization_id"] is None:
        read.failures.append(
            Problem("organization_code", "reference_unknown", org_code, "a known agency code")
        )
    return Normalised(out, org_code, tuple(read.failures), tuple(read.corrections))


# the text fields other than the name's parts (read by _names), in a fixed order
_PLAIN_TEXT_FIELDS = tuple(sorted(TEXT_FIELDS - set(_NAME_PARTS)))


@functools.cache
def _coded_fields() -> tuple[tuple[str, str, CodeMap], ...]:
    """(field, its national list, that list's map), built on first use."""
    return tuple((name, national, CodeMap.of(national)) for name, national in CODED_FIELDS.items())


def _names(read: _Reader) -> None:
    """The full name and its parts, from the cleaned text; the search and sort forms from them."""
    out = read.out
    full = read.text("full_name")
    stated = [read.text(k) for k in _NAME_PARTS]
    if full is None and "full_name" not in {f.field for f in read.failures}:
        full = " ".join(p for p in stated if p) or None
    if full is None:
        for name in ("full_name", *_NAME_PARTS, "name_search", "name_sort"):
            out[name] = None
        return
    full = name_case(full)
    family, middle, given = split_name(full)
    if stated[0] and stated[2]:
        parts = [name_case(p) if p else None for p in stated]
        if " ".join(p for p in parts if p) == full:  # the source's split, when it adds up
            family, middle, given = parts[0] or family, parts[1], parts[2] or given
    out["full_name"] = full
    out["family_name"] = family
    out["middle_name"] = middle
    out["given_name"] = given
    out["name_search"] = " ".join(_search_words_of(full))
    out["name_sort"] = " ".join(
        (*_search_words_of(given), *_search_words_of(family), *_search_words_of(middle or ""))
    )


def _search_words_of(text: str) -> tuple[str, ...]:
    """store.text.search_words(text), a word at a time: folding and the word pattern never
    reach across a space, so the words of a name are those of its words in order, and the few
    thousand family, middle and given names of the country are each folded once. The same keys
    as name_search_key and name_sort_key (tests/sync/test_normalise.py holds them to it)."""
    return tuple(word for chunk in text.split() for word in _folded_words(chunk))


@functools.lru_cache(maxsize=1 << 15)
def _folded_words(chunk: str) -> tuple[str, ...]:
    return tuple(search_words(chunk))


def _integer(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(value)
    return int(text)


_CENT = Decimal("0.01")


def _coefficient(value: object) -> Decimal | None:
    """Two decimals exactly: 4,98 and 4.98 read alike; 4.985 is refused, never rounded."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        number = Decimal(text.replace(",", ".") if "." not in text else text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite() or number != number.quantize(_CENT):
        raise ValueError(value)
    return number.quantize(_CENT)


def row_tuple(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values[name] for name in CONTENT_COLUMNS)
