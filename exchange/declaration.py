"""Self-declaration (issue 17): a person's change to their own record, as the exchange carries it.

The gateway never writes to an agency's database: it checks a person's declaration, signs it
(MOHA's key) and encrypts it to the owning agency; the agency decides, applies the change to its
own data, and its next change feed brings the change into the store. Pure (no I/O, the clock
is an argument), built like exchange/envelope.py:

    change = check_change(DeclaredChange(field="current_address", value="..."), today)
    payload = declaration_payload(declaration_id, agency, record_id, personal_id, change, ...)
    token = seal_declaration(payload, moha_keys, agency_trusted, now)   # JWE(JWS), to the agency
    opened = open_declaration(token, agency_keys, moha_trusted, now)    # the connector
    receipt = sign_receipt(agency_keys, opened, now)                    # JWS, the agency's
    checked = verify_receipt(receipt, agency_trusted, declaration_id, digest(token))
    outcome = sign_outcome(agency_keys, Outcome(...), now)              # approved / rejected
    export = sign_export(moha_keys, agency, [payload, ...], now)        # agencies without one

A refused change raises DeclarationRefused naming the argument and what is wrong, and never the
value (it may be personal data). Signed messages failing a check raise EnvelopeError.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from joserfc import jwe, jws
from joserfc.errors import JoseError

from exchange import protocol
from exchange.envelope import (
    EnvelopeError,
    compact_text,
    digest,
    protected_header,
    signature_key,
)
from exchange.keys import CONTENT_ALGORITHM, ExchangeKeyError, PartyKeys, TrustedKeys
from keymaterial.lifecycle import KEY_WRAP_ALGORITHM
from store import dossier_vocabulary, vocabulary
from vocabulary.dossier_catalogue import CatalogueField, dossier_catalogue
from vocabulary.working_days import vietnam_calendar

DECLARATION_TYPE = "moha-declaration+jws"
RECEIPT_TYPE = "moha-declaration-receipt+jws"
OUTCOME_TYPE = "moha-declaration-outcome+jws"
EXPORT_TYPE = "moha-declaration-export+jws"
MEDIA_TYPE = "application/jose"
MAX_DECLARATION_BYTES = 32 * 1024
MAX_EXPORT_BYTES = 16 * 1024 * 1024
MAX_SIGNED_BYTES = 16 * 1024
DUE_WORKING_DAYS = 3  # NĐ 27/2026: the agency answers within 3 working days
VIETNAM = timezone(timedelta(hours=7))  # the agencies' calendar day
_DATA = Path(__file__).with_name("declarable.yaml")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class Status(StrEnum):
    """Where a declaration stands. `overdue` is never stored: it is `sent` or `received` past
    the due date, computed when read (status_on)."""

    QUEUED = "queued"  # stored, not yet handed over (the connector was unreachable)
    SENT = "sent"  # handed to the agency's connector, or waiting in its export
    RECEIVED = "received"  # the agency's signed receipt came back (or it pulled the export)
    APPROVED = "approved"
    REJECTED = "rejected"
    OVERDUE = "overdue"


OPEN = frozenset({Status.QUEUED, Status.SENT, Status.RECEIVED})


class DeclarationRefused(ValueError):
    """A declaration refused before anything is sent; `argument` names what is wrong."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


@dataclass(frozen=True)
class Declarable:
    person_fields: Mapping[str, CatalogueField]
    lists: Mapping[str, Mapping[str, CatalogueField]]
    text_characters: int
    note_characters: int
    earliest_year: int


@cache
def declarable() -> Declarable:
    """What a person may declare: exchange/declarable.yaml, checked against the catalogue."""
    document = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    catalogue = dossier_catalogue()
    person = {f.column: f for s in catalogue.sections if s.person_field is None for f in s.fields}
    lists = {s.table: {f.column: f for f in s.fields} for s in catalogue.lists}
    unknown = [n for n in document["person_fields"] if n not in person]
    unknown += [n for n in document["lists"] if n not in lists]
    if unknown:
        raise ValueError(f"{_DATA.name}: not in the field catalogue: {', '.join(unknown)}")
    limits = document["limits"]
    return Declarable(
        person_fields={n: person[n] for n in document["person_fields"]},
        lists={n: lists[n] for n in document["lists"]},
        text_characters=int(limits["text_characters"]),
        note_characters=int(limits["note_characters"]),
        earliest_year=int(limits["earliest_year"]),
    )


