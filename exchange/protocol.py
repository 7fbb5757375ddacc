"""The MOHA exchange protocol: every payload an agency connector and its client exchange.

Pure: builders of payloads (plain JSON-ready dicts) for the connector, and parsers of payloads
(into vocabulary.sources values) for the client, in one module so that the later signed and
encrypted envelope wraps exactly these shapes. Every payload names the protocol and its version;
a client accepts any minor version of the major it knows (a minor version only adds optional
members).

Endpoints (per agency, below `/agencies/<agency code>` when one connector serves several):

    GET  /v1/changes?cursor=<opaque>&limit=<1..1000>   -> changes payload
    POST /v1/persons/detail   {personal_ids, parts}     -> details payload (read-only lookup)
    GET  /v1/organizations                              -> organizations payload
    GET  /v1/health                                     -> health payload
    POST /v1/declarations  (a sealed declaration)       -> receipt (version 2, see
                                                           exchange/declaration.py)
    GET  /v1/declarations/outcomes?cursor=&limit=       -> outcomes (version 2)

    {"protocol": "moha-exchange", "version": "2.0", ...}     on every payload, plus:
    changes        {"source_id", "records": [{"source_record_id", "version", "deleted",
                    "fields": {standard name: JSON value}, "changed_at"?,
                    "sections"?: {dossier list table: [{catalogue column: JSON value}]}}],
                    "next_cursor", "has_more"}
                   (changed_at, since 1.1: when the agency's system changed the record, ISO 8601
                   with its UTC offset; a 1.0 connector omits it and is simply not measured)

Version 2 adds the dossier's lists to a person record (`sections`, keyed by the store table of
the catalogue's list, vocabulary/dossier_catalogue.py) and the declaration messages; MOHA's
client reads version 1 and version 2 payloads alike (a version 1 record carries no lists), so
agencies move to version 2 one by one.
    detail request {"personal_ids": [12 digits, ...], "parts": [DetailPart, ...]}
    details        {"persons": [{"personal_id", "parts": {part: [{key: scalar}]}}]}
                   (keys per part in DETAIL_FIELDS)
    organizations  {"organizations": [{"code", "name", "level", "parent_code", "status",
                    "status_changed_on", "successor_code"}]}
    health         {"status": "ok", "source_id", "records", "checked_at"}
    error          {"error": {"code", "message"}}   with a 4xx/5xx status

Person fields travel under the Ministry store's column names (see PERSON_FIELDS), the
organisation by its electronic code; dates are ISO 8601 strings, decimals strings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any

import orjson

from exchange.payload import PayloadError, Reader
from vocabulary.date_forms import has_date_shape
from vocabulary.dossier_catalogue import dossier_catalogue
from vocabulary.problems import Problem
from vocabulary.sources import (
    ChangePage,
    DetailPart,
    OrganizationRecord,
    PersonDetail,
    Sections,
    SentSections,
    SourceRecord,
)
from vocabulary.standard_record import FieldType as StandardType
from vocabulary.standard_record import standard_record

PROTOCOL = "moha-exchange"
VERSION = "2.0"  # 2.0 added the dossier's lists (`sections`) and the declarations
VERSION_1 = "1.1"  # the last of version 1: 1.1 added the optional `changed_at` of a record
MAJOR_VERSION = 2
SUPPORTED_MAJORS = frozenset({1, 2})
"""The major versions this side reads: version 1 agencies keep working unchanged."""

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_DETAIL_BATCH = 200  # personal IDs per detail request
MAX_ENTRIES_PER_PART = 500
MAX_ENTRIES_PER_SECTION = 500

PERSONAL_ID = re.compile(r"^[0-9]{12}$")
_STATUSES = frozenset({"active", "merged", "dissolved"})
_PARTS = frozenset(part.value for part in DetailPart)

JsonObject = dict[str, Any]


class FieldType(Enum):
    TEXT = "text"
    DATE = "date"
    INTEGER = "integer"
    DECIMAL = "decimal"


# The person fields the change feed carries: the standard record's fields (data groups 1, 4, 5,
# 6, 7; vocabulary/standard_record.py), on the wire as text, dates, integers or decimals.
_WIRE_TYPES: Mapping[StandardType, FieldType] = {
    StandardType.DATE: FieldType.DATE,
    StandardType.INTEGER: FieldType.INTEGER,
    StandardType.DECIMAL: FieldType.DECIMAL,
}
PERSON_FIELDS: Mapping[str, FieldType] = {
    f.name: _WIRE_TYPES.get(f.type, FieldType.TEXT) for f in standard_record().fields
}
# a field value of the wrong type: the reject catalogue's rule and the form expected
_WIRE_RULES: Mapping[FieldType, tuple[str, str]] = {
    FieldType.TEXT: ("text_type", "text"),
    FieldType.DATE: ("date_format", "a date of the form yyyy-mm-dd"),
    FieldType.INTEGER: ("not_integer", "a whole number"),
    FieldType.DECIMAL: ("not_decimal", "a number such as 4.98"),
}


def _wire_rule(kind: FieldType, raw: object) -> tuple[str, str]:
    """The rule and the form expected of a value its type refused: an ISO date naming no day
    (1980-02-31) is `date_invalid`, a typing error in the record, not the wrong form."""
    if kind is FieldType.DATE and isinstance(raw, str) and has_date_shape(raw, None):
        return "date_invalid", _WIRE_RULES[kind][1]
    return _WIRE_RULES[kind]


# The keys of detail entries and their types: the same standard terms every kind of source
# answers in (sandbox/legacy/details.py writes them, the sql mappings read them back), so that a
# person's details read alike whoever serves them. Other keys pass through as JSON scalars.
DETAIL_FIELDS: Mapping[DetailPart, Mapping[str, FieldType]] = {
    DetailPart.WORK_HISTORY: {
        "start": FieldType.DATE,
        "end": FieldType.DATE,
        "organization": FieldType.TEXT,
        "position": FieldType.TEXT,
    },
    DetailPart.SALARY_HISTORY: {
        "start": FieldType.DATE,
        "grade_code": FieldType.TEXT,
        "step": FieldType.INTEGER,
        "coefficient": FieldType.DECIMAL,
    },
    DetailPart.TRAININGS: {
        "start": FieldType.DATE,
        "end": FieldType.DATE,
        "institution": FieldType.TEXT,
        "field": FieldType.TEXT,
        "qualification": FieldType.TEXT,
    },
    DetailPart.REWARDS: {
        "year": FieldType.INTEGER,
        "kind": FieldType.TEXT,
        "decided_by": FieldType.TEXT,
    },
    DetailPart.DISCIPLINES: {
        "date": FieldType.DATE,
        "kind": FieldType.TEXT,
        "reason": FieldType.TEXT,
    },
    DetailPart.EVALUATIONS: {"year": FieldType.INTEGER, "rating": FieldType.TEXT},
    DetailPart.FAMILY: {
        "relation": FieldType.TEXT,
        "full_name": FieldType.TEXT,
        "birth_year": FieldType.INTEGER,
        "occupation": FieldType.TEXT,
    },
}


# The dossier's lists a version 2 record carries (`sections`): per list's store table, each
# column's wire type, from the field catalogue (the single source of the dossier's fields).
_CATALOGUE_WIRE_TYPES: Mapping[str, FieldType] = {
    "date": FieldType.DATE,
    "year": FieldType.INTEGER,
    "integer": FieldType.INTEGER,
    "decimal": FieldType.DECIMAL,
}
SECTION_FIELDS: Mapping[str, Mapping[str, FieldType]] = {
    section.table: {
        f.column: _CATALOGUE_WIRE_TYPES.get(f.type, FieldType.TEXT) for f in section.fields
    }
    for section in dossier_catalogue().lists
}


@dataclass(frozen=True)
class DetailRequest:
    personal_ids: tuple[str, ...]
    parts: frozenset[DetailPart]


@dataclass(frozen=True)
class HealthReport:
    ok: bool
    source_id: str
    records: int


@dataclass(frozen=True)
class ErrorReport:
    code: str
    message: str


# --- building payloads (the connector) -------------------------------------------------------


def _envelope(**members: Any) -> JsonObject:
    return {"protocol": PROTOCOL, "version": VERSION, **members}


def at_version(payload: JsonObject, version: str) -> JsonObject:
    """`payload` as a connector of `version` writes it: a version 1 payload names version 1.0
    and its records carry no `sections` (what a version 1 agency sends)."""
    if not version.startswith("1."):
        return {**payload, "version": version}
    downgraded = {**payload, "version": version}
    if isinstance(payload.get("records"), list):
        downgraded["records"] = [
            {k: v for k, v in record.items() if k != "sections"} for record in payload["records"]
        ]
    return downgraded


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: "4.98", never the float 4.9800000000000004
    raise TypeError(f"the protocol carries no {type(value).__name__} values")


def dumps(payload: object) -> bytes:
    """A payload as the protocol writes it: UTF-8 JSON, dates ISO 8601, decimals as strings."""
    return orjson.dumps(payload, default=_json_default)


def person_fields(values: Mapping[str, object]) -> JsonObject:
    """The protocol's `fields` of a person from store-named values (other names dropped);
    values stay Python values for `dumps` to write."""
    return {name: values[name] for name in PERSON_FIELDS if name in values}


def changes_payload(
    source_id: str, records: Iterable[JsonObject], next_cursor: str | None, has_more: bool
) -> JsonObject:
    """`records` are {source_record_id, version, deleted, fields} objects, in feed order."""
    return _envelope(
        source_id=source_id, records=list(records), next_cursor=next_cursor, has_more=has_more
    )


def change_record(
    source_record_id: str,
    version: str,
    deleted: bool,
    fields: Mapping[str, Any],
    changed_at: datetime | None = None,
    sections: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> JsonObject:
    """One record of the feed. `changed_at` (1.1): when the agency's system changed the record
    (zone-aware), the start of Decree 27/2026's 3 working days; omitted when the agency keeps
    no such time. `sections` (2.0): the dossier lists the agency holds for the person, None
    when it carries none."""
    # a deletion carries no person data: the receiver only needs to know which record went
    record: JsonObject = {
        "source_record_id": source_record_id,
        "version": version,
        "deleted": deleted,
        "fields": {} if deleted else dict(fields),
    }
    if changed_at is not None:
        if changed_at.tzinfo is None:
            raise ValueError("changed_at needs its time zone: a wall clock time is ambiguous")
        record["changed_at"] = changed_at.isoformat()
    if sections is not None and not deleted:
        record["sections"] = {
            table: [dict(entry) for entry in entries]
            for table, entries in sections.items()
            if table in SECTION_FIELDS
        }
    return record


def detail_request(personal_ids: Sequence[str], parts: Iterable[DetailPart]) -> JsonObject:
    return _envelope(personal_ids=list(personal_ids), parts=sorted(part.value for part in parts))


def details_payload(persons: Iterable[tuple[str, Mapping[str, Any]]]) -> JsonObject:
    """`persons` are (personal ID, {part: [entries]}) pairs, already cut to the parts asked."""
    return _envelope(persons=[{"personal_id": pid, "parts": dict(parts)} for pid, parts in persons])


def organizations_payload(organizations: Iterable[OrganizationRecord]) -> JsonObject:
    return _envelope(
        organizations=[
            {
                "code": org.code,
                "name": org.name,
                "level": org.level,
                "parent_code": org.parent_code,
                "status": org.status,
                "status_changed_on": (
                    org.status_changed_on.isoformat() if org.status_changed_on else None
                ),
                "successor_code": org.successor_code,
            }
            for org in organizations
        ]
    )


def health_payload(source_id: str, records: int, checked_at: datetime) -> JsonObject:
    return _envelope(
        status="ok", source_id=source_id, records=records, checked_at=checked_at.isoformat()
    )


def sealed_declaration(token: str) -> JsonObject:
    """The body of POST /v1/declarations: the declaration sealed to the agency (a JWE)."""
    return _envelope(sealed=token)


def receipt_payload(receipt: str) -> JsonObject:
    return _envelope(receipt=receipt)


def outcomes_request(declaration_ids: Sequence[str]) -> JsonObject:
    return _envelope(declaration_ids=list(declaration_ids))


def outcomes_payload(outcomes: Iterable[str]) -> JsonObject:
    """The agency's signed outcomes (compact JWS each) of the declarations asked about."""
    return _envelope(outcomes=list(outcomes))


