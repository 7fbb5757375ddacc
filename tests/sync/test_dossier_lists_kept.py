"""A record whose dossier lists come again as they were last stored: its other fields are
stored, its lists are neither read nor rewritten (issue 12), and nothing goes silent.

Over the connector's wire (exchange/protocol.py) into a real store: the same lists with a new
job position keep the stored lists and their provenance; a changed list is stored; a store
without the lists' digests (from before migration 0020) reads them as before; lists once
rejected are rejected again the same way. The run says how many records kept their lists.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import asyncpg
import orjson

from adapters.mock import MockSource
from exchange import protocol
from sync.pipeline import sync_source
from tests.sync.fault_corpus.cases import ORG
from tests.sync.fault_corpus.dossier_cases import Raw
from tests.sync.fault_corpus.test_dossier_corpus import CASES
from tests.sync.fault_corpus.test_fault_corpus import TODAY, _store
from tests.sync.sync_helpers import fetch_rows
from vocabulary.sources import SentSections, SourceRecord

SOURCE = f"VN:GOV:{ORG}:HRM"
CASE = next(case for case in CASES if case.stored is not None)
SECTIONS = {
    table: tuple(
        {k: str(v) if isinstance(v, Raw) else v for k, v in entry.items()} for entry in entries
    )
    for table, entries in CASE.lists.items()
}


def _sent(version: str, sections: Any = SECTIONS, **changed: Any) -> SourceRecord:
    """The case's person as the connector sends it, with `changed` fields and `sections`,
    read as its client reads it (the lists handed on unread)."""
    fields = protocol.person_fields({**CASE.person, **changed})
    record = protocol.change_record(CASE.id, version, False, fields, sections=sections)
    payload = protocol.changes_payload(SOURCE, [record], None, False)
    wire = orjson.loads(protocol.dumps(payload))
    return protocol.parse_changes(wire, 1, defer_sections=True).records[0]


def _counting(record: SourceRecord, typed: list[int]) -> SourceRecord:
    """The record, its lists' typing counted in `typed` (the real typing still runs)."""
    sent = record.sent_sections
    assert sent is not None

    def typing() -> Any:
        typed.append(1)
        return sent.read()

    return replace(record, sent_sections=SentSections(sent.fingerprint, typing))


async def _sync(dsn: str, record: SourceRecord) -> Any:
    result = await sync_source(dsn, MockSource(SOURCE, ORG, [record]), today=TODAY, full=True)
    assert result.status == "ok", result.error
    return result


async def _lists(dsn: str) -> list[tuple[Any, ...]]:
    """Every stored list row of the person, with its provenance and when it was written."""
    rows = []
    for table in SECTIONS:
        rows += [
            (table, *row)
            for row in await fetch_rows(
                dsn,
                f"SELECT to_jsonb(d) - 'id' AS row, d.source_version, d.synced_at FROM {table} d"
                " ORDER BY d.id",
            )
        ]
    return rows


async def _position(dsn: str) -> str | None:
    rows = await fetch_rows(dsn, "SELECT job_position FROM person WHERE personal_id = $1",
                        CASE.personal_id)  # fmt: skip
    return rows[0]["job_position"]


async def test_a_changed_field_with_the_same_lists_keeps_the_lists_as_stored(
    fresh_store_url: str,
) -> None:
    dsn = await _store(fresh_store_url)
    first = await _sync(dsn, _sent("1", job_position="Chuyên viên"))
    assert (first.counts.inserted, first.lists_kept) == (1, 0)
    stored = await _lists(dsn)
    assert len(stored) == sum(len(v) for v in SECTIONS.values())

    second = await _sync(dsn, _sent("2", job_position="Trưởng phòng"))
    assert (second.counts.updated, second.lists_kept) == (1, 1)
    assert await _position(dsn) == "Trưởng phòng"
    # the lists and their provenance (version 1, when they were written) as they were
    assert await _lists(dsn) == stored
    runs = await fetch_rows(dsn, "SELECT lists_kept FROM sync_run ORDER BY id")
    assert [r["lists_kept"] for r in runs] == [0, 1]

    # the same record again is unchanged, as it was before lists were kept
    third = await _sync(dsn, _sent("2", job_position="Trưởng phòng"))
    assert (third.counts.unchanged, third.lists_kept) == (1, 0)


