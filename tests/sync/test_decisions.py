"""The per-record decisions, one table per outcome: incoming record x what the store holds.

Pure (sync/decisions.py): no database, no sources. Each row names the case a clerk would
recognise, and the test checks the outcome, what is written over what (and why, for history),
and which conflicts close.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from store.person_row import CONTENT_COLUMNS
from sync.decisions import (
    DEPARTED_STATUS,
    IDENTITY_CLASH,
    UNKEYED_IDENTITY_CHANGE,
    Decision,
    Held,
    Incoming,
    PersonRow,
    decide,
)
from vocabulary.problems import Problem

TODAY = date(2026, 12, 1)
A, B = "VN:GOV:H01:HRM", "VN:GOV:H02:HRM"
PID, OTHER_PID = "001080001234", "001080009999"


def person(
    source: str = A,
    record: str = "r1",
    pid: str = PID,
    status: str = "active",
    hash_: str = "h1",
    id_: int | None = None,
) -> PersonRow:
    values: dict[str, Any] = dict.fromkeys(CONTENT_COLUMNS)
    values |= {"personal_id": pid, "status": status}
    return PersonRow(id_, values, "000.00.00.H01", source, record, "v1", hash_)


def stored(**kwargs: Any) -> PersonRow:
    return person(id_=kwargs.pop("id_", 7), **kwargs)


def arriving(row: PersonRow, version: str = "v2") -> Incoming:
    return Incoming(
        row.source_id, row.source_record_id, version, row=row, personal_id=row.personal_id
    )


def deletion(source: str = A, record: str = "r1", pid: str | None = PID) -> Incoming:
    return Incoming(source, record, "v9", deleted=True, personal_id=pid)


def _summary(decision: Decision) -> tuple[Any, ...]:
    """outcome, [(written personal ID, its store id, its source, change)], resolved."""
    writes = [(w.row.personal_id, w.row.id, w.row.source_id, w.change) for w in decision.writes]
    return decision.outcome, writes, decision.resolves


PROBLEM = Problem("birth_date", "date_format", "31/02/1980", "YYYY-MM-DD")


@pytest.mark.parametrize(
    ("case", "incoming", "held", "expected"),
    [
        # -- reject: a record with problems never touches the stored row
        ("problems, nobody held", Incoming(A, "r1", "v2", problems=(PROBLEM,)), Held(),
         ("rejected", [], ())),
        ("problems, row held", Incoming(A, "r1", "v2", problems=(PROBLEM,)),
         Held(person=stored(), record_row=stored()), ("rejected", [], ())),
        ("new personal ID, a namesake under the old one (no record id)",
         arriving(person(record=OTHER_PID, pid=OTHER_PID)),
         Held(namesake=stored(record=PID)), ("rejected", [], ())),
        # -- insert
        ("new person", arriving(person()), Held(), ("inserted", [(PID, None, A, None)], ())),
        # -- unchanged
        ("same content, same record", arriving(person()),
         Held(person=stored(), record_row=stored()), ("unchanged", [], ())),
        ("past employment at another source", arriving(person(B, status="retired")),
         Held(person=stored()), ("unchanged", [], ())),
        ("concurrent appointment recorded", arriving(person(B)),
         Held(person=stored(), concurrent=True), ("unchanged", [], ())),
        # -- update
        ("changed content", arriving(person(hash_="h2")),
         Held(person=stored(), record_row=stored()), ("updated", [(PID, 7, A, "update")], ())),
        ("a drop's row keyed by its personal ID gets its record id",
         arriving(person(record="HS0001")), Held(person=stored(record=PID)),
         ("updated", [(PID, 7, A, "update")], ())),
        ("another active record of the source holds the personal ID",
         arriving(person(record="r2")), Held(person=stored()), ("rejected", [], ())),
        ("personal ID corrected at the source", arriving(person(pid=OTHER_PID)),
         Held(record_row=stored()), ("updated", [(OTHER_PID, 7, A, "identity")], ())),
        # -- transfer
        ("the person left the other source", arriving(person(B, record="b1")),
         Held(person=stored(status="transferred")),
         ("updated", [(PID, 7, B, "transfer")], ((PID, B),))),
        # -- conflict
        ("active at another source", arriving(person(B, record="b1")), Held(person=stored()),
         ("conflicts", [], ())),
        # -- delete
        ("deletion of the active record", deletion(), Held(person=stored(), record_row=stored()),
         ("deleted", [(PID, 7, A, "deleted")], ())),
        ("tombstone without personal ID (found by record id)", deletion(pid=None),
         Held(person=stored(), record_row=stored()), ("deleted", [(PID, 7, A, "deleted")], ())),
    ],
)  # fmt: skip
def test_outcomes(case: str, incoming: Incoming, held: Held, expected: tuple[Any, ...]) -> None:
    assert _summary(decide(incoming, held, TODAY)) == expected, case


def test_a_namesake_under_another_personal_id_is_the_clerks_call() -> None:
    row = person(record=OTHER_PID, pid=OTHER_PID)
    decision = decide(arriving(row), Held(namesake=stored(record=PID)), TODAY)
    (problem,) = decision.problems
    assert (problem.field, problem.rule, problem.value) == (
        "personal_id",
        UNKEYED_IDENTITY_CHANGE,
        OTHER_PID,
    )
    assert "Mã hồ sơ" in (problem.expected or "")
    assert not decision.settles_record  # the old row stays, nothing is merged by a guess


def test_a_conflict_keeps_the_record_pending_for_the_owner() -> None:
    row = person(B, record="b1")
    decision = decide(arriving(row), Held(person=stored()), TODAY)
    assert decision.conflict_owner == A
    assert decision.pending is row
    assert decision.writes == ()  # the owner's row stays as it is


def test_a_deletion_keeps_the_person_as_departed_since_the_sync_day() -> None:
    decision = decide(deletion(), Held(person=stored(), record_row=stored()), TODAY)
    (write,) = decision.writes
    assert write.row.values["status"] == DEPARTED_STATUS
    assert write.row.values["status_since"] == TODAY
    assert write.row.source_version == "v9"
    assert write.row.hash != "h1"  # the content changed, so does its hash


@pytest.mark.parametrize(
    ("case", "incoming", "held"),
    [
        ("another source's person", deletion(), Held(person=stored(source=B))),
        ("nobody held", deletion(), Held()),
        ("another record of this source", deletion(record="r9"), Held(person=stored())),
        ("already departed", deletion(), Held(person=stored(status="retired"))),
    ],
)
def test_deletions_that_change_nothing(case: str, incoming: Incoming, held: Held) -> None:
    assert decide(incoming, held, TODAY).outcome == "unchanged", case


def test_a_deletion_of_another_sources_person_closes_this_sources_conflict() -> None:
    decision = decide(deletion(B, "b1"), Held(person=stored()), TODAY)
    assert decision.resolves == ((PID, B),)


@pytest.mark.parametrize(
    ("case", "incoming", "outcome", "change"),
    [
        ("the owner deletes the record", deletion(), "deleted", "transfer"),
        ("the owner reports the person gone", arriving(person(status="retired", hash_="h2")),
         "updated", "transfer"),
    ],
)  # fmt: skip
def test_the_owner_letting_go_hands_over_to_the_pending_record(
    case: str, incoming: Incoming, outcome: str, change: str
) -> None:
    waiting = person(B, record="b1", hash_="hb")
    held = Held(person=stored(), record_row=stored(), pending=((B, waiting),))
    decision = decide(incoming, held, TODAY)
    assert decision.outcome == outcome, case
    taken = decision.writes[-1]
    assert (taken.row.source_id, taken.row.id, taken.change) == (B, 7, change)
    assert decision.resolves == ((PID, B),)


def test_a_pending_record_no_longer_active_is_not_handed_over() -> None:
    waiting = person(B, record="b1", status="retired")
    held = Held(person=stored(), record_row=stored(), pending=((B, waiting),))
    decision = decide(deletion(), held, TODAY)
    assert [w.row.source_id for w in decision.writes] == [A]
    assert decision.resolves == ()


def test_a_corrected_personal_id_already_held_by_another_record_is_rejected() -> None:
    # record r1 (row of OTHER_PID) now says PID, which record r2 of the same source holds:
    # two people would have to be merged, which is a clerk's call
    held = Held(person=stored(record="r2", id_=8), record_row=stored(pid=OTHER_PID))
    decision = decide(arriving(person(record="r1")), held, TODAY)
    assert decision.outcome == "rejected"
    assert [(p.field, p.rule) for p in decision.problems] == [("personal_id", IDENTITY_CLASH)]
    assert decision.writes == ()


def test_every_passing_record_settles_its_open_rejects_and_no_reject_does() -> None:
    passing = decide(arriving(person()), Held(), TODAY)
    failing = decide(Incoming(A, "r1", "v2", problems=(PROBLEM,)), Held(), TODAY)
    assert passing.settles_record
    assert not failing.settles_record
    assert failing.problems == (PROBLEM,)


def test_the_decision_leaves_what_it_was_given_unchanged() -> None:
    held_row = stored()
    snapshot = replace(held_row, values=dict(held_row.values))
    decide(deletion(), Held(person=held_row, record_row=held_row), TODAY)
    assert held_row == snapshot