def error_payload(code: str, message: str) -> JsonObject:
    return _envelope(error={"code": code, "message": message})


# --- reading payloads (both ends) ------------------------------------------------------------


def check_envelope(body: Reader) -> int:
    """The payload's major version; refuses a payload of another protocol, or of a major
    version we do not speak."""
    if body.field("protocol").text(max_length=64) != PROTOCOL:
        raise body.field("protocol").fail(f"{PROTOCOL!r}")
    version = body.field("version")
    major, _, minor = version.text(max_length=16).partition(".")
    if not (major.isdigit() and minor.isdigit()) or int(major) not in SUPPORTED_MAJORS:
        raise version.fail(" or ".join(f"version {m}.x" for m in sorted(SUPPORTED_MAJORS)))
    return int(major)


def parse_detail_request(payload: object) -> DetailRequest:
    body = Reader(payload)
    check_envelope(body)
    ids = []
    for item in body.field("personal_ids").array(max_items=MAX_DETAIL_BATCH):
        personal_id = item.text(max_length=12)
        if not PERSONAL_ID.match(personal_id):
            raise item.fail("a 12-digit personal ID")
        ids.append(personal_id)
    parts = frozenset(
        DetailPart(item.choice(_PARTS)) for item in body.field("parts").array(max_items=20)
    )
    return DetailRequest(tuple(dict.fromkeys(ids)), parts)


