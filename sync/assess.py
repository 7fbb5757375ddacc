"""One source record made ready for a decision: normalised and validated, its problems gathered.

    assessed = assess(record, standard, source_id, today)

Pure. The problems are the adapter's own (every one: what it could not read is never guessed
again here), normalisation's and validation's, one per field; a record with none carries its
store row, the repairs normalisation made with certainty, and the digest its agency's monthly
approval manifest lists (exchange/approval.py). A drop's record keeps its file name and row.
The dossier lists a record carries (`SourceRecord.sections`) are read by sync/dossier_lists.py:
their problems are the record's, and their content is part of the row's content hash, so a
record whose lists changed is an update even when its person fields did not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from exchange.approval import record_digest
from store.person_row import content_hash
from sync.decisions import Incoming, PersonRow
from sync.dossier_lists import Lists, read_lists
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


def assess(
    record: SourceRecord,
    standard: Standard,
    source_id: str,
    today: date,
    declarations: SourceDeclarations = NATIONAL,
) -> Assessed:
    if record.deleted:
        pid = normalise_personal_id(record.fields.get("personal_id"))
        return Assessed(
            Incoming(source_id, record.source_record_id, record.version, deleted=True,
                     personal_id=pid)
        )  # fmt: skip
    norm = normalise(record.fields, standard, declarations)
    lists = read_lists(record.sections, norm.values, today, declarations)
    problems = one_per_field(
        record.problems,
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
    if lists is not None:
        content = hashlib.sha256(f"{content}:{lists.digest()}".encode()).hexdigest()
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
    return Assessed(incoming, digest, corrections, record.location, lists)


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