@dataclass(frozen=True)
class DeclaredChange:
    """What the person asked for, as typed (every value a string): a person field's new value,
    or a new entry of one of the dossier's lists."""

    field: str | None = None
    value: str | None = None
    list: str | None = None
    entry: Mapping[str, str | None] | None = None
    note: str | None = None


@dataclass(frozen=True)
class Change:
    """A checked change, values typed as the protocol carries them (dates ISO, decimals text)."""

    kind: str  # "field" or "entry"
    target: str  # the person field, or the list's store table
    value: Any = None  # kind "field"
    entry: Mapping[str, Any] = field(default_factory=dict)  # kind "entry"
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        if self.kind == "field":
            return {"kind": "field", "field": self.target, "value": self.value}
        return {"kind": "entry", "list": self.target, "entry": dict(self.entry)}


def _text(value: str, argument: str, limit: int) -> str:
    cleaned = unicodedata.normalize("NFC", value).strip()
    if len(cleaned) > limit:
        raise DeclarationRefused(argument, f"{argument}: at most {limit} characters")
    if _CONTROL.search(cleaned):
        raise DeclarationRefused(argument, f"{argument}: control or invisible characters")
    return cleaned


def _codes(code_list: str) -> frozenset[str] | None:
    for module in (dossier_vocabulary, vocabulary):
        values = getattr(module, code_list, None)
        if isinstance(values, type) and issubclass(values, StrEnum):
            return frozenset(v.value for v in values)
    return None


def _value(spec: CatalogueField, raw: str, argument: str, today: date, limits: Declarable) -> Any:
    """One declared value, typed by the catalogue; DeclarationRefused when it cannot be."""
    text = _text(raw, argument, limits.text_characters)
    if spec.type == "date":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise DeclarationRefused(
                argument, f"{argument}: a date of the form yyyy-mm-dd"
            ) from None
        if not limits.earliest_year <= day.year or day > today:
            raise DeclarationRefused(
                argument, f"{argument}: an impossible date (from {limits.earliest_year} to today)"
            )
        return day.isoformat()
    if spec.type in ("year", "integer"):
        if not re.fullmatch(r"-?[0-9]{1,9}", text):
            raise DeclarationRefused(argument, f"{argument}: a whole number")
        number = int(text)
        if spec.type == "year" and not limits.earliest_year <= number <= today.year:
            raise DeclarationRefused(
                argument, f"{argument}: an impossible year (from {limits.earliest_year} to now)"
            )
        if number < 0:
            raise DeclarationRefused(argument, f"{argument}: not a negative number")
        return number
    if spec.type == "decimal":
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise DeclarationRefused(argument, f"{argument}: a number such as 4.98") from None
        if not amount.is_finite() or amount < 0:
            raise DeclarationRefused(argument, f"{argument}: a number of zero or more")
        return str(amount)
    if spec.type == "code" and spec.code_list is not None:
        codes = _codes(spec.code_list)
        if codes is not None and text not in codes:
            raise DeclarationRefused(
                argument, f"{argument}: an unknown code (one of {', '.join(sorted(codes))})"
            )
    if not text:
        raise DeclarationRefused(argument, f"{argument}: empty")
    return text