def parse_changes(payload: object, limit: int, *, defer_sections: bool = False) -> ChangePage:
    """A changes payload as a ChangePage; PayloadError when its shape is wrong.

    A field value that does not fit its type does not fail the page: the record keeps the value
    as sent and names the problem, for the sync to reject with that reason. With
    `defer_sections`, a record's lists are checked for their shape only and handed on unread
    (`SourceRecord.sent_sections`): the sync types them only when they are not the lists it
    last stored (typing them is most of the cost of a record).
    """
    body = Reader(payload)
    major = check_envelope(body)
    items = body.field("records").array(max_items=limit)
    records = tuple(
        _parse_record(item, with_sections=major >= 2, defer_sections=defer_sections)
        for item in items
    )
    cursor = body.field("next_cursor")
    next_cursor = None if cursor.value is None else cursor.text(max_length=1000)
    has_more = body.field("has_more").flag()
    if has_more and next_cursor is None:
        raise cursor.fail("a cursor when has_more is true")
    return ChangePage(records, next_cursor, has_more)


def _parse_record(item: Reader, *, with_sections: bool, defer_sections: bool) -> SourceRecord:
    source_record_id = item.field("source_record_id").text(max_length=200)
    if not source_record_id:
        raise item.field("source_record_id").fail("a non-empty record id")
    version = item.field("version").text(max_length=200)
    deleted = item.field("deleted").flag()
    fields: dict[str, Any] = {}
    problems: list[Problem] = []
    sent_fields = item.field("fields")
    for name, raw_value in sent_fields.mapping().items():
        kind = PERSON_FIELDS.get(name)
        if kind is None:
            continue  # a later minor version may add fields; this client does not know them
        typed = _plain_value(raw_value, kind)
        if typed is not _NEEDS_READER:
            fields[name] = typed  # most of a page: nothing to name, so no reader
            continue
        value = Reader(raw_value, f"{sent_fields.path}.{name}")
        try:
            fields[name] = _field_value(value, kind)
        except PayloadError:
            raw = value.value if isinstance(value.value, str | int | float) else None
            if raw is not None:
                fields[name] = raw
            rule, expected = _wire_rule(kind, raw)
            problems.append(Problem(name, rule, None if raw is None else str(raw), expected))
    if not deleted:
        personal_id = fields.get("personal_id")
        if not isinstance(personal_id, str) or not PERSONAL_ID.match(personal_id):
            problems.append(
                Problem(
                    "personal_id",
                    "personal_id_format",
                    None if personal_id is None else str(personal_id),
                    "12 digits",
                )
            )
        if not fields.get("full_name"):
            problems.append(Problem("full_name", "mandatory", None, "a value (mandatory field)"))
    sections = None
    sent = None
    if with_sections and not deleted:
        carried = item.optional("sections")
        if carried is not None and defer_sections:
            sent = _sent_sections(carried)
        elif carried is not None:
            sections = _parse_sections(carried, problems)
    return SourceRecord(
        source_record_id,
        version,
        fields,
        deleted,
        tuple(problems),
        changed_at=_changed_at(item),
        sections=sections,
        sent_sections=sent,
    )


