"""One record never stops a source, and no error or log carries personal data.

Records that only the database can refuse are sent through every kind of source (legacy SQL of
both schemas, the connector, CSV and XLSX drops), each beside a good change: every run ends
`ok`, the good changes arrive, each refused record is a reject with its field and rule while
its stored row stays as it was. Then the run errors (in the table and through the GraphQL
resolvers), the rejects' rules and fields and every log line are scanned for the personal IDs
and names of the people involved.

The refusals: a religion the code-list file knows but this store's `religion` table does not
(the foreign key is the only guard: a store whose reference table lags its code-list files),
carried by every kind; and, through the connector, values too long or too large for their
columns (general_education varchar(8), performance_year smallint).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL
from sync_helpers import active_people, agency_source, two_agencies

from adapters.registry import SourceRegistry
from policies.types import Caller, Level
from resolvers import sync as sync_resolvers
from resolvers.options import ResolverOptions
from sandbox.agencies import AgencyKind, SandboxAgencies
from sandbox.fill_by_sync import sync_store
from sandbox.legacy.build import read_subtree
from sandbox.legacy.filedrop import drop_files, record_id
from sandbox.services.agency_data import simulate_update
from store.codelists import load_code_list
from store.database import create_engine, sync_free_dsn
from sync.pipeline import RunResult, sync_source
from sync.refusals import STORE_REFERENCE, STORE_VALUE, safe_error

PERSONAL_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


@dataclass
class _Context:
    engine: Any
    options: ResolverOptions


async def _stored(store: Any, source: str, record: str) -> asyncpg.Record:
    row = await store.fetchrow(
        "SELECT personal_id, full_name, religion_code, job_position, general_education,"
        " performance_year FROM person WHERE source_id = $1 AND source_record_id = $2",
        source,
        record,
    )
    assert row is not None, (source, record)
    return row


async def _open_rejects(store: Any, source: str, record: str) -> set[tuple[str, str]]:
    rows = await store.fetch(
        "SELECT field, rule FROM sync_reject WHERE source_id = $1 AND source_record_id = $2"
        " AND resolved_at IS NULL",
        source,
        record,
    )
    return {(r["field"], r["rule"]) for r in rows}


async def _largest(
    store: Any, registry: SourceRegistry, sandbox: SandboxAgencies, kind: AgencyKind
) -> str:
    """The agency of this kind with the most people in the store."""
    codes = sorted(code for code, k in sandbox.kinds.items() if k is kind)
    sizes = {
        code: await store.fetchval(
            "SELECT count(*) FROM person WHERE source_id = $1", agency_source(registry, code).id
        )
        for code in codes
    }
    return max(codes, key=lambda code: sizes[code])


async def _held_records(store: Any, source: str, count: int) -> list[asyncpg.Record]:
    return list(
        await store.fetch(
            "SELECT source_record_id, personal_id, full_name FROM person"
            " WHERE source_id = $1 AND status = 'active' ORDER BY source_record_id LIMIT $2",
            source,
            count,
        )
    )


async def test_no_record_stops_a_source_and_no_error_names_a_person(
    fresh_store_url: str,
    registry: SourceRegistry,
    sync_sandbox: SandboxAgencies,
    connector: Any,
    seeded_store_url: URL,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dsn = sync_free_dsn(fresh_store_url)
    await sync_store(fresh_store_url, registry, seeded_store_url.render_as_string(False))
    store = await asyncpg.connect(dsn)
    added_files: list[Path] = []
    undo: list[tuple[str, str, tuple[Any, ...]]] = []  # (database url, statement, args)
    involved: list[asyncpg.Record] = []  # the people whose data must appear in no error
    results: list[RunResult] = []
    caplog.set_level(logging.DEBUG)
    try:
        lagging = await store.fetchval(
            "SELECT r.code FROM religion r WHERE NOT EXISTS"
            " (SELECT 1 FROM person p WHERE p.religion_code = r.code) ORDER BY r.code DESC LIMIT 1"
        )
        lagging_name = load_code_list("religions").by_code[lagging]["name"]
        await store.execute("DELETE FROM religion WHERE code = $1", lagging)

        # -- the legacy databases, both schemas
        for kind in (AgencyKind.SQL_VI, AgencyKind.SQL_EN):
            code = await _largest(store, registry, sync_sandbox, kind)
            source = agency_source(registry, code)
            bad, good = await _held_records(store, source.id, 2)
            involved += [bad, good]
            before = await _stored(store, source.id, bad["source_record_id"])
            legacy = sync_sandbox.legacy[code]
            db = await asyncpg.connect(sync_free_dsn(legacy.url))
            try:
                table, key = (
                    ("can_bo", "ma_can_bo")
                    if kind is AgencyKind.SQL_VI
                    else ("employee", "employee_id")
                )
                for record, column in [
                    (bad, "ton_giao" if kind is AgencyKind.SQL_VI else "religion"),
                    (good, "vi_tri_viec_lam" if kind is AgencyKind.SQL_VI else "job_title"),
                ]:
                    was = await db.fetchval(
                        f"SELECT {column} FROM {legacy.schema}.{table} WHERE {key}::text = $1",
                        record["source_record_id"],
                    )
                    undo.append(
                        (
                            legacy.url,
                            f"UPDATE {legacy.schema}.{table} SET {column} = $1"
                            f" WHERE {key}::text = $2",
                            (was, record["source_record_id"]),
                        )
                    )
                for record, column, value in [
                    (bad, "ton_giao" if kind is AgencyKind.SQL_VI else "religion", lagging_name),
                    (good, "vi_tri_viec_lam" if kind is AgencyKind.SQL_VI else "job_title",
                     "Chuyên viên chính"),
                ]:  # fmt: skip
                    if kind is AgencyKind.SQL_VI:
                        await db.execute(
                            f"UPDATE {legacy.schema}.can_bo SET {column} = $1,"
                            " ngay_cap_nhat = localtimestamp(0) + interval '1 day'"
                            " WHERE ma_can_bo = $2",
                            value,
                            record["source_record_id"],
                        )
                    else:
                        await db.execute(
                            f"UPDATE {legacy.schema}.employee SET {column} = $1,"
                            f" row_version = nextval('{legacy.schema}.row_version_seq')"
                            " WHERE employee_id::text = $2",
                            value,
                            record["source_record_id"],
                        )
            finally:
                await db.close()
            result = await sync_source(dsn, source)
            results.append(result)
            assert (result.status, result.counts.rejected, result.counts.updated) == ("ok", 1, 1)
            assert await _open_rejects(store, source.id, bad["source_record_id"]) == {
                ("religion_code", STORE_REFERENCE)
            }
            assert await _stored(store, source.id, bad["source_record_id"]) == before
            stored_good = await _stored(store, source.id, good["source_record_id"])
            assert stored_good["job_position"] == "Chuyên viên chính"

        # -- the connector: the religion, and values too long or too large for the store
        code = (await two_agencies(connector))[1]  # a large one (the largest: test_pipeline's)
        source = agency_source(registry, code)
        # every active record of the agency is in the store, a reject or a conflict: none lost
        held_here = {r["source_record_id"] for r in await _held_records(store, source.id, 10_000)}
        candidates = await active_people(connector, code, 50)
        for person in candidates:
            if person["staff_no"] in held_here:
                continue
            accounted = await store.fetchval(
                "SELECT EXISTS (SELECT 1 FROM sync_reject WHERE source_id = $1"
                " AND source_record_id = $2 AND resolved_at IS NULL)"
                " OR EXISTS (SELECT 1 FROM sync_conflict WHERE other_source_id = $1"
                " AND other_record_id = $2 AND resolved_at IS NULL)"
                " OR EXISTS (SELECT 1 FROM person WHERE personal_id = $3 AND source_id <> $1)",
                source.id,
                person["staff_no"],
                person["personal_id"],
            )
            assert accounted, ("silently absent", source.id, person["staff_no"])
        staff = [p for p in candidates if p["staff_no"] in held_here][:4]
        changes = [
            {"religion_code": lagging},
            {"general_education": "12/12 hệ chính quy"},
            {"performance_year": 99_999},
            {"job_position": "Chuyên viên chính"},
        ]
        for person, change in zip(staff, changes, strict=True):
            was = json.loads(person["profile"])
            undo.append(
                (
                    "connector",
                    "UPDATE hrm.staff SET profile = profile || $1::jsonb WHERE staff_no = $2",
                    (json.dumps({k: was.get(k) for k in change}), person["staff_no"]),
                )
            )
            await simulate_update(connector, code, person["personal_id"], change)
        records = [str(p["staff_no"]) for p in staff]
        befores = [await _stored(store, source.id, r) for r in records[:3]]
        involved += befores
        result = await sync_source(dsn, source)
        results.append(result)
        assert (result.status, result.counts.rejected, result.counts.updated) == ("ok", 3, 1)
        assert [await _open_rejects(store, source.id, r) for r in records[:3]] == [
            {("religion_code", STORE_REFERENCE)},
            {("general_education", STORE_VALUE)},
            {("performance_year", STORE_VALUE)},
        ]
        assert [await _stored(store, source.id, r) for r in records[:3]] == befores
        assert (await _stored(store, source.id, records[3]))["job_position"] == (
            "Chuyên viên chính"
        )

        # -- the file drops: a CSV and an XLSX, each with a refused row and a good one
        code = await _largest(store, registry, sync_sandbox, AgencyKind.FILE)
        source = agency_source(registry, code)
        entry = next(e for e in sync_sandbox.sources if e.get("id") == source.id)
        folder = Path(entry["folder"])
        people, _orgs = await read_subtree(seeded_store_url.render_as_string(False), code)
        held = {r["personal_id"] for r in await _held_records(store, source.id, 10_000)}
        chosen = [dict(p) for p in people if p["personal_id"] in held][:12]
        bad_csv, good_csv, bad_xlsx, good_xlsx = chosen[0], chosen[1], chosen[4], chosen[5]
        for bad in (bad_csv, bad_xlsx):
            bad["religion_code"] = lagging
        for good in (good_csv, good_xlsx):
            good["recruited_on"] = (good["recruited_on"] or good["birth_date"].replace(
                year=good["birth_date"].year + 22)) + timedelta(days=1)  # fmt: skip
        # the drops carry the template's record-id column: rows are known by it
        befores = [await _stored(store, source.id, record_id(p)) for p in (bad_csv, bad_xlsx)]
        involved += befores
        files = drop_files(chosen)
        for name in ("2025-01_nhan_su.csv", "2025-03_nhan_su.xlsx"):
            target = folder / f"2026-12_sua_{name[8:]}"
            target.write_bytes(files[name])
            added_files.append(target)
        result = await sync_source(dsn, source)
        results.append(result)
        assert (result.status, result.counts.rejected) == ("ok", 2)
        assert result.counts.updated >= 2  # the good rows (the others re-sent as they are)
        for bad, before in zip((bad_csv, bad_xlsx), befores, strict=True):
            assert await _open_rejects(store, source.id, record_id(bad)) == {
                ("religion_code", STORE_REFERENCE)
            }
            assert await _stored(store, source.id, record_id(bad)) == before
        for good in (good_csv, good_xlsx):
            recruited = await store.fetchval(
                "SELECT recruited_on FROM person WHERE personal_id = $1", good["personal_id"]
            )
            assert recruited == good["recruited_on"]

        # -- no personal data in run errors, rejects' rules and fields, or any log line
        engine = create_engine(fresh_store_url, pool_size=1)
        try:
            context: Any = _Context(engine, ResolverOptions(20, 100, minimum_public_count=5))
            runs = await sync_resolvers.runs_page(
                context, Caller(Level.CENTRAL, organization="000.00.00.G09"), None, 100, None
            )
        finally:
            await engine.dispose()
        assert {r.status for r in runs.items} == {"ok"}
        texts = [str(r.error or "") for r in runs.items]
        texts += [r["error"] or "" for r in await store.fetch("SELECT error FROM sync_run")]
        texts += [
            f"{r['field']} {r['rule']}"
            for r in await store.fetch("SELECT field, rule FROM sync_reject")
        ]
        texts += [record.getMessage() for record in caplog.records]
        assert any("refused by the store" in t for t in texts)  # the scan sees the logs
        personal = {p["personal_id"] for p in involved} | {p["full_name"] for p in involved}
        leaks = [t for t in texts if PERSONAL_ID.search(t) or any(v in t for v in personal)]
        assert leaks == []

        # a database error quotes the value it refuses; a run's error text never does
        pid = involved[0]["personal_id"]
        with pytest.raises(asyncpg.UniqueViolationError) as refused:
            await store.execute(
                "UPDATE person SET personal_id = $1"
                " WHERE id = (SELECT min(id) FROM person WHERE personal_id <> $1)",
                pid,
            )
        assert pid in str(refused.value)
        assert pid not in safe_error(refused.value)
        assert "person" in safe_error(refused.value)  # the constraint's name says where
    finally:
        # the sandbox is the session's: later tests read it as the seeded truth made it
        for path in added_files:
            path.unlink(missing_ok=True)
        for url, statement, args in undo:
            if url == "connector":
                await connector.execute(statement, *args)
                continue
            db = await asyncpg.connect(sync_free_dsn(url))
            try:
                await db.execute(statement, *args)
            finally:
                await db.close()
        await store.close()
    assert all(r.status == "ok" for r in results)