def check_change(asked: DeclaredChange, today: date) -> Change:
    """The change a person declares, checked against the catalogue and declarable.yaml."""
    limits = declarable()
    note = None if asked.note is None else _text(asked.note, "note", limits.note_characters)
    if (asked.field is None) == (asked.list is None):
        raise DeclarationRefused("field", "declare either a field with a value, or a list entry")
    if asked.field is not None:
        spec = limits.person_fields.get(asked.field)
        if spec is None:
            raise DeclarationRefused(
                "field",
                f"field {asked.field[:60]!r} is not declarable by the person (declarable: "
                f"{', '.join(limits.person_fields)}); the agency keeps it",
            )
        if asked.value is None or asked.entry is not None:
            raise DeclarationRefused("value", "a field change needs a value (and no entry)")
        return Change(
            "field", asked.field, _value(spec, asked.value, "value", today, limits), note=note
        )
    assert asked.list is not None
    columns = limits.lists.get(asked.list)
    if columns is None:
        raise DeclarationRefused(
            "list",
            f"list {asked.list[:60]!r} is not declarable by the person (declarable: "
            f"{', '.join(limits.lists)})",
        )
    if not asked.entry or asked.value is not None:
        raise DeclarationRefused("entry", "a list entry needs its values (and no value)")
    unknown = sorted(c for c in asked.entry if c not in columns)
    if unknown:
        raise DeclarationRefused("entry", f"entry: {asked.list} has no column {unknown[0][:60]!r}")
    entry: dict[str, Any] = {}
    for column, spec in columns.items():
        raw = asked.entry.get(column)
        if raw is None or not raw.strip():
            if spec.mandatory:
                raise DeclarationRefused("entry", f"entry.{column}: mandatory")
            entry[column] = None
            continue
        entry[column] = _value(spec, raw, f"entry.{column}", today, limits)
    _check_order(entry)
    return Change("entry", asked.list, entry=entry, note=note)


_PERIODS = (("start_on", "end_on"), ("enlisted_on", "discharged_on"))


def _check_order(entry: Mapping[str, Any]) -> None:
    for start, end in _PERIODS:
        if entry.get(start) and entry.get(end) and entry[end] < entry[start]:
            raise DeclarationRefused("entry", f"entry.{end}: before entry.{start}")


def due_on(sent_at: datetime) -> date:
    """3 working days after the day it was sent, on Viet Nam's calendar (Tết included)."""
    return vietnam_calendar().add_working_days(sent_at.astimezone(VIETNAM).date(), DUE_WORKING_DAYS)


def status_on(stored: str, due: date, today: date) -> Status:
    """The status a person sees: an open declaration past its due date is overdue."""
    status = Status(stored)
    if status in (Status.SENT, Status.RECEIVED) and today > due:
        return Status.OVERDUE
    return status


def today_in_vietnam(now: datetime) -> date:
    return now.astimezone(VIETNAM).date()


# --- the declaration message ------------------------------------------------------------------


def declaration_payload(
    declaration_id: str,
    agency: str,
    source_record_id: str,
    personal_id: str,
    change: Change,
    sent_at: datetime,
) -> protocol.JsonObject:
    """What the agency receives: the record it is about, the change, when it is due."""
    return {
        "protocol": protocol.PROTOCOL,
        "version": protocol.VERSION,
        "declaration": {
            "id": declaration_id,
            "agency": agency,
            "source_record_id": source_record_id,
            "personal_id": personal_id,
            "change": change.as_json(),
            "note": change.note,
            "sent_at": sent_at.astimezone(UTC).isoformat(),
            "due_on": due_on(sent_at).isoformat(),
        },
    }


def _sign(keys: PartyKeys, typ: str, claims: Mapping[str, Any], now: float) -> str:
    record, key = keys.signer(datetime.fromtimestamp(now, UTC))
    header = {"alg": record.algorithm, "kid": record.kid, "typ": typ}
    body = json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False).encode()
    return jws.serialize_compact(header, body, key, algorithms=[record.algorithm])