SECTIONS_TYPING = "1"
"""The version of `_parse_sections`, part of every fingerprint of lists as sent: a change to how
a list's values are typed raises it (the catalogue's wire types are in the fingerprint
already), and every record's lists are typed again once."""
_MAX_TEXT = 10_000  # Reader.text's bound
_LIST_WIRE_TYPES = sorted(
    (table, sorted((column, kind.value) for column, kind in columns.items()))
    for table, columns in SECTION_FIELDS.items()
)
_TYPING = repr((SECTIONS_TYPING, _MAX_TEXT, _LIST_WIRE_TYPES)).encode()


def _sent_sections(carried: Reader) -> SentSections:
    """A record's lists unread, their shape checked now: a malformed shape fails the page
    here, as it does when the lists are typed at once. The fingerprint is of the lists as
    decoded from the wire, written back the one way orjson writes them."""
    _check_sections_shape(carried)
    fingerprint = hashlib.sha256(_TYPING + orjson.dumps(carried.value)).hexdigest()
    return SentSections(fingerprint, partial(_typed_sections, carried))


def _check_sections_shape(carried: Reader) -> None:
    """What `_parse_sections` refuses outright: lists not an object, a list not an array or
    too long, an entry not an object. Plain checks first; the parser names the path."""
    members = carried.mapping()
    for table, entries in members.items():
        if table in SECTION_FIELDS and not (
            isinstance(entries, list)
            and len(entries) <= MAX_ENTRIES_PER_SECTION
            and all(isinstance(entry, dict) for entry in entries)
        ):
            _parse_sections(carried, [])  # raises the PayloadError that names the path
            raise AssertionError("the parser refuses what the shape check refuses")


