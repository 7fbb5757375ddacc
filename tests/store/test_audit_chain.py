"""The audit hash chain, without a database: altered, removed and reordered rows are found."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from store.audit_chain import GENESIS, AuditRow, row_hash, verify_chain


def chain(n: int) -> list[AuditRow]:
    rows = []
    previous = GENESIS
    for i in range(1, n + 1):
        row = AuditRow(
            id=i,
            at=datetime(2026, 11, 26, 8, 0, i, tzinfo=UTC),
            request_id=f"r{i}",
            client_id="portal",
            subject=None,
            level="province",
            organization="000.00.00.H01",
            purposes=["personnel"],
            person_ids=[i, i + 1],
            fields=["Person.birthDate"],
            prev_hash=previous,
        )
        row = replace(row, hash=row_hash(row))
        rows.append(row)
        previous = row.hash
    return rows


def test_an_untouched_chain_verifies() -> None:
    assert verify_chain(chain(5)) == []


def test_an_altered_row_is_found() -> None:
    rows = chain(5)
    rows[2] = replace(rows[2], person_ids=[999])
    problems = verify_chain(rows)
    assert [(p.row_id, "altered" in p.problem) for p in problems] == [(3, True)]


def test_a_removed_row_breaks_the_link_of_the_next() -> None:
    rows = chain(5)
    del rows[1]
    assert [p.row_id for p in verify_chain(rows)] == [3]


def test_reordered_rows_are_found() -> None:
    rows = chain(5)
    rows[1], rows[2] = rows[2], rows[1]
    assert {p.row_id for p in verify_chain(rows)} == {2, 3, 4}