def _verify(token: str, trusted: TrustedKeys, typ: str, limit: int) -> dict[str, Any]:
    text = compact_text(token, limit)
    header = protected_header(text, 3)
    if header.get("typ") != typ:
        raise EnvelopeError("malformed", f"typ must be {typ}")
    key, alg = signature_key(header, trusted)
    try:
        signed = jws.deserialize_compact(text, key, algorithms=[alg])
        claims = json.loads(signed.payload)
    except JoseError as error:
        raise EnvelopeError("bad_signature", f"the {typ} signature does not verify") from error
    except ValueError as error:
        raise EnvelopeError("malformed", f"the {typ} claims are not JSON") from error
    if not isinstance(claims, dict):
        raise EnvelopeError("malformed", f"the {typ} claims are not a JSON object")
    if claims.get("iss") != trusted.party:
        raise EnvelopeError("wrong_issuer", f"signed by {str(claims.get('iss'))[:80]!r}")
    return claims


def seal_declaration(
    payload: Mapping[str, Any], moha: PartyKeys, agency: TrustedKeys, now: float
) -> str:
    """Signed by MOHA, then encrypted to the agency's encryption key (JWE around a JWS): only
    the agency reads it, and it can prove MOHA sent it."""
    claims = {"iss": moha.party, "aud": agency.party, "iat": int(now), **payload}
    signed = _sign(moha, DECLARATION_TYPE, claims, now)
    try:
        target = agency.encryption_key()
    except ExchangeKeyError as error:
        raise EnvelopeError("unknown_kid", f"{agency.party} publishes no encryption key") from error
    protected = {
        "alg": KEY_WRAP_ALGORITHM,
        "enc": CONTENT_ALGORITHM,
        "kid": target.kid,
        "cty": DECLARATION_TYPE,
    }
    return jwe.encrypt_compact(protected, signed.encode("ascii"), target.key)


@dataclass(frozen=True)
class OpenedDeclaration:
    payload: Mapping[str, Any]  # the declaration object (id, agency, record, change, ...)
    signed: str  # MOHA's JWS, what the agency keeps as proof
    digest: str  # of the sealed token as received: what the receipt names


def open_declaration(
    token: bytes | str, agency: PartyKeys, moha: TrustedKeys, now: float
) -> OpenedDeclaration:
    """The declaration when it decrypts with the agency's key and MOHA's signature verifies,
    addressed to this agency; EnvelopeError otherwise."""
    text = compact_text(token, MAX_DECLARATION_BYTES)
    outer = protected_header(text, 5)
    if outer.get("alg") != KEY_WRAP_ALGORITHM or outer.get("enc") != CONTENT_ALGORITHM:
        raise EnvelopeError("algorithm", "encryption algorithm not allowed")
    if "zip" in outer or outer.get("crit") is not None:
        raise EnvelopeError("algorithm", "compression and critical extensions are not allowed")
    kid = outer.get("kid")
    key = (
        agency.decryption_key(kid, datetime.fromtimestamp(now, UTC))
        if isinstance(kid, str)
        else None
    )
    if key is None:
        raise EnvelopeError("unknown_kid", "not encrypted to a key of this agency")
    try:
        inner = jwe.decrypt_compact(text, key).plaintext or b""
    except (JoseError, ValueError) as error:
        raise EnvelopeError("tampered", "the declaration does not decrypt") from error
    signed = compact_text(inner, MAX_DECLARATION_BYTES)
    claims = _verify(signed, moha, DECLARATION_TYPE, MAX_DECLARATION_BYTES)
    if claims.get("aud") != agency.party:
        raise EnvelopeError("wrong_audience", f"addressed to {str(claims.get('aud'))[:80]!r}")
    declaration = claims.get("declaration")
    if not isinstance(declaration, dict) or not isinstance(declaration.get("id"), str):
        raise EnvelopeError("malformed", "no declaration in the message")
    if declaration.get("agency") != agency.party:
        raise EnvelopeError("wrong_audience", "a declaration for another agency")
    return OpenedDeclaration(declaration, signed, digest(text))


# --- the agency's answers: a receipt, then an outcome -----------------------------------------


@dataclass(frozen=True)
class Receipt:
    declaration_id: str
    digest: str
    received_at: datetime


def sign_receipt(agency: PartyKeys, declaration_id: str, token_digest: str, now: float) -> str:
    return _sign(
        agency,
        RECEIPT_TYPE,
        {"iss": agency.party, "declaration_id": declaration_id, "digest": token_digest,
         "received_at": int(now)},
        now,
    )  # fmt: skip


