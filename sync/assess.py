"""One source record made ready for a decision: normalised and validated, its problems gathered.

    assessed = assess(record, standard, source_id, today)

Pure. The problems are the adapter's own (those about fields this pass does not read again
itself), normalisation's and validation's, one per field; a record with none carries its store
row and the digest its agency's monthly approval manifest lists (exchange/approval.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from exchange.approval import record_digest
from store.person_row import content_hash
from sync.decisions import Incoming, PersonRow
from sync.normalise import DATE_FIELDS, Standard, normalise, row_tuple
from sync.validate import MANDATORY, validate
from vocabulary.problems import Problem
from vocabulary.sources import SourceRecord

# fields this pass normalises and checks itself: an adapter's problem with one of them stands
# only if the value fails here too (its mapping may expect one date format, we read them all)
RECHECKED = frozenset(
    {*DATE_FIELDS, *MANDATORY, "organization_code", "religion_code", "grade_code",
     "position_code", "status", "professional_level", "political_theory", "state_management",
     "performance_rating", "salary_step", "salary_coefficient", "salary_scale_code"}
)  # fmt: skip


@dataclass(frozen=True)
class Assessed:
    incoming: Incoming
    digest: str | None = None  # a record that passed: what the approval manifest lists


def assess(record: SourceRecord, standard: Standard, source_id: str, today: date) -> Assessed:
    if record.deleted:
        pid = normalise_personal_id(record.fields.get("personal_id"))
        return Assessed(
            Incoming(source_id, record.source_record_id, record.version, deleted=True,
                     personal_id=pid)
        )  # fmt: skip
    norm = normalise(record.fields, standard, source_id)
    problems = one_per_field(
        [p for p in adapter_problems(record) if p.field not in RECHECKED],
        (as_problem(f) for f in norm.failures),
        (as_problem(f) for f in validate(norm.values, today, norm.organization_code)),
    )
    if problems or norm.organization_code is None:
        return Assessed(
            Incoming(
                source_id,
                record.source_record_id,
                record.version,
                problems=tuple(problems),
                personal_id=norm.values.get("personal_id"),
            )
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
    return Assessed(incoming, digest)


def normalise_personal_id(value: object) -> str | None:
    """The personal ID as normalisation writes it (spaces and dots dropped)."""
    text = None if value is None else str(value).strip()
    return text.replace(" ", "").replace(".", "") or None if text else None


def adapter_problems(record: SourceRecord) -> list[Problem]:
    """The adapter's own problems. Adapters that still report "field: reason" strings are read
    here once (the rule from the reason's words), until every adapter reports Problem."""
    problems: list[Problem] = []
    for problem in record.problems:
        if isinstance(problem, Problem):
            problems.append(problem)
            continue
        name, _, reason = str(problem).partition(": ")
        rule = "mandatory" if "missing" in reason else "unmapped"
        value = record.fields.get(name)
        problems.append(Problem(name or None, rule, None if value is None else str(value)))
    return problems


def as_problem(failure: object) -> Problem:
    """Normalisation's and validation's failures as Problems (they may already be)."""
    if isinstance(failure, Problem):
        return failure
    return Problem(
        getattr(failure, "field"),  # noqa: B009 - any (field, rule, value) record
        getattr(failure, "rule"),  # noqa: B009
        getattr(failure, "value"),  # noqa: B009
    )


def one_per_field(*groups: Iterable[Problem]) -> list[Problem]:
    """One problem per field, the first found (a value normalise could not read is not also
    reported missing by validate)."""
    out: dict[str | None, Problem] = {}
    for group in groups:
        for problem in group:
            out.setdefault(problem.field, problem)
    return list(out.values())
