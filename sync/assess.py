"""One source record made ready for a decision: normalised and validated, its problems gathered.

    assessed = assess(record, standard, source_id, today)

Pure. The problems are the adapter's own (every one: what it could not read is never guessed
again here), normalisation's and validation's, one per field; a record with none carries its
store row, the repairs normalisation made with certainty, and the digest its agency's monthly
approval manifest lists (exchange/approval.py). A drop's record keeps its file name and row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from exchange.approval import record_digest
from store.person_row import content_hash
from sync.decisions import Incoming, PersonRow
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
    problems = one_per_field(
        record.problems,
        norm.failures,
        validate(norm.values, today, norm.organization_code),
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
    row = PersonRow(
        None,
        norm.values,
        norm.organization_code,
        source_id,
        record.source_record_id,
        record.version,
        content_hash(row_tuple(norm.values), norm.organization_code),
    )
    incoming = Incoming(
        source_id, record.source_record_id, record.version, row=row, personal_id=row.personal_id
    )
    digest = record_digest(source_id, record.source_record_id, record.version, record.fields)
    return Assessed(incoming, digest, norm.corrections, record.location)


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