def verify_receipt(
    token: str, agency: TrustedKeys, declaration_id: str, token_digest: str
) -> Receipt:
    """The agency's receipt for exactly this declaration as sent; EnvelopeError otherwise."""
    claims = _verify(token, agency, RECEIPT_TYPE, MAX_SIGNED_BYTES)
    if claims.get("declaration_id") != declaration_id or claims.get("digest") != token_digest:
        raise EnvelopeError("wrong_request", "the receipt is for another declaration")
    when = claims.get("received_at")
    if isinstance(when, bool) or not isinstance(when, int):
        raise EnvelopeError("malformed", "received_at must be seconds")
    return Receipt(declaration_id, token_digest, datetime.fromtimestamp(when, UTC))


@dataclass(frozen=True)
class Outcome:
    """The agency's decision: approved (applied in its record's `applied_version`) or rejected
    (with the agency's reason, which goes back to the person)."""

    declaration_id: str
    status: Status
    decided_at: datetime
    reason: str | None = None
    source_record_id: str | None = None
    applied_version: str | None = None
    token: str | None = None  # the signed outcome, as received (set by the receiver)


def sign_outcome(agency: PartyKeys, outcome: Outcome, now: float) -> str:
    if outcome.status not in (Status.APPROVED, Status.REJECTED):
        raise ValueError("an outcome approves or rejects")
    if outcome.status is Status.REJECTED and not (outcome.reason or "").strip():
        raise ValueError("a rejection states the agency's reason")
    return _sign(
        agency,
        OUTCOME_TYPE,
        {
            "iss": agency.party,
            "declaration_id": outcome.declaration_id,
            "status": outcome.status.value,
            "decided_at": int(outcome.decided_at.timestamp()),
            "reason": outcome.reason,
            "source_record_id": outcome.source_record_id,
            "applied_version": outcome.applied_version,
        },
        now,
    )


def verify_outcome(token: str, agency: TrustedKeys) -> Outcome:
    claims = _verify(token, agency, OUTCOME_TYPE, MAX_SIGNED_BYTES)
    try:
        status = Status(str(claims["status"]))
        decided = claims["decided_at"]
        if status not in (Status.APPROVED, Status.REJECTED) or not isinstance(decided, int):
            raise ValueError(status)
        reason = claims.get("reason")
        record = claims.get("source_record_id")
        applied = claims.get("applied_version")
        return Outcome(
            str(claims["declaration_id"]),
            status,
            datetime.fromtimestamp(decided, UTC),
            None if reason is None else str(reason)[:1000],
            None if record is None else str(record),
            None if applied is None else str(applied),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise EnvelopeError("malformed", "the outcome's claims are incomplete") from error


# --- the export, for agencies without a connector ---------------------------------------------


def sign_export(
    moha: PartyKeys, agency: str, declarations: Iterable[Mapping[str, Any]], now: float
) -> str:
    """An agency's pending declarations, signed by MOHA (the agency checks it with MOHA's
    published JWKS); `declarations` are declaration objects as declaration_payload builds."""
    listed: Sequence[Mapping[str, Any]] = list(declarations)
    return _sign(
        moha,
        EXPORT_TYPE,
        {"iss": moha.party, "aud": agency, "iat": int(now), "protocol": protocol.PROTOCOL,
         "version": protocol.VERSION, "declarations": [dict(d) for d in listed]},
        now,
    )  # fmt: skip


def verify_export(token: str, moha: TrustedKeys, agency: str) -> list[dict[str, Any]]:
    claims = _verify(token, moha, EXPORT_TYPE, MAX_EXPORT_BYTES)
    if claims.get("aud") != agency:
        raise EnvelopeError("wrong_audience", f"an export for {str(claims.get('aud'))[:80]!r}")
    listed = claims.get("declarations")
    if not isinstance(listed, list):
        raise EnvelopeError("malformed", "no declarations in the export")
    return [dict(d) for d in listed if isinstance(d, dict)]
