"""The dossier's lists through both legacy SQL schemas into a real store, and back again.

The sandbox builds each agency's CV-module tables (hs_* Vietnamese-style, cv_* English-style)
from the seeded store's consistent lists; SqlSource reads them with the person records, the
sync stores them with provenance. What the store holds afterwards must be what the truth holds,
list for list; a change at the agency replaces that list; a bad entry rejects its record with
its rule and leaves the stored lists as they were, while the other records of the page go on.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import URL

from adapters.encodings import convert, to_tcvn3
from adapters.file import FileSource
from adapters.sql import SqlSource
from sandbox.dossier import COLUMNS
from sandbox.fill_by_sync import copy_organization_register
from sandbox.legacy.build import build_legacy_agency, drop_legacy_agency, reader_dsn
from sandbox.legacy.filedrop import write_file_drop
from store.database import drop_database, ensure_database, sync_free_dsn
from sync.pipeline import sync_source
from tests.sync.sync_helpers import fetch_rows
from vocabulary.sources import make_source_id

KEY_TABLE = {"vi": ("can_bo", "ma_can_bo"), "en": ("employee", "employee_id")}


@pytest_asyncio.fixture(scope="module")
async def agency_code(seeded_store_url: URL) -> str:
    """A province of the seeded store with a few dozen people (a quick but real agency)."""
    rows = await fetch_rows(
        sync_free_dsn(seeded_store_url),
        """SELECT root.code FROM organization root
             JOIN organization o ON o.path LIKE root.path || '%'
             JOIN person p ON p.organization_id = o.id
            WHERE root.depth = 1 GROUP BY root.code HAVING count(*) BETWEEN 20 AND 400
            ORDER BY count(*) DESC, root.code LIMIT 1""",
    )
    return str(rows[0]["code"])


class Agency:
    def __init__(self, url: str, schema: str, fmt: str, source: SqlSource) -> None:
        self.url, self.schema, self.fmt, self.source = url, schema, fmt, source

    async def admin(self, sql: str, *args: Any) -> Any:
        """As the agency's own HR software (not the gateway's read-only role)."""
        conn = await asyncpg.connect(sync_free_dsn(self.url))
        try:
            await conn.execute(f"SET search_path TO {self.schema}")
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def touch(self, key: Any) -> None:
        """The person's row changes (its stamp moves on), as any edit of the record does."""
        table, column = KEY_TABLE[self.fmt]
        stamp = "row_version = nextval('row_version_seq')"
        if self.fmt == "vi":
            stamp = "ngay_cap_nhat = ngay_cap_nhat + interval '30 days'"
        await self.admin(f"UPDATE {table} SET {stamp} WHERE {column} = $1", key)


@pytest_asyncio.fixture(params=["vi", "en"])
async def agency(
    request: pytest.FixtureRequest, seeded_store_url: URL, postgres_server: URL, agency_code: str
) -> AsyncIterator[Agency]:
    fmt = request.param
    suffix = uuid.uuid4().hex[:8]
    database, role, schema = f"cbccvc_dossier_{fmt}_{suffix}", f"reader_ds_{suffix}", "hrm"
    password = secrets.token_hex(12)
    url = (await ensure_database(postgres_server, database)).render_as_string(hide_password=False)
    truth = seeded_store_url.render_as_string(hide_password=False)
    try:
        await build_legacy_agency(
            truth, url, schema, agency_code, fmt, role, reader_password=password
        )
        source = SqlSource(
            make_source_id(agency_code, "HRM"), agency_code,
            dsn=reader_dsn(url, role, password), mapping=f"legacy_{fmt}", schema=schema,
        )  # fmt: skip
        try:
            yield Agency(url, schema, fmt, source)
        finally:
            await source.aclose()
    finally:
        await drop_legacy_agency(url, schema, role)
        await drop_database(postgres_server, database)