def _typed_sections(carried: Reader) -> tuple[Sections, tuple[Problem, ...]]:
    problems: list[Problem] = []
    sections = _parse_sections(carried, problems)
    return sections, tuple(problems)


def _parse_sections(
    carried: Reader, problems: list[Problem]
) -> dict[str, tuple[Mapping[str, Any], ...]]:
    """A record's dossier lists, typed by the catalogue. A value that does not fit its type
    stays as sent and is named in `problems` (field `<table>.<column>`), like a person field;
    a list or column this client does not know (a later minor version) is left out."""
    sections: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for table, entries in carried.members():
        types = SECTION_FIELDS.get(table)
        if types is None:
            continue
        kept = []
        for index, entry in enumerate(_entries(entries)):
            values: dict[str, Any] = {}
            for column, raw_value in entry.items():
                kind = types.get(column)
                if kind is None:
                    continue
                # most values fit their type: taken without a reader or a JSON path string
                typed = _plain_value(raw_value, kind)
                if typed is not _NEEDS_READER:
                    values[column] = typed
                    continue
                value = Reader(raw_value, f"{entries.path}[{index}].{column}")
                try:
                    values[column] = _field_value(value, kind)
                except PayloadError:
                    raw = value.value if isinstance(value.value, str | int | float) else None
                    values[column] = raw
                    rule, expected = _wire_rule(kind, raw)
                    problems.append(
                        Problem(
                            f"{table}.{column}", rule, None if raw is None else str(raw), expected
                        )
                    )
            kept.append(values)
        sections[table] = tuple(kept)
    return sections


def _entries(entries: Reader) -> list[dict[str, Any]]:
    """A list's entries, each an object (PayloadError naming the path otherwise)."""
    value = entries.value
    if (
        isinstance(value, list)
        and len(value) <= MAX_ENTRIES_PER_SECTION
        and all(isinstance(entry, dict) for entry in value)
    ):
        return value
    for entry in entries.array(max_items=MAX_ENTRIES_PER_SECTION):
        entry.mapping()  # raises, naming what is wrong
    raise AssertionError("a list that is not an array of objects was taken")


_NEEDS_READER = object()


def _plain_value(value: object, kind: FieldType) -> object:
    """`_field_value` of a value that fits its type, without a reader: null, a text, a whole
    number, a date written YYYY-MM-DD. `_NEEDS_READER` for anything else (a decimal, a value
    that may not fit: the reader types it or names what is wrong)."""
    if value is None:
        return None
    if kind is FieldType.TEXT:
        return value if isinstance(value, str) and len(value) <= _MAX_TEXT else _NEEDS_READER
    if kind is FieldType.INTEGER:
        return value if type(value) is int else _NEEDS_READER  # bool is an int, not in JSON
    if kind is FieldType.DATE and isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return _NEEDS_READER
    return _NEEDS_READER


def _changed_at(item: Reader) -> datetime | None:
    """The record's optional change time (1.1). A malformed one is the connector's fault, not
    the person's data: it fails the page like a malformed version, naming the path."""
    stamp = item.optional("changed_at")
    if stamp is None:
        return None
    try:
        value = datetime.fromisoformat(stamp.text(max_length=40))
    except (ValueError, PayloadError):
        raise stamp.fail("an ISO 8601 date-time with its UTC offset") from None
    if value.tzinfo is None:
        raise stamp.fail("an ISO 8601 date-time with its UTC offset")
    return value


def _field_value(value: Reader, kind: FieldType) -> object:
    """A value as every kind of source hands it on: dates as checked ISO strings ("YYYY-MM-DD",
    the shared convention of SourceRecord.fields), integers as int, decimals as Decimal."""
    if kind is FieldType.DATE:
        return value.day().isoformat()
    if kind is FieldType.INTEGER:
        return value.integer()
    if kind is FieldType.DECIMAL:
        return value.decimal()
    return value.text(max_length=_MAX_TEXT)


