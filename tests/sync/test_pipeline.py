"""The sync against the real sandbox agencies, into fresh stores.

The scenario tests change the connector's agency database the way an agency's HR system does
(sandbox/services/agency_data.py) and check what the next sync makes of it.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import asyncpg
from sqlalchemy.engine import URL
from sync_helpers import (
    active_people,
    agency_source,
    fetch_rows,
    hire,
    store_checksum,
    two_agencies,
)

from adapters.registry import SourceRegistry
from sandbox.agencies import SandboxAgencies
from sandbox.dossier import COLUMNS
from sandbox.fill_by_sync import sync_store
from sandbox.services.agency_data import simulate_departure, simulate_update
from store.database import sync_free_dsn
from sync.pipeline import RunResult, sync_all, sync_source
from sync.reconcile import reconcile


def _totals(results: list[RunResult]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for result in results:
        assert result.status == "ok", result
        for name, value in vars(result.counts).items():
            totals[name] = totals.get(name, 0) + value
    return totals


def _casefolded(rows: Counter[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    folded: Counter[tuple[Any, ...]] = Counter()
    for row, n in rows.items():
        folded[tuple(v.casefold() if isinstance(v, str) else v for v in row)] += n
    return folded


async def test_full_sync_is_complete_and_idempotent(
    fresh_store_url: str, registry: SourceRegistry, seeded_store_url: URL
) -> None:
    dsn = sync_free_dsn(fresh_store_url)
    first = _totals(
        await sync_store(fresh_store_url, registry, seeded_store_url.render_as_string(False))
    )
    truth = await fetch_rows(sync_free_dsn(seeded_store_url), "SELECT count(*) AS n FROM person")
    # every person of the truth is either in the store or rejected with reasons
    assert first["inserted"] + first["rejected"] >= truth[0]["n"]
    assert first["rejected"] > 0  # the legacy databases carry deliberate defects
    stored = await fetch_rows(dsn, "SELECT count(*) AS n FROM person")
    rejected = await fetch_rows(
        dsn,
        "SELECT count(DISTINCT (source_id, source_record_id)) AS n FROM sync_reject"
        " WHERE resolved_at IS NULL",
    )
    assert stored[0]["n"] == first["inserted"]
    assert rejected[0]["n"] == first["rejected"]
    every_reject_has_a_reason = await fetch_rows(
        dsn, "SELECT count(*) AS n FROM sync_reject WHERE rule = '' OR field = ''"
    )
    assert every_reject_has_a_reason[0]["n"] == 0
    # provenance on every row
    provenance = await fetch_rows(
        dsn,
        "SELECT count(*) AS n FROM person WHERE source_id = '' OR source_record_id = ''"
        " OR source_version = '' OR length(content_hash) <> 64",
    )
    assert provenance[0]["n"] == 0
    # every stored person's version has its record digest, for the agencies' approvals
    undigested = await fetch_rows(
        dsn,
        "SELECT count(*) AS n FROM person p LEFT JOIN record_digest d"
        " ON d.source_id = p.source_id AND d.source_record_id = p.source_record_id"
        " AND d.version = p.source_version WHERE d.digest IS NULL",
    )
    assert undigested[0]["n"] == 0

    # the organisation tree, merged and dissolved ones with successors and dates, as the truth
    tree = (
        "SELECT o.code, o.level, o.status, o.status_changed_on, p.code AS parent, s.code AS succ"
        " FROM organization o LEFT JOIN organization p ON p.id = o.parent_id"
        " LEFT JOIN organization s ON s.id = o.successor_id ORDER BY o.code"
    )
    ours = [tuple(r) for r in await fetch_rows(dsn, tree)]
    assert ours == [tuple(r) for r in await fetch_rows(sync_free_dsn(seeded_store_url), tree)]
    assert any(r[2] == "merged" and r[5] for r in ours)

    # the dossier's lists came by the sync (the legacy CV modules, the drops' related files and
    # sheets), each row with its person's provenance, as the truth holds them
    carriers = [sid for sid, source in registry.items() if source.kind in ("sql", "file")]
    listed = [
        r["personal_id"]
        for r in await fetch_rows(
            dsn, "SELECT personal_id FROM person WHERE source_id = ANY($1::text[])", carriers
        )
    ]
    assert listed
    for table, columns in COLUMNS.items():
        rows = (
            f"SELECT p.personal_id, {', '.join('d.' + c for c in columns)} FROM {table} d"
            " JOIN person p ON p.id = d.person_id WHERE p.personal_id = ANY($1::text[])"
        )
        ours = Counter(tuple(r) for r in await fetch_rows(dsn, rows, listed))
        theirs = Counter(
            tuple(r) for r in await fetch_rows(sync_free_dsn(seeded_store_url), rows, listed)
        )
        # TCVN3 drops lose the capitals of accented letters (the old fonts have none): compare
        # text case-blind, every other value exactly
        assert _casefolded(ours) == _casefolded(theirs), table
        (mismatched,) = await fetch_rows(
            dsn,
            f"SELECT count(*) AS n FROM {table} d JOIN person p ON p.id = d.person_id"
            " WHERE (d.source_id, d.source_record_id, d.source_version)"
            " IS DISTINCT FROM (p.source_id, p.source_record_id, p.source_version)",
        )
        assert mismatched["n"] == 0, table

    before = await store_checksum(dsn)
    again = _totals(await sync_all(dsn, registry))
    assert again == dict.fromkeys(again, 0)  # from the bookmarks: nothing new
    full = _totals(await sync_all(dsn, registry, full=True))
    assert full["inserted"] == full["updated"] == full["deleted"] == full["conflicts"] == 0
    assert full["unchanged"] == first["inserted"]
    assert await store_checksum(dsn) == before

    runs = await fetch_rows(dsn, "SELECT status, count(*) AS n FROM sync_run GROUP BY status")
    assert {r["status"] for r in runs} == {"ok"}

    # reconciliation with the population database: flagged, never overwritten
    report = await reconcile(dsn, registry)
    assert report.checked == first["inserted"]
    assert report.unavailable == 0
    flagged = await fetch_rows(dsn, "SELECT differing_fields FROM reconciliation")
    assert len(flagged) == sum(report.mismatches.values())
    assert await store_checksum(dsn) == before


async def test_changes_at_the_agencies(
    fresh_store_url: str,
    registry: SourceRegistry,
    sync_sandbox: SandboxAgencies,
    connector: Any,
    seeded_store_url: URL,
) -> None:
    dsn = sync_free_dsn(fresh_store_url)
    await sync_store(fresh_store_url, registry, seeded_store_url.render_as_string(False))
    a, b = await two_agencies(connector)
    src_a, src_b = agency_source(registry, a), agency_source(registry, b)
    p_update, p_reject, p_delete, p_conflict, p_transfer, p_concurrent = [
        row for row in await active_people(connector, a, 6)
    ]

    async def person(pid: str) -> asyncpg.Record:
        rows = await fetch_rows(
            dsn, "SELECT status, source_id, job_position, id FROM person WHERE personal_id = $1",
            pid,
        )  # fmt: skip
        return rows[0]

    async def history(pid: str) -> list[str]:
        rows = await fetch_rows(
            dsn,
            "SELECT h.change FROM person_history h JOIN person p ON p.id = h.person_id"
            " WHERE p.personal_id = $1 ORDER BY h.id",
            pid,
        )
        return [r["change"] for r in rows]

    # an update: the new content replaces the row, the old one goes to history
    await simulate_update(connector, a, p_update["personal_id"], {"job_position": "Chuyên gia"})
    result = await sync_source(dsn, src_a)
    assert (result.counts.updated, result.counts.inserted) == (1, 0)
    assert (await person(p_update["personal_id"]))["job_position"] == "Chuyên gia"
    assert await history(p_update["personal_id"]) == ["update"]

    # a bad version is rejected with its reason, the stored version stays; a fixed one resolves
    good_birth = json.loads(p_reject["profile"])["birth_date"]
    await simulate_update(connector, a, p_reject["personal_id"], {"birth_date": "31/02/1980"})
    result = await sync_source(dsn, src_a)
    assert result.counts.rejected == 1
    open_rejects = await fetch_rows(
        dsn,
        "SELECT field, rule, value FROM sync_reject WHERE personal_id = $1 AND resolved_at IS NULL",
        p_reject["personal_id"],
    )
    # the connector speaks ISO dates: a day-first date is refused, never read
    assert [tuple(r) for r in open_rejects] == [("birth_date", "date_format", "31/02/1980")]
    assert (await person(p_reject["personal_id"]))["status"] == "active"
    await simulate_update(connector, a, p_reject["personal_id"], {"birth_date": good_birth})
    result = await sync_source(dsn, src_a)
    assert result.counts.unchanged == 1  # the same content as the stored version
    still_open = await fetch_rows(
        dsn,
        "SELECT count(*) AS n FROM sync_reject WHERE personal_id = $1 AND resolved_at IS NULL",
        p_reject["personal_id"],
    )
    assert still_open[0]["n"] == 0

    # a deletion at the source: a status change with history, never a deleted row
    await simulate_departure(connector, a, p_delete["personal_id"])
    result = await sync_source(dsn, src_a)
    assert result.counts.deleted == 1
    assert (await person(p_delete["personal_id"]))["status"] == "transferred"
    assert await history(p_delete["personal_id"]) == ["deleted"]

    # active at two agencies: a conflict, the first owner keeps the record ...
    await hire(connector, b, p_conflict, 1)
    result = await sync_source(dsn, src_b)
    assert result.counts.conflicts == 1
    assert (await person(p_conflict["personal_id"]))["source_id"] == src_a.id
    conflicts = await fetch_rows(
        dsn,
        "SELECT owner_source_id, other_source_id FROM sync_conflict"
        " WHERE personal_id = $1 AND resolved_at IS NULL",
        p_conflict["personal_id"],
    )
    assert [tuple(c) for c in conflicts] == [(src_a.id, src_b.id)]
    # ... until it lets the person go: then the other agency's record takes over (a transfer)
    await simulate_departure(connector, a, p_conflict["personal_id"])
    await sync_source(dsn, src_a)
    moved = await person(p_conflict["personal_id"])
    assert (moved["source_id"], moved["status"]) == (src_b.id, "active")
    assert await history(p_conflict["personal_id"]) == ["transfer"]
    resolved = await fetch_rows(
        dsn,
        "SELECT count(*) AS n FROM sync_conflict WHERE personal_id = $1 AND resolved_at IS NULL",
        p_conflict["personal_id"],
    )
    assert resolved[0]["n"] == 0

    # a transfer in the usual order: leaves A, then appears at B
    await simulate_departure(connector, a, p_transfer["personal_id"])
    await sync_source(dsn, src_a)
    await hire(connector, b, p_transfer, 2)
    result = await sync_source(dsn, src_b)
    assert (result.counts.updated, result.counts.conflicts) == (1, 0)
    moved = await person(p_transfer["personal_id"])
    assert (moved["source_id"], moved["status"]) == (src_b.id, "active")
    assert await history(p_transfer["personal_id"]) == ["deleted", "transfer"]

    # a recorded concurrent appointment is no conflict
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO concurrent_appointment (personal_id, source_id) VALUES ($1, $2)",
            p_concurrent["personal_id"],
            src_b.id,
        )
    finally:
        await conn.close()
    await hire(connector, b, p_concurrent, 3)
    result = await sync_source(dsn, src_b)
    assert result.counts.conflicts == 0
    assert (await person(p_concurrent["personal_id"]))["source_id"] == src_a.id

    # and nothing of it is undone or repeated by syncing again
    before = await store_checksum(dsn)
    assert _totals(await sync_all(dsn, registry))["updated"] == 0
    assert await store_checksum(dsn) == before
    # no person was ever deleted
    assert await fetch_rows(dsn, "SELECT 1 FROM person WHERE status IS NULL") == []
