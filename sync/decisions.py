"""What one incoming record does to the store: a pure function of the record and what is held.

    decision = decide(incoming, held, today)

`incoming` is the record after normalisation and validation (its row, or the problems that keep
it out, or a deletion); `held` is what the store (or the page so far) holds for it: the row of
its personal ID, this source's row of its record id, a recorded concurrent appointment, and the
records other sources are waiting to hand over. Nothing here reads or writes the database, so
every outcome is table-tested (tests/sync/test_decisions.py); sync/page.py gathers the state
and sync/writes.py writes what is decided.

The personal ID is the natural key; (source, source record id) is the source's own key, and a
record whose personal ID changed at the source is the same person corrected, not a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from store.person_row import content_hash
from sync.normalise import row_tuple
from vocabulary.problems import Problem

DEPARTED_STATUS = "transferred"

Outcome = Literal["inserted", "updated", "unchanged", "rejected", "deleted", "conflicts"]
"""How the run counts a decision (sync_run's columns)."""

Change = Literal["update", "identity", "transfer", "deleted"]
"""Why a stored row is replaced: the person_history entry's `change`."""

# the rules of the reject catalogue that only the decision can see
IDENTITY_CLASH = "identity_clash"
"""The record's personal ID is held by another record of the same source, while this record's
own row holds another personal ID: merging two people is for a clerk, not for the sync."""
UNKEYED_IDENTITY_CHANGE = "identity_unkeyed_change"
"""A source keyed by the personal ID itself (a drop without a record-id column) sends a new
personal ID while it holds an active person of the same name, birth date and gender under
another: a corrected personal ID and a namesake look alike, so the clerk says which. The
clerk's answer comes under another record id, so the reject is closed by the personal ID its
source then stores (sync/writes.py), not by its own record passing."""


@dataclass
class PersonRow:
    """A person as a decision sees it: from the store, staged by this page, or incoming."""

    id: int | None
    values: dict[str, Any]
    organization_code: str
    source_id: str
    source_record_id: str
    source_version: str
    hash: str

    @property
    def personal_id(self) -> str:
        return str(self.values["personal_id"])

    @property
    def active(self) -> bool:
        return bool(self.values["status"] == "active")


@dataclass(frozen=True)
class Incoming:
    """One record of a page after normalisation and validation."""

    source_id: str
    record_id: str
    version: str
    row: PersonRow | None = None  # the normalised row, when it passed every rule
    problems: tuple[Problem, ...] = ()
    deleted: bool = False
    personal_id: str | None = None  # a deletion's, when the source still states it


@dataclass(frozen=True)
class Held:
    """What the store holds that the incoming record may touch."""

    person: PersonRow | None = None  # the row of the incoming personal ID
    record_row: PersonRow | None = None  # this source's row of the incoming record id
    concurrent: bool = False  # a concurrent appointment at this source is recorded
    pending: tuple[tuple[str, PersonRow], ...] = ()
    """(other source, its record) of the open conflicts on the person, oldest first."""
    namesake: PersonRow | None = None
    """For a record keyed by its personal ID: an active row of this source, keyed the same way,
    of the same name, birth date and gender under another personal ID."""


@dataclass(frozen=True)
class Write:
    """A row to store; `replaces` is the row it supersedes (its old version goes to history)."""

    row: PersonRow
    replaces: PersonRow | None = None
    change: Change | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    writes: tuple[Write, ...] = ()
    problems: tuple[Problem, ...] = ()
    conflict_owner: str | None = None  # a conflict: the source holding the person
    pending: PersonRow | None = None  # a conflict: the record kept until the owner lets go
    resolves: tuple[tuple[str, str], ...] = ()  # (personal ID, other source) conflicts closed
    settles_record: bool = False  # the record's open rejects are resolved


def decide(incoming: Incoming, held: Held, today: date) -> Decision:
    if incoming.deleted:
        return _deletion(incoming, held, today)
    if incoming.problems or incoming.row is None:
        return Decision("rejected", problems=incoming.problems)
    row = incoming.row
    person, own = held.person, held.record_row
    if own is not None and own.personal_id != row.personal_id:
        if person is None:
            # the source corrected the personal ID of a record the store holds: the same row
            return _settled(Decision("updated", (Write(_over(row, own), own, "identity"),)))
        return Decision(
            "rejected",
            problems=(Problem("personal_id", IDENTITY_CLASH, row.personal_id, own.source_id),),
        )
    if person is None:
        if held.namesake is not None:
            return Decision(
                "rejected",
                problems=(
                    Problem(
                        "personal_id",
                        UNKEYED_IDENTITY_CHANGE,
                        row.personal_id,
                        "a record id column (Mã hồ sơ): the old personal ID if the same person,"
                        " a new id if another",
                    ),
                ),
            )
        return _settled(Decision("inserted", (Write(row),)))
    if person.source_id == incoming.source_id:
        if person.hash == row.hash and person.source_record_id == row.source_record_id:
            return _settled(Decision("unchanged"))
        if (
            person.source_record_id != row.source_record_id
            and person.source_record_id != person.personal_id
            and person.active
        ):
            # another record of this source holds the personal ID (one typed with spaces, a
            # duplicate): taking its row over would overwrite that person with this one.
            # Only a row keyed by its personal ID itself (a drop before its record-id column)
            # is re-keyed by a record that now carries an id of its own.
            return Decision(
                "rejected",
                problems=(
                    Problem("personal_id", IDENTITY_CLASH, row.personal_id, person.source_id),
                ),
            )
        update = Write(_over(row, person), person, "update")
        taken = _hand_over(held, update.row) if not row.active else None
        return _settled(
            Decision(
                "updated",
                (update, *taken.writes) if taken else (update,),
                resolves=taken.resolves if taken else (),
            )
        )
    if held.concurrent or not row.active:
        # a recorded concurrent appointment, or a past employment here: the owner keeps it
        return _settled(Decision("unchanged"))
    if not person.active:
        return _settled(
            Decision(
                "updated",
                (Write(_over(row, person), person, "transfer"),),
                resolves=((row.personal_id, incoming.source_id),),
            )
        )
    return _settled(Decision("conflicts", conflict_owner=person.source_id, pending=row))


def _deletion(incoming: Incoming, held: Held, today: date) -> Decision:
    person = held.person
    if person is None or person.source_id != incoming.source_id:
        resolves = ((incoming.personal_id, incoming.source_id),) if incoming.personal_id else ()
        return _settled(Decision("unchanged", resolves=resolves))
    if person.source_record_id != incoming.record_id or not person.active:
        return _settled(Decision("unchanged"))
    values = dict(person.values, status=DEPARTED_STATUS, status_since=today)
    departed = replace(
        person,
        values=values,
        source_version=incoming.version,
        hash=content_hash(row_tuple(values), person.organization_code),
    )
    taken = _hand_over(held, person)
    if taken is not None:
        return _settled(replace(taken, outcome="deleted"))
    return _settled(Decision("deleted", (Write(departed, person, "deleted"),)))


def _hand_over(held: Held, leaving: PersonRow) -> Decision | None:
    """The owner lets the person go: the first active pending record of another source takes
    the row over (a transfer), and its conflict closes."""
    for other_source, pending in held.pending:
        if pending.active:
            return Decision(
                "updated",
                (Write(_over(pending, leaving), leaving, "transfer"),),
                resolves=((pending.personal_id, other_source),),
            )
    return None


def _over(row: PersonRow, old: PersonRow) -> PersonRow:
    """`row` stored in the place of `old` (the same store id)."""
    return replace(row, id=old.id)


def _settled(decision: Decision) -> Decision:
    return replace(decision, settles_record=True)