def parse_details(
    payload: object, personal_ids: Iterable[str], parts: frozenset[DetailPart]
) -> dict[str, PersonDetail]:
    """Details keyed by personal ID, cut to `parts`; PayloadError when its shape is wrong or it
    answers for someone we did not ask about (another person's data is never accepted)."""
    asked = set(personal_ids)
    body = Reader(payload)
    check_envelope(body)
    found: dict[str, PersonDetail] = {}
    for item in body.field("persons").array(max_items=len(asked)):
        personal_id_reader = item.field("personal_id")
        personal_id = personal_id_reader.text(max_length=12)
        if personal_id not in asked:
            raise personal_id_reader.fail("one of the personal IDs asked about")
        kept: dict[DetailPart, tuple[Mapping[str, Any], ...]] = {}
        for name, entries in item.field("parts").members():
            if name not in _PARTS or DetailPart(name) not in parts:
                continue
            part = DetailPart(name)
            kept[part] = tuple(
                _detail_entry(entry, DETAIL_FIELDS[part])
                for entry in entries.array(max_items=MAX_ENTRIES_PER_PART)
            )
        found[personal_id] = PersonDetail(personal_id, kept)
    return found


def _detail_entry(entry: Reader, types: Mapping[str, FieldType]) -> Mapping[str, Any]:
    """A detail entry: standard keys typed, other keys JSON scalars (no nesting)."""
    values: dict[str, Any] = {}
    for key, value in entry.members():
        kind = types.get(key)
        if value.value is None:
            values[key] = None
        elif kind is not None:
            values[key] = _field_value(value, kind)
        elif isinstance(value.value, dict | list):
            raise value.fail("a string, number, boolean or null")
        else:
            values[key] = value.value
    return values


MAX_TOKEN_CHARS = 64 * 1024


def _version_2(body: Reader) -> None:
    if check_envelope(body) < 2:
        raise body.field("version").fail("version 2.x (declarations)")


def parse_sealed_declaration(payload: object) -> str:
    body = Reader(payload)
    _version_2(body)
    return body.field("sealed").text(max_length=MAX_TOKEN_CHARS)


def parse_receipt(payload: object) -> str:
    body = Reader(payload)
    _version_2(body)
    return body.field("receipt").text(max_length=MAX_TOKEN_CHARS)


def parse_outcomes_request(payload: object) -> tuple[str, ...]:
    body = Reader(payload)
    _version_2(body)
    items = body.field("declaration_ids").array(max_items=MAX_DETAIL_BATCH)
    return tuple(dict.fromkeys(item.text(max_length=64) for item in items))


def parse_outcomes(payload: object) -> tuple[str, ...]:
    body = Reader(payload)
    _version_2(body)
    items = body.field("outcomes").array(max_items=MAX_DETAIL_BATCH)
    return tuple(item.text(max_length=MAX_TOKEN_CHARS) for item in items)


def parse_organizations(payload: object) -> tuple[OrganizationRecord, ...]:
    body = Reader(payload)
    check_envelope(body)
    organizations = []
    for item in body.field("organizations").array():
        changed = item.optional("status_changed_on")
        parent = item.optional("parent_code")
        successor = item.optional("successor_code")
        organizations.append(
            OrganizationRecord(
                code=item.field("code").text(max_length=35),
                name=item.field("name").text(max_length=500),
                level=item.field("level").text(max_length=16),
                parent_code=parent.text(max_length=35) if parent else None,
                status=item.field("status").choice(_STATUSES),
                status_changed_on=changed.day() if changed else None,
                successor_code=successor.text(max_length=35) if successor else None,
            )
        )
    return tuple(organizations)


def parse_health(payload: object) -> HealthReport:
    body = Reader(payload)
    check_envelope(body)
    return HealthReport(
        ok=body.field("status").text(max_length=32) == "ok",
        source_id=body.field("source_id").text(max_length=200),
        records=body.field("records").integer(minimum=0),
    )


def parse_error(payload: object) -> ErrorReport | None:
    """The error a connector stated, or None when the payload is no protocol error at all."""
    try:
        body = Reader(payload)
        check_envelope(body)
        error = body.field("error")
        return ErrorReport(
            code=error.field("code").text(max_length=64),
            message=error.field("message").text(max_length=500),
        )
    except PayloadError:
        return None