def _as_tcvn3_writes(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    names = ("personal_id", *COLUMNS[table])
    return tuple(
        convert(to_tcvn3(value), "tcvn3") if isinstance(value, str) and name != "full_name"
        else value
        for name, value in zip(names, row, strict=True)
    )  # fmt: skip


async def _store(fresh_store_url: str, truth: str) -> str:
    """A fresh store with the organisations (the register's, as the demo takes them)."""
    dsn = sync_free_dsn(fresh_store_url)
    await copy_organization_register(truth, dsn)
    return dsn


async def _lists(dsn: str, personal_ids: list[str] | None = None) -> dict[str, Counter[Any]]:
    """Table -> (personal ID, row) counted, of the store at `dsn`."""
    out: dict[str, Counter[Any]] = {}
    for table, columns in COLUMNS.items():
        rows = await fetch_rows(
            dsn,
            f"SELECT p.personal_id, {', '.join('d.' + c for c in columns)} FROM {table} d"
            " JOIN person p ON p.id = d.person_id"
            " WHERE $1::text[] IS NULL OR p.personal_id = ANY($1::text[])",
            personal_ids,
        )
        out[table] = Counter(tuple(row) for row in rows)
    return out


async def test_the_store_holds_the_agencys_lists_with_provenance_and_resyncs_unchanged(
    agency: Agency, fresh_store_url: str, seeded_store_url: URL
) -> None:
    truth = sync_free_dsn(seeded_store_url)
    dsn = await _store(fresh_store_url, truth)
    first = await sync_source(dsn, agency.source, batch_size=25)
    assert first.status == "ok", first.error
    assert first.counts.inserted > 0
    stored = [r["personal_id"] for r in await fetch_rows(dsn, "SELECT personal_id FROM person")]
    ours = await _lists(dsn)
    held = await _lists(truth, stored)
    assert ours == held  # every list of every stored person, value for value
    assert sum(len(rows) for rows in ours.values()) > 10 * len(stored)
    # each row says where it came from: the person's own record and version at this source
    for table in COLUMNS:
        (bad,) = await fetch_rows(
            dsn,
            f"SELECT count(*) AS n FROM {table} d JOIN person p ON p.id = d.person_id"
            " WHERE d.source_id <> p.source_id OR d.source_record_id <> p.source_record_id"
            " OR d.source_version <> p.source_version OR d.synced_at IS NULL",
        )
        assert bad["n"] == 0, table
    ids_before = await fetch_rows(dsn, "SELECT id FROM dossier_family_member ORDER BY id")
    again = await sync_source(dsn, agency.source, full=True, batch_size=25)
    assert again.status == "ok", again.error
    assert again.counts.unchanged == first.counts.inserted
    assert again.counts.updated == again.counts.inserted == 0
    assert await fetch_rows(dsn, "SELECT id FROM dossier_family_member ORDER BY id") == ids_before


async def test_a_change_replaces_the_list_and_a_bad_entry_rejects_only_its_record(
    agency: Agency, fresh_store_url: str, seeded_store_url: URL
) -> None:
    truth = sync_free_dsn(seeded_store_url)
    dsn = await _store(fresh_store_url, truth)
    assert (await sync_source(dsn, agency.source, batch_size=25)).status == "ok"
    _table, key_column = KEY_TABLE[agency.fmt]
    family, reward = ("hs_quan_he_gia_dinh", "hs_khen_thuong") if agency.fmt == "vi" else (
        "cv_family", "cv_commendation"
    )  # fmt: skip
    stored = {
        r["source_record_id"]: r["personal_id"]
        for r in await fetch_rows(dsn, "SELECT source_record_id, personal_id FROM person")
    }
    keys = [
        r[key_column]
        for r in await agency.admin(f"SELECT {key_column} FROM {family} GROUP BY 1 ORDER BY 1")
        if str(r[key_column]) in stored
    ]
    changed, broken, untouched = keys[0], keys[1], keys[2]
    before = await _lists(dsn, [stored[str(broken)], stored[str(untouched)]])

    # the agency adds a reward to one person and deletes that person's family
    if agency.fmt == "vi":
        await agency.admin(
            f"INSERT INTO {reward} (ma_can_bo, ngay_quyet_dinh, hinh_thuc, cap_quyet_dinh)"
            " VALUES ($1, '02/09/2025', 'Bằng khen của Bộ trưởng', 'Bộ trưởng')",
            changed,
        )
        await agency.admin(f"UPDATE {family} SET quan_he = 'Chú ruột' WHERE ma_can_bo = $1"
                           f" AND id = (SELECT min(id) FROM {family} WHERE ma_can_bo = $1)",
                           broken)  # fmt: skip
    else:
        await agency.admin(
            f"INSERT INTO {reward} (employee_id, decision_date, award, authority)"
            " VALUES ($1, DATE '2025-09-02', 'Bằng khen của Bộ trưởng', 'Bộ trưởng')",
            changed,
        )
        await agency.admin(f"UPDATE {family} SET relation = 'UNCLE' WHERE employee_id = $1"
                           f" AND id = (SELECT min(id) FROM {family} WHERE employee_id = $1)",
                           broken)  # fmt: skip
    await agency.admin(f"DELETE FROM {family} WHERE {key_column} = $1", changed)
    for key in (changed, broken):
        await agency.touch(key)

    result = await sync_source(dsn, agency.source, batch_size=25)
    assert result.status == "ok", result.error
    assert (result.counts.updated, result.counts.rejected) == (1, 1)
    after = await _lists(dsn, [stored[str(changed)]])
    assert after["dossier_family_member"] == Counter()  # the list replaced whole: now empty
    assert [row[1:4] for row in after["dossier_reward"] if row[2] == "Bằng khen của Bộ trưởng"]
    rejects = await fetch_rows(
        dsn,
        "SELECT source_record_id, field, rule, value FROM sync_reject WHERE resolved_at IS NULL",
    )
    assert [tuple(r) for r in rejects if r["source_record_id"] == str(broken)] == [
        (str(broken), "dossier_family_member[1].relation", "code_unknown",
         "Chú ruột" if agency.fmt == "vi" else "UNCLE"),
    ]  # fmt: skip
    # the rejected record's lists and the untouched person's are as they were
    assert await _lists(dsn, [stored[str(broken)], stored[str(untouched)]]) == before


async def test_a_changed_person_field_keeps_the_lists_as_stored(
    agency: Agency, fresh_store_url: str, seeded_store_url: URL
) -> None:
    """The agency changes a job title and not the CV module: the new title is stored, the lists
    (and their provenance) stay as they were, unread (issue 12)."""
    dsn = await _store(fresh_store_url, sync_free_dsn(seeded_store_url))
    assert (await sync_source(dsn, agency.source, batch_size=25)).status == "ok"
    table, key_column = KEY_TABLE[agency.fmt]
    title = "vi_tri_viec_lam" if agency.fmt == "vi" else "job_title"
    row = (await fetch_rows(dsn, "SELECT source_record_id, personal_id FROM person"
                             " ORDER BY personal_id LIMIT 1"))[0]  # fmt: skip
    key = next(
        r[key_column]
        for r in await agency.admin(f"SELECT {key_column} FROM {table}")
        if str(r[key_column]) == row["source_record_id"]
    )
    before = await _lists(dsn, [row["personal_id"]])
    versions = await fetch_rows(dsn, "SELECT source_version, synced_at FROM dossier_family_member")
    await agency.admin(f"UPDATE {table} SET {title} = 'Chuyên viên pháp chế'"
                       f" WHERE {key_column} = $1", key)  # fmt: skip
    await agency.touch(key)
    result = await sync_source(dsn, agency.source, batch_size=25)
    assert result.status == "ok", result.error
    assert (result.counts.updated, result.lists_kept) == (1, 1)
    stored = await fetch_rows(dsn, "SELECT job_position FROM person WHERE personal_id = $1",
                          row["personal_id"])  # fmt: skip
    assert stored[0]["job_position"] == "Chuyên viên pháp chế"
    assert await _lists(dsn, [row["personal_id"]]) == before
    assert (
        await fetch_rows(dsn, "SELECT source_version, synced_at FROM dossier_family_member")
        == versions
    )


async def test_file_drops_carry_the_lists_in_related_files_and_sheets(
    fresh_store_url: str, seeded_store_url: URL, agency_code: str, tmp_path: Path
) -> None:
    truth = sync_free_dsn(seeded_store_url)
    dsn = await _store(fresh_store_url, truth)
    await write_file_drop(seeded_store_url.render_as_string(False), tmp_path, agency_code)
    assert (tmp_path / "2025-05_nhan_su_abc.quan_he_gia_dinh.csv").exists()
    source = FileSource(make_source_id(agency_code, "DROP"), agency_code, folder=tmp_path)
    result = await sync_source(dsn, source, batch_size=25)
    assert result.status == "ok", result.error
    assert result.counts.inserted > 0
    rows = await fetch_rows(dsn, "SELECT personal_id, source_version FROM person")
    ours = await _lists(dsn)
    held = await _lists(truth, [r["personal_id"] for r in rows])
    # TCVN3 has no capitals for most accented letters: the old software writes "ứng dụng" for
    # "Ứng dụng", and that is what the agency's file says (names get their capitals back)
    abc = (tmp_path / "2025-05_nhan_su_abc.csv").read_bytes().decode("latin-1").split("\r\n")
    in_tcvn3 = {
        cell for line in abc[1:] for cell in line.split(",") if re.fullmatch(r"\d{12}", cell)
    }
    for table, counted in held.items():
        held[table] = Counter(
            {_as_tcvn3_writes(table, row) if row[0] in in_tcvn3 else row: n
             for row, n in counted.items()}
        )  # fmt: skip
    assert ours == held  # all six shapes of drop: BOM, ';', XLSX sheets, NFD, TCVN3, VNI
    # the lists' cells read from the old font are recorded as the person's are, by entry
    converted = await fetch_rows(
        dsn,
        "SELECT location, field FROM sync_correction WHERE rule = 'legacy_encoding_converted'"
        " AND field LIKE 'dossier\\_%'",
    )
    assert converted
    assert {r["location"].split("#")[0] for r in converted} <= {
        "2025-05_nhan_su_abc.csv", "2025-06_nhan_su_vni.csv"
    }  # fmt: skip
    assert any(r["field"].startswith("dossier_family_member[1].") for r in converted)
    assert len({r["source_version"] for r in rows}) == 6
    # a related file changed is a new version of its drop: only that drop's people are read
    family = tmp_path / "2025-01_nhan_su.quan_he_gia_dinh.csv"
    lines = family.read_bytes().split(b"\r\n")
    family.write_bytes(b"\r\n".join([lines[0], b""]))  # the families of the drop emptied
    again = await sync_source(dsn, source, batch_size=25)
    assert again.status == "ok", again.error
    assert again.counts.updated > 0
    assert again.counts.updated + again.counts.unchanged + again.counts.rejected < len(rows)
    emptied = await _lists(dsn)
    assert 0 < len(emptied["dossier_family_member"]) < len(ours["dossier_family_member"])
    assert emptied["dossier_reward"] == ours["dossier_reward"]
