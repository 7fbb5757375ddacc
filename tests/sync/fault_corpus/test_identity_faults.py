"""The identity classes of the fault corpus, which take two versions or two records to show,
through every kind of source that carries a record id: keyed CSV and XLSX drops (the template's
Mã hồ sơ column), the agency connector's change feed (parsed by the exchange protocol) and both
legacy SQL schemas.

- a personal ID corrected at the source: one active row for the source record, the old ID in
  its history (never two or three active rows);
- a second record of the source whose personal ID normalises to one the first holds (grouped
  by spaces; drops and connector: the legacy schemas' varchar(12) UNIQUE column cannot hold
  it): a reject with its rule, the first record's row untouched, the run `ok`.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from openpyxl import Workbook
from sqlalchemy.engine import URL

from adapters.base import Source
from adapters.file import FileSource
from adapters.mock import MockSource
from adapters.sql import SqlSource
from exchange import protocol
from sandbox.legacy.formats import (
    EN_ORG_COLUMNS,
    EN_PERSON_COLUMNS,
    VI_ORG_COLUMNS,
    VI_PERSON_COLUMNS,
    en_organization,
    en_person,
    vi_organization,
    vi_person,
)
from store.database import drop_database, ensure_database, sync_free_dsn
from sync.pipeline import sync_source
from tests.sync.fault_corpus.cases import ORG, person
from tests.sync.fault_corpus.test_fault_corpus import HEADINGS, TODAY, _store, drop_cells
from tests.sync.fault_corpus.test_legacy_sql import DDL, ORG_ROW, _full_person

KINDS = ["csv", "xlsx", "connector", "sql-vi", "sql-en"]
# the legacy schemas' personal ID is varchar(12) and unique: they cannot carry a spaced twin
SPACED_KINDS = ["csv", "xlsx", "connector"]
SOURCE = f"VN:GOV:{ORG}:HRM"


def spaced(personal_id: str) -> str:
    """The same personal ID as a clerk types it: grouped by spaces."""
    return f"{personal_id[:3]} {personal_id[3:6]} {personal_id[6:]}"


def corrected(personal_id: str) -> str:
    """Another valid personal ID of the same person (province, gender, century, birth year
    kept; only the serial differs): what a mistyped one is corrected to."""
    serial = (int(personal_id[6:]) + 500_000) % 1_000_000
    return f"{personal_id[:6]}{serial:06d}"


class Carrier:
    """One kind of source carrying records by record id, version after version."""

    def __init__(self, kind: str, folder: Path, postgres_server: URL) -> None:
        self.kind = kind
        self.folder = folder
        self.server = postgres_server
        self.versions = 0
        self.legacy_url: URL | None = None
        self.wire: list[Any] = []

    async def send(self, records: Sequence[tuple[str, dict[str, Any]]]) -> Source:
        """(record id, clean person with overrides) as this kind writes them; the source."""
        self.versions += 1
        if self.kind in ("csv", "xlsx"):
            return self._drop(records)
        if self.kind == "connector":
            return self._connector(records)
        return await self._legacy(records)

    def _drop(self, records: Sequence[tuple[str, dict[str, Any]]]) -> Source:
        headings = ["Mã hồ sơ", *HEADINGS.values()]
        rows = [[record_id, *drop_cells(_case(values)).values()] for record_id, values in records]
        name = f"2026-0{self.versions}_nhan_su.{self.kind}"
        if self.kind == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(headings)
            writer.writerows(rows)
            (self.folder / name).write_text(out.getvalue(), encoding="utf-8")
        else:
            book = Workbook()
            sheet = book.active
            assert sheet is not None
            sheet.append(headings)
            for row in rows:
                sheet.append(row)
            book.save(self.folder / name)
        return FileSource(SOURCE, ORG, folder=self.folder)

    def _connector(self, records: Sequence[tuple[str, dict[str, Any]]]) -> Source:
        sent = [
            protocol.change_record(rid, str(self.versions), False, protocol.person_fields(values))
            for rid, values in records
        ]
        payload = protocol.changes_payload(SOURCE, sent, None, False)
        parsed = protocol.parse_changes(orjson.loads(protocol.dumps(payload)), len(sent))
        self.wire += parsed.records
        return MockSource(SOURCE, ORG, self.wire)

    async def _legacy(self, records: Sequence[tuple[str, dict[str, Any]]]) -> Source:
        fmt = self.kind.removeprefix("sql-")
        if self.legacy_url is None:
            self.legacy_url = await ensure_database(
                self.server, f"cbccvc_ident_{fmt}_{uuid.uuid4().hex[:8]}"
            )
        dsn = sync_free_dsn(self.legacy_url.render_as_string(hide_password=False))
        conn = await asyncpg.connect(dsn)
        try:
            if self.versions == 1:
                await conn.execute("CREATE SCHEMA agency")
                await conn.execute("SET search_path TO agency")
                await conn.execute((DDL / f"schema_{fmt}.sql").read_text(encoding="utf-8"))
                org_table, org_columns, org_row = (
                    ("don_vi", VI_ORG_COLUMNS, vi_organization)
                    if fmt == "vi"
                    else ("org_unit", EN_ORG_COLUMNS, en_organization)
                )
                await conn.copy_records_to_table(
                    org_table, records=[org_row(ORG_ROW)], columns=org_columns,
                    schema_name="agency",
                )  # fmt: skip
            table, columns = (
                ("can_bo", VI_PERSON_COLUMNS) if fmt == "vi" else ("employee", EN_PERSON_COLUMNS)
            )
            key = columns[0]
            for record_id, values in records:
                full = _full_person(_case(values))
                row = vi_person(0, full) if fmt == "vi" else en_person(0, full)
                named = dict(zip(columns, row, strict=True))
                named[key] = record_id if fmt == "vi" else int(record_id)
                if fmt == "en":
                    named["row_version"] = 10 * self.versions
                else:  # the application stamps every change
                    named["ngay_cap_nhat"] += timedelta(days=self.versions)
                await conn.execute(f"DELETE FROM agency.{table} WHERE {key} = $1", named[key])
                await conn.copy_records_to_table(
                    table, records=[tuple(named[c] for c in columns)], columns=columns,
                    schema_name="agency",
                )  # fmt: skip
        finally:
            await conn.close()
        return SqlSource(SOURCE, ORG, dsn=dsn, mapping=f"legacy_{fmt}", schema="agency")

    async def close(self) -> None:
        if self.legacy_url is not None:
            await drop_database(self.server, str(self.legacy_url.database))


def _case(values: dict[str, Any]) -> Any:
    """A fault-corpus case for the writers that take one (drop cells, legacy rows)."""
    from tests.sync.fault_corpus.cases import Case

    return Case("identity", "identity", values, wire=None)


def _record_ids(kind: str) -> tuple[str, str]:
    return ("1001", "1002") if kind in ("sql-en", "connector") else ("CB000001", "CB000002")


async def _sync(dsn: str, source: Source) -> None:
    try:
        result = await sync_source(dsn, source, today=TODAY, batch_size=100)
    finally:
        await source.aclose()
    assert result.status == "ok", result.error


async def _held(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        people = [
            tuple(r)
            for r in await conn.fetch(
                "SELECT source_record_id, personal_id, full_name, status FROM person"
                " WHERE source_id = $1 ORDER BY source_record_id",
                SOURCE,
            )
        ]
        rejects = [
            tuple(r)
            for r in await conn.fetch(
                "SELECT source_record_id, field, rule FROM sync_reject"
                " WHERE source_id = $1 AND resolved_at IS NULL ORDER BY source_record_id",
                SOURCE,
            )
        ]
        history = [
            (r["change"], json.loads(r["content"])["personal_id"])
            for r in await conn.fetch("SELECT change, content FROM person_history ORDER BY id")
        ]
    finally:
        await conn.close()
    return {"people": people, "rejects": rejects, "history": history}


Scenario = Callable[[str, Carrier, str], Awaitable[None]]


async def _run(
    kind: str, fresh_store_url: str, tmp_path: Path, postgres_server: URL, scenario: Scenario
) -> None:
    dsn = await _store(fresh_store_url)
    carrier = Carrier(kind, tmp_path, postgres_server)
    try:
        await scenario(dsn, carrier, kind)
    finally:
        await carrier.close()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_personal_id_corrected_at_the_source_leaves_one_active_row(
    kind: str, fresh_store_url: str, tmp_path: Path, postgres_server: URL
) -> None:
    async def scenario(dsn: str, carrier: Carrier, kind: str) -> None:
        first, _ = _record_ids(kind)
        someone = person(41, female=True)
        new_pid = corrected(someone["personal_id"])
        await _sync(dsn, await carrier.send([(first, someone)]))
        await _sync(dsn, await carrier.send([(first, {**someone, "personal_id": new_pid})]))
        state = await _held(dsn)
        assert [(p[0], p[1], p[3]) for p in state["people"]] == [(first, new_pid, "active")]
        assert state["rejects"] == []
        assert state["history"] == [("identity", someone["personal_id"])]

    await _run(kind, fresh_store_url, tmp_path, postgres_server, scenario)


@pytest.mark.parametrize("kind", SPACED_KINDS)
async def test_a_personal_id_that_normalises_to_one_held_is_a_reject_not_a_takeover(
    kind: str, fresh_store_url: str, tmp_path: Path, postgres_server: URL
) -> None:
    async def scenario(dsn: str, carrier: Carrier, kind: str) -> None:
        first, second = _record_ids(kind)
        holder = person(42, female=False)
        # another record, consistent in itself (every cross-field rule passes), whose personal
        # ID is the holder's once the spaces go
        other = {**holder, "personal_id": spaced(holder["personal_id"]),
                 "full_name": person(43, female=False)["full_name"]}  # fmt: skip
        await _sync(dsn, await carrier.send([(first, holder)]))
        await _sync(dsn, await carrier.send([(second, other)]))
        state = await _held(dsn)
        # the first record's person stays as it was, under its own record id
        assert state["people"] == [(first, holder["personal_id"], holder["full_name"], "active")]
        assert [(r[0], r[1]) for r in state["rejects"]] == [(second, "personal_id")]
        rule = state["rejects"][0][2]
        # the template reads the spaced ID; the connector's protocol refuses it as written
        assert rule == ("personal_id_format" if kind == "connector" else "identity_clash")

    await _run(kind, fresh_store_url, tmp_path, postgres_server, scenario)
