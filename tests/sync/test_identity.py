"""Identity that holds: one active row per (source, source record id), enforced by the store.

A personal ID corrected at the agency updates the row of that record (the old value kept in
person_history); the same personal ID at two agencies stays a conflict; migration 0010 settles
the duplicates a store already holds before it makes the rule the database's.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL
from sync_helpers import active_people, agency_source, hire, two_agencies

from adapters.registry import SourceRegistry
from sandbox.fill_by_sync import sync_store
from sandbox.services.agency_data import simulate_update
from store.database import create_engine, sync_free_dsn
from store.migrate import downgrade, upgrade
from sync.pipeline import sync_source


async def _unused_personal_id(conn: Any, like: str) -> str:
    """Another valid personal ID for the same person (province, gender, century and birth year
    kept; only the serial differs), held by nobody."""
    for serial in range(999_999, 0, -1):
        candidate = f"{like[:6]}{serial:06d}"
        if not await conn.fetchval("SELECT 1 FROM person WHERE personal_id = $1", candidate):
            return candidate
    raise AssertionError("no free serial")


async def test_a_personal_id_corrected_at_the_source_updates_its_row(
    fresh_store_url: str, registry: SourceRegistry, connector: Any, seeded_store_url: URL
) -> None:
    dsn = sync_free_dsn(fresh_store_url)
    await sync_store(fresh_store_url, registry, seeded_store_url.render_as_string(False))
    agency, other_agency = await two_agencies(connector)
    corrected, shared = await active_people(connector, agency, 2)
    store = await asyncpg.connect(dsn)
    undo: list[tuple[str, tuple[Any, ...]]] = []  # the sandbox is the session's: put it back
    try:
        record = corrected["staff_no"]
        source = agency_source(registry, agency).id
        row_id = await store.fetchval(
            "SELECT id FROM person WHERE source_id = $1 AND source_record_id = $2",
            source,
            record,
        )
        new_pid = await _unused_personal_id(store, corrected["personal_id"])

        # the agency fixes a mistyped personal ID; two runs, so a second look changes nothing
        await simulate_update(connector, agency, corrected["personal_id"], {"personal_id": new_pid})
        undo.append(
            (
                "UPDATE hrm.staff SET profile = profile || $1::jsonb WHERE staff_no = $2"
                " AND agency_code = $3",
                (json.dumps({"personal_id": corrected["personal_id"]}), record, agency),
            )
        )
        first = await sync_source(dsn, agency_source(registry, agency))
        again = await sync_source(dsn, agency_source(registry, agency))
        assert (first.status, first.counts.updated, first.counts.inserted) == ("ok", 1, 0)
        assert (again.counts.updated, again.counts.inserted) == (0, 0)

        rows = await store.fetch(
            "SELECT id, personal_id, status FROM person"
            " WHERE source_id = $1 AND source_record_id = $2",
            source,
            record,
        )
        assert [tuple(r) for r in rows] == [(row_id, new_pid, "active")]
        assert not await store.fetchval(
            "SELECT count(*) FROM person WHERE personal_id = $1", corrected["personal_id"]
        )
        history = await store.fetch(
            "SELECT change, content ->> 'personal_id' AS was FROM person_history"
            " WHERE person_id = $1",
            row_id,
        )
        assert [tuple(r) for r in history] == [("identity", corrected["personal_id"])]

        # the same personal ID at a second agency is a conflict, not a second row
        await hire(connector, other_agency, shared, 1)
        undo.append(("DELETE FROM hrm.staff WHERE agency_code = $1 AND staff_no = $2",
                     (other_agency, "NV-9000001")))  # fmt: skip
        result = await sync_source(dsn, agency_source(registry, other_agency))
        assert (result.status, result.counts.conflicts, result.counts.inserted) == ("ok", 1, 0)
        assert (
            await store.fetchval(
                "SELECT count(*) FROM person WHERE personal_id = $1", shared["personal_id"]
            )
            == 1
        )

        # and the database itself refuses a second active row of one source record
        with pytest.raises(asyncpg.UniqueViolationError):
            await _copy_as_duplicate(store, row_id)
    finally:
        for statement, args in undo:
            await connector.execute(statement, *args)
        await store.close()


async def _copy_as_duplicate(store: Any, row_id: int) -> int:
    """A second active row of the same source record under another personal ID (what a
    correction left behind before 0010), synced a day earlier."""
    pid = await store.fetchval("SELECT personal_id FROM person WHERE id = $1", row_id)
    other = await _unused_personal_id(store, pid)
    columns = [
        r["column_name"]
        for r in await store.fetch(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'person' AND column_name NOT IN ('id', 'personal_id', 'synced_at')"
            " ORDER BY ordinal_position"
        )
    ]
    listed = ", ".join(columns)
    return int(
        await store.fetchval(
            f"INSERT INTO person (personal_id, synced_at, {listed})"
            f" SELECT $2, synced_at - interval '1 day', {listed} FROM person WHERE id = $1"
            " RETURNING id",
            row_id,
            other,
        )
    )


async def test_migration_0010_settles_the_duplicates_a_store_holds(
    fresh_store_url: str, registry: SourceRegistry, seeded_store_url: URL
) -> None:
    dsn = sync_free_dsn(fresh_store_url)
    await sync_store(fresh_store_url, registry, seeded_store_url.render_as_string(False))
    engine = create_engine(fresh_store_url, pool_size=1)
    store = await asyncpg.connect(dsn)
    try:
        await downgrade(engine, "0009")
        kept = await store.fetchval("SELECT min(id) FROM person WHERE status = 'active'")
        stale = [await _copy_as_duplicate(store, kept), await _copy_as_duplicate(store, kept)]
        await upgrade(engine)
        statuses = dict(
            await store.fetch(
                "SELECT id, status FROM person WHERE id = ANY($1::bigint[])", [kept, *stale]
            )
        )
        assert statuses == {kept: "active", stale[0]: "transferred", stale[1]: "transferred"}
        changes = await store.fetch(
            "SELECT person_id, change, content ->> 'status' AS was FROM person_history"
            " WHERE person_id = ANY($1::bigint[]) ORDER BY person_id",
            stale,
        )
        assert [tuple(r) for r in changes] == [(i, "duplicate", "active") for i in stale]
        assert not await store.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM person WHERE status = 'active'"
            " GROUP BY source_id, source_record_id HAVING count(*) > 1) d"
        )
    finally:
        await store.close()
        await engine.dispose()
