"""One page of a source's change feed into the store, one record never stopping the rest.

    work = await apply_page(conn, records, context)      # inside the page's transaction

Assess every record (sync/assess.py), read what the store holds for them (sync/held.py),
decide each against that picture (sync/decisions.py), write the lot (sync/writes.py).

The page is applied inside a SAVEPOINT. When the database refuses it (a constraint, a value it
cannot hold) or our code fails on a value, the savepoint is rolled back and the page is applied
again in halves, each in its own savepoint, down to the one record at fault, which becomes a
reject with the rule it broke (sync/refusals.py). A page with nothing wrong costs one
SAVEPOINT and one RELEASE; a page with one bad record among 1,000 about twenty smaller
attempts. The rest of the page commits, with the bookmark after it, and the run goes on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import asyncpg

from sync.arrivals import record_arrivals
from sync.assess import Assessed, Kept, assess
from sync.decisions import Decision, Incoming, Outcome, PersonRow, decide
from sync.held import View, pending_json, read_view
from sync.normalise import Standard
from sync.refusals import FAULTY, REFUSED, UNPROCESSABLE, refusal_problem
from sync.writes import Reject, Writes, write_page
from vocabulary.declarations import NATIONAL, SourceDeclarations
from vocabulary.problems import Problem
from vocabulary.sources import SourceRecord

log = logging.getLogger(__name__)

OUTCOMES: tuple[Outcome, ...] = (
    "inserted", "updated", "unchanged", "rejected", "deleted", "conflicts",
)  # fmt: skip


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    conflicts: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def add(self, other: Counts) -> None:
        for name in OUTCOMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Context:
    source_id: str
    standard: Standard
    today: date
    declarations: SourceDeclarations = NATIONAL  # the source's code lists, dates, encodings


@dataclass
class PageResult:
    """What a page did, once committed."""

    counts: Counts = field(default_factory=Counts)
    reject_rules: list[str] = field(default_factory=list)
    refused: int = 0  # records the store refused (each is also counted as rejected)
    lists_kept: int = 0  # records stored whose lists came as stored: not read, not rewritten

    def add(self, other: PageResult) -> None:
        self.counts.add(other.counts)
        self.reject_rules += other.reject_rules
        self.refused += other.refused
        self.lists_kept += other.lists_kept


async def apply_page(conn: Any, records: Sequence[SourceRecord], context: Context) -> PageResult:
    kept = await _kept_lists(conn, context.source_id, records)
    assessed = [_assess(record, context, kept.get(record.source_record_id)) for record in records]
    result = PageResult()
    await _isolate(conn, assessed, context, result)
    # when each stamped version reached the store, stored or rejected (the scorecard's lag)
    await record_arrivals(conn, context.source_id, records)
    if result.refused:
        log.warning(
            "sync of %s: %d record(s) of a page refused by the store, rejected",
            context.source_id,
            result.refused,
        )
    return result


async def _kept_lists(
    conn: Any, source_id: str, records: Sequence[SourceRecord]
) -> dict[str, Kept]:
    """The lists the page's records last stored cleanly, by record id (one statement; none for
    a page without lists). A record twice in the page has none: its first version may store
    other lists before its second comes, so both read theirs."""
    seen = Counter(r.source_record_id for r in records)
    ids = [
        r.source_record_id
        for r in records
        if r.carries_lists and not r.deleted and seen[r.source_record_id] == 1
    ]
    if not ids:
        return {}
    rows = await conn.fetch(
        "SELECT source_record_id, person_id, received, lists_digest FROM dossier_lists_received"
        " WHERE source_id = $1 AND source_record_id = ANY($2::text[])",
        source_id,
        ids,
    )
    return {
        r["source_record_id"]: Kept(r["person_id"], r["received"], r["lists_digest"]) for r in rows
    }


def _assess(record: SourceRecord, context: Context, kept: Kept | None = None) -> Assessed:
    try:
        return assess(
            record,
            context.standard,
            context.source_id,
            context.today,
            context.declarations,
            kept,
        )
    except FAULTY as exc:
        log.warning("sync of %s: a record could not be read (%s)", context.source_id,
                    type(exc).__name__)  # fmt: skip
        return Assessed(
            Incoming(context.source_id, record.source_record_id, record.version,
                     problems=(Problem(None, UNPROCESSABLE),))
        )  # fmt: skip


async def _isolate(
    conn: Any, part: Sequence[Assessed], context: Context, result: PageResult
) -> None:
    """Applies `part` in a savepoint; on a refusal, its halves, down to the record at fault."""
    try:
        async with conn.transaction():
            done = await _apply(conn, part, context)
    except (*REFUSED, *FAULTY) as exc:
        if len(part) > 1:
            middle = len(part) // 2
            await _isolate(conn, part[:middle], context, result)
            await _isolate(conn, part[middle:], context, result)
            return
        if isinstance(exc, asyncpg.UniqueViolationError):
            # another source's sync may have stored the person since we read: read again
            try:
                async with conn.transaction():
                    result.add(await _apply(conn, part, context))
                return
            except (*REFUSED, *FAULTY) as again:
                exc = again
        if isinstance(exc, FAULTY) and not isinstance(exc, REFUSED):
            log.warning("sync of %s: a record failed (%s)", context.source_id,
                        type(exc).__name__)  # fmt: skip
        refused = _refused(part[0], exc)
        async with conn.transaction():
            done = await _apply(conn, [refused], context)
        done.refused += 1
    result.add(done)


def _refused(assessed: Assessed, exc: BaseException) -> Assessed:
    incoming = assessed.incoming
    values = incoming.row.values if incoming.row is not None else None
    problem = refusal_problem(exc, values)
    return Assessed(replace(incoming, row=None, deleted=False, problems=(problem,)))


async def _apply(conn: Any, part: Sequence[Assessed], context: Context) -> PageResult:
    view = await read_view(conn, context.source_id, part, context.standard)
    work = Writes()
    staged: dict[int, PersonRow] = {}  # the rows to write, by identity (a row may be replaced)
    result = PageResult()
    for assessed in part:
        incoming = assessed.incoming
        decision = decide(incoming, view.held(incoming), context.today)
        result.lists_kept += _record(view, work, staged, assessed, decision, context)
        setattr(result.counts, decision.outcome, getattr(result.counts, decision.outcome) + 1)
        result.reject_rules += [p.rule for p in decision.problems]
    work.rows = list(staged.values())
    await write_page(conn, context.source_id, work)
    return result


def _record(
    view: View,
    work: Writes,
    staged: dict[int, PersonRow],
    assessed: Assessed,
    decision: Decision,
    context: Context,
) -> int:
    """The decision into the page's writes, and into its picture of the store; 1 when the
    record's own row is stored with its lists kept as stored (not read, not rewritten)."""
    incoming = assessed.incoming
    kept = 0
    if decision.outcome == "rejected":
        work.rejects.append(
            Reject(
                incoming.record_id,
                incoming.version,
                incoming.personal_id,
                decision.problems,
                assessed.location,
            )
        )
        return 0
    work.corrections += [
        (incoming.record_id, incoming.version, c, assessed.location) for c in assessed.corrections
    ]
    if decision.settles_record:
        work.settled.append(incoming.record_id)
    if assessed.digest is not None:
        work.digests.append((incoming.record_id, incoming.version, assessed.digest))
    for write in decision.writes:
        old = write.replaces
        if old is not None:
            if old.id is not None and id(old) not in staged and write.change is not None:
                work.history.append((old.id, write.change))
            if view.people.get(old.personal_id) is old:
                del view.people[old.personal_id]
            staged.pop(id(old), None)
        view.people[write.row.personal_id] = write.row
        if write.row.source_id == view.source_id:
            view.records[write.row.source_record_id] = write.row.personal_id
        staged[id(write.row)] = write.row
        own = (write.row.source_id, write.row.source_record_id) == (
            view.source_id,
            incoming.record_id,
        )
        lists = assessed.lists
        if own and assessed.kept_for is not None:
            if write.row.id == assessed.kept_for:
                kept = 1  # the lists stored for this person are these: nothing to write
                continue
            # the row is another person's than the one the lists were stored for: read them
            # (they read clean, as they did then) and store them for this one
            if assessed.record is not None:
                lists = _assess(assessed.record, context).lists
        if own and lists is not None:
            # the record's own row is stored: its lists replace what this source stated before
            work.lists.append(
                (
                    write.row.personal_id,
                    incoming.record_id,
                    incoming.version,
                    lists,
                    assessed.received,
                )
            )
    for pid, other_source in decision.resolves:
        work.resolved_conflicts.append((pid, other_source))
        view.pending[pid] = [p for p in view.pending.get(pid, []) if p[0] != other_source]
    if decision.pending is not None and decision.conflict_owner is not None:
        work.conflicts.append(
            (
                decision.pending.personal_id,
                decision.conflict_owner,
                incoming.record_id,
                pending_json(decision.pending),
            )
        )
    return kept