async def test_lists_sent_again_as_stored_are_not_even_typed(fresh_store_url: str) -> None:
    dsn = await _store(fresh_store_url)
    typed: list[int] = []
    await _sync(dsn, _counting(_sent("1", job_position="Chuyên viên"), typed))
    assert len(typed) == 1  # new lists: typed, read, stored
    second = await _sync(dsn, _counting(_sent("2", job_position="Trưởng phòng"), typed))
    assert (second.counts.updated, second.lists_kept, len(typed)) == (1, 1, 1)
    assert await _position(dsn) == "Trưởng phòng"
    # a changed list is typed again
    rewarded = {**SECTIONS, "dossier_reward": ()}
    third = await _sync(dsn, _counting(_sent("3", rewarded), typed))
    assert (third.counts.updated, third.lists_kept, len(typed)) == (1, 0, 2)
    assert await fetch_rows(dsn, "SELECT 1 FROM dossier_reward") == []


async def test_a_changed_list_with_the_same_person_is_stored(fresh_store_url: str) -> None:
    dsn = await _store(fresh_store_url)
    await _sync(dsn, _sent("1"))
    rewarded = dict(SECTIONS)
    rewarded["dossier_reward"] = (
        {**SECTIONS["dossier_reward"][0], "decision_number": "99/QĐ-UBND"},
    )
    result = await _sync(dsn, _sent("2", rewarded))
    assert (result.counts.updated, result.lists_kept) == (1, 0)
    rows = await fetch_rows(dsn, "SELECT decision_number, source_version FROM dossier_reward")
    assert [tuple(r) for r in rows] == [("99/QĐ-UBND", "2")]
    # and the changed list is kept from then on
    again = await _sync(dsn, _sent("3", rewarded, job_position="Phó phòng"))
    assert again.lists_kept == 1


async def test_a_store_without_the_digests_reads_the_lists_as_before(fresh_store_url: str) -> None:
    dsn = await _store(fresh_store_url)
    await _sync(dsn, _sent("1"))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DELETE FROM dossier_lists_received")  # a store from before 0020
    finally:
        await conn.close()
    result = await _sync(dsn, _sent("2", job_position="Chuyên viên chính"))
    assert (result.counts.updated, result.lists_kept) == (1, 0)
    versions = {row[-2] for row in await _lists(dsn)}
    assert versions == {"2"}  # read and written again, as before the digests
    later = await _sync(dsn, _sent("3", job_position="Chuyên viên cao cấp"))
    assert later.lists_kept == 1


async def test_lists_rejected_once_are_rejected_again_the_same_way(fresh_store_url: str) -> None:
    dsn = await _store(fresh_store_url)
    await _sync(dsn, _sent("1"))
    stored = await _lists(dsn)
    bad = dict(SECTIONS)
    bad["dossier_annual_rating"] = (SECTIONS["dossier_annual_rating"][0],) * 2  # one year twice
    for version in ("2", "3"):
        result = await _sync(dsn, _sent(version, bad, job_position="Chuyên viên"))
        assert (result.counts.rejected, result.lists_kept) == (1, 0)
        rejects = await fetch_rows(
            dsn, "SELECT field, rule, source_version FROM sync_reject WHERE resolved_at IS NULL"
        )
        assert [(r["rule"], r["source_version"]) for r in rejects] == [("duplicate_year", version)]
    assert await _lists(dsn) == stored
    # the lists last stored come again: kept, and the reject is settled
    result = await _sync(dsn, _sent("4", job_position="Chuyên viên"))
    assert (result.counts.updated, result.lists_kept) == (1, 1)
    assert await fetch_rows(dsn, "SELECT 1 FROM sync_reject WHERE resolved_at IS NULL") == []
    assert await _lists(dsn) == stored


async def test_a_record_twice_in_a_page_stores_its_last_lists(fresh_store_url: str) -> None:
    dsn = await _store(fresh_store_url)
    await _sync(dsn, _sent("1"))
    rewarded = dict(SECTIONS)
    rewarded["dossier_reward"] = ()
    # version 2 empties a list, version 3 in the same page sends the lists as stored again
    source = MockSource(SOURCE, ORG, [_sent("2", rewarded), _sent("3", job_position="X")])
    result = await sync_source(dsn, source, today=TODAY, full=True)
    assert (result.counts.updated, result.lists_kept) == (2, 0)
    rows = await fetch_rows(dsn, "SELECT source_version FROM dossier_reward")
    assert [r["source_version"] for r in rows] == ["3"] * len(SECTIONS["dossier_reward"])
