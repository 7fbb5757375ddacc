"""The scorecard's scenario over real sync runs, shared by the API and the browser tests: a
legacy agency database in the Vietnamese schema (whose `ngay_cap_nhat` stamps every change),
cleaned of the sandbox's deliberate defects, then three changes stamped 30 days before they are
served and three records broken on purpose; synced twice (once ok, once against a closed port)
into a fresh store and scored."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest_asyncio
from sqlalchemy.engine import URL

from adapters.sql import SqlSource
from analytics.scorecard import VIETNAM
from analytics.scorecard_store import take_snapshot
from sandbox.fill_by_sync import copy_organization_register
from sandbox.legacy.build import build_legacy_agency, drop_legacy_agency, reader_dsn
from sandbox.legacy.formats import VI_STATUS, problem_of
from store.database import create_engine, drop_database, ensure_database, sync_free_dsn
from sync.pipeline import sync_source
from vocabulary.sources import make_source_id

PASSWORD = secrets.token_hex(12)
LATE, REJECTED_LATE, MISSING_GENDER, UNKNOWN_RELIGION = (0, 1, 2), 0, 3, 4
INVISIBLE_IN_NAME = 5  # a zero-width space in the name: stored, the repair recorded (sạch)


async def _province(truth_dsn: str) -> str:
    """A province's People's Committee with a few dozen to a few hundred people below it."""
    conn = await asyncpg.connect(truth_dsn)
    try:
        code: str = await conn.fetchval(
            """SELECT o.code FROM organization o
                 JOIN organization parent ON parent.id = o.parent_id
                WHERE o.level = 'province' AND parent.level <> 'province'
                  AND o.status = 'active'
                  AND (SELECT count(*) FROM person p JOIN organization u
                         ON u.id = p.organization_id WHERE u.path LIKE o.path || '%')
                      BETWEEN 20 AND 400
                ORDER BY o.code LIMIT 1"""
        )
    finally:
        await conn.close()
    assert code is not None
    return code


@pytest_asyncio.fixture
async def scored(
    fresh_store_url: str, seeded_store_url: URL, postgres_server: URL
) -> AsyncIterator[dict[str, Any]]:
    truth = seeded_store_url.render_as_string(hide_password=False)
    store_dsn = sync_free_dsn(fresh_store_url)
    await copy_organization_register(sync_free_dsn(truth), store_dsn)
    code = await _province(sync_free_dsn(truth))
    suffix = uuid.uuid4().hex[:8]
    database, schema, role = f"cbccvc_sc_{suffix}", f"sc_{suffix}", f"sc_reader_{suffix}"
    legacy_url = (await ensure_database(postgres_server, database)).render_as_string(False)
    await build_legacy_agency(truth, legacy_url, schema, code, "vi", role, reader_password=PASSWORD)
    conn = await asyncpg.connect(sync_free_dsn(legacy_url))
    engine = create_engine(fresh_store_url, pool_size=2)
    try:
        await conn.execute(f"SET search_path TO {schema}")
        # a clean agency to start from: none of the sandbox's deliberate defects, everyone active
        defective = [
            key
            for key, pid in await conn.fetch("SELECT ma_can_bo, so_dinh_danh FROM can_bo")
            if problem_of(pid) is not None
        ]
        details = await conn.fetch(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = $1"
            " AND column_name = 'ma_can_bo' AND table_name <> 'can_bo'",
            schema,
        )
        for table in [r[0] for r in details] + ["can_bo"]:
            await conn.execute(f"DELETE FROM {table} WHERE ma_can_bo = ANY($1)", defective)
        await conn.execute("UPDATE can_bo SET trang_thai = $1", VI_STATUS["active"])
        now = datetime.now(VIETNAM).replace(tzinfo=None, microsecond=0)
        # an hour ago, but not before today's midnight in Vietnam (else a day of lag at 00:30)
        recent = max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=0))
        await conn.execute("UPDATE can_bo SET ngay_cap_nhat = $1", recent)
        keys = [r[0] for r in await conn.fetch("SELECT ma_can_bo FROM can_bo ORDER BY 1")]
        late_stamp = now - timedelta(days=30)
        for index in LATE:
            await conn.execute(
                "UPDATE can_bo SET ngay_cap_nhat = $2 WHERE ma_can_bo = $1", keys[index], late_stamp
            )
        for index in (REJECTED_LATE, MISSING_GENDER):
            await conn.execute(
                "UPDATE can_bo SET gioi_tinh = NULL WHERE ma_can_bo = $1", keys[index]
            )
        await conn.execute(
            "UPDATE can_bo SET ton_giao = 'Đạo Chưa Có' WHERE ma_can_bo = $1",
            keys[UNKNOWN_RELIGION],
        )
        await conn.execute(
            "UPDATE can_bo SET ho_ten = replace(ho_ten, ' ', ' ' || chr(8203))"
            " WHERE ma_can_bo = $1",
            keys[INVISIBLE_IN_NAME],
        )
        rows = [dict(r) for r in await conn.fetch("SELECT * FROM can_bo ORDER BY ma_can_bo")]

        source = SqlSource(
            make_source_id(code, "HRM"), code, dsn=reader_dsn(legacy_url, role, PASSWORD),
            mapping="legacy_vi", schema=schema,
        )  # fmt: skip
        async with source:
            ok = await sync_source(store_dsn, source)
        assert ok.status == "ok", ok
        broken = SqlSource(
            make_source_id(code, "HRM"), code,
            dsn=f"postgresql://{role}:{PASSWORD}@127.0.0.1:1/{database}", mapping="legacy_vi",
            schema=schema,
        )  # fmt: skip
        async with broken:
            failed = await sync_source(store_dsn, broken)
        assert failed.status == "failed", failed
        today = datetime.now(VIETNAM).date()
        cards = await take_snapshot(engine, today)
        yield {
            "code": code, "rows": rows, "cards": {c.agency_code: c for c in cards},
            "late_stamp": late_stamp, "today": today, "store_url": fresh_store_url,
        }  # fmt: skip
    finally:
        await engine.dispose()
        await conn.close()
        await drop_legacy_agency(legacy_url, schema, role)
        await drop_database(postgres_server, database)
