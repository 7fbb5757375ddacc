"""One source record made ready for a decision: normalised and validated, its problems gathered.

    assessed = assess(record, standard, source_id, today)

Pure. The problems are the adapter's own (every one: what it could not read is never guessed
again here), normalisation's and validation's, one per field; a record with none carries its
store row, the repairs normalisation made with certainty, and the digest its agency's monthly
approval manifest lists (exchange/approval.py). A drop's record keeps its file name and row.
The dossier lists a record carries (`SourceRecord.sections`) are read by sync/dossier_lists.py:
their problems are the record's, and their content is part of the row's content hash, so a
record whose lists changed is an update even when its person fields did not.

Lists the record's last storing stored cleanly (`kept`, sync/page.py reads it) and that come
again as they were sent (sync/dossier_lists.py `received_digest`) are not read again: the row's
content hash takes their stored digest, and the lists stay as stored (`Assessed.kept_for`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from exchange.approval import record_digest
from store.person_row import content_hash
from sync.decisions import Incoming, PersonRow
from sync.dossier_lists import Lists, read_lists, received_digest
from sync.normalise import Standard, normalise, row_tuple
from sync.validate import validate
from vocabulary.declarations import NATIONAL, SourceDeclarations
from vocabulary.problems import Problem
from vocabulary.sources import SourceRecord


@dataclass(frozen=True)
class Assessed:
    incoming: Incoming
    digest: str | None = None  # a record that passed: what the approval manifest lists
    corrections: tuple[Problem, ...] = ()  # repairs made with certainty (sync_correction)
    location: str | None = None  # a drop's "<file>#<row>", for its rejects
    lists: Lists | None = None  # the dossier lists the record carries, read (None: carries none)
    received: str | None = None
    """The lists' received digest, when they were read without a problem or a repair: stored
    with them, so that the same lists next time are not read again."""
    kept_for: int | None = None
    """The store id of the person whose stored lists the record's lists are, unread."""
    record: SourceRecord | None = None  # a record with kept lists: to read them if need be


@dataclass(frozen=True)
class Kept:
    """The lists a record last stored cleanly (dossier_lists_received)."""

    person_id: int
    received: str
    lists_digest: str


def assess(
    record: SourceRecord,
    standard: Standard,
    source_id: str,
    today: date,
    declarations: SourceDeclarations = NATIONAL,
    kept: Kept | None = None,
) -> Assessed:
    if record.deleted:
        pid = normalise_personal_id(record.fields.get("personal_id"))
        return Assessed(
            Incoming(source_id, record.source_record_id, record.version, deleted=True,
                     personal_id=pid)
        )  # fmt: skip
    norm = normalise(record.fields, standard, declarations)
    received = _received(record, norm.values, declarations)
    # the same lists as last stored cleanly: not typed nor read again (kept is None: read them)
    kept = kept if kept is not None and received == kept.received else None
    typing_problems: tuple[Problem, ...] = ()
    lists = None
    if not kept:
        sections, typing_problems = record.typed_sections()
        lists = read_lists(sections, norm.values, today, declarations)
    problems = one_per_field(
        record.problems + typing_problems,
        norm.failures,
        validate(norm.values, today, norm.organization_code),
        lists.problems if lists is not None else (),
    )
    if problems or norm.organization_code is None:
        return Assessed(
            Incoming(
                source_id,
                record.source_record_id,
                record.version,
                problems=tuple(problems),
                personal_id=norm.values.get("personal_id"),
            ),
            location=record.location,
        )
    content = content_hash(row_tuple(norm.values), norm.organization_code)
    lists_digest = kept.lists_digest if kept else lists.digest() if lists is not None else None
    if lists_digest is not None:
        content = hashlib.sha256(f"{content}:{lists_digest}".encode()).hexdigest()
    row = PersonRow(
        None,
        norm.values,
        norm.organization_code,
        source_id,
        record.source_record_id,
        record.version,
        content,
    )
    incoming = Incoming(
        source_id, record.source_record_id, record.version, row=row, personal_id=row.personal_id
    )
    digest = record_digest(source_id, record.source_record_id, record.version, record.fields)
    corrections = (
        record.corrections + norm.corrections + (lists.corrections if lists is not None else ())
    )
    if kept:
        return Assessed(incoming, digest, corrections, record.location, None,
                        received, kept.person_id, record)  # fmt: skip
    clean = lists is not None and not lists.corrections
    return Assessed(
        incoming, digest, corrections, record.location, lists, received if clean else None
    )


def _received(
    record: SourceRecord, person: Mapping[str, object], declarations: SourceDeclarations
) -> str | None:
    """The received digest of the lists the record carries (None: it carries none)."""
    if record.sent_sections is not None:
        return received_digest(record.sent_sections, person, declarations)
    if record.sections is not None and isinstance(record.sections, Mapping):
        return received_digest(record.sections, person, declarations)
    return None


def normalise_personal_id(value: object) -> str | None:
    """The personal ID as normalisation writes it (spaces and dots dropped)."""
    text = None if value is None else str(value).strip()
    return text.replace(" ", "").replace(".", "") or None if text else None


def one_per_field(*groups: Iterable[Problem]) -> list[Problem]:
    """One problem per field, the first found (a value normalise could not read is not also
    reported missing by validate)."""
    out: dict[str | None, Problem] = {}
    for group in groups:
        for problem in group:
            out.setdefault(problem.field, problem)
    return list(out.values())
