"""A drop's identity from one file to the next (issue 12 item 6): with the template's record-id
column (Mã hồ sơ), a personal ID corrected in a later drop updates the same stored person and
keeps the old ID in its history; without it, the corrected ID is refused with a rule that says
what to do, never stored as a second active person; writing the old ID in the column then
makes it the correction, and the refusal closes (as it does when the column says "another
person"), in what the clerk reads through GraphQL `rejects`. A keyed file's row without its id
is refused with its file and row."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from sqlalchemy.engine import URL
from starlette.applications import Starlette

from adapters.file import FileSource
from policies.types import Caller, Level
from store.database import sync_free_dsn
from sync.pipeline import sync_source
from tests.graphql_client import GraphQLClient
from tests.sync.drop_helpers import TEMPLATE, forget_source, two_provinces, write_drop

ORG = "000.00.00.H40"
SOURCE = f"VN:GOV:{ORG}:DROP"
OLD_ID, NEW_ID = "040190001234", "040190004321"  # a woman born 1990 in Nghệ An (040)


def _row(personal_id: str, org: str = ORG) -> list[str]:
    return [personal_id, "Hồ Thị Mai", "Nữ", "12/05/1990", "Kinh", "Không", "Công chức", org,
            "01.003", "A1", "3", "3.00", "01/09/2015"]  # fmt: skip


async def _store(url: str) -> str:
    dsn = sync_free_dsn(url)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO organization (code, name, level) VALUES ($1, 'UBND tỉnh Nghệ An',"
            " 'province')",
            ORG,
        )
    finally:
        await conn.close()
    return dsn


async def _sync(dsn: str, folder: Path) -> None:
    result = await sync_source(dsn, FileSource(SOURCE, ORG, folder=folder))
    assert result.status == "ok", result.error


async def _state(dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        people = await conn.fetch(
            "SELECT id, personal_id, source_record_id, status FROM person ORDER BY id"
        )
        rejects = await conn.fetch(
            "SELECT source_record_id, field, rule, value, location FROM sync_reject"
            " WHERE resolved_at IS NULL ORDER BY id"
        )
        closed = await conn.fetch(
            "SELECT source_record_id, rule FROM sync_reject WHERE resolved_at IS NOT NULL"
            " ORDER BY id"
        )
        history = await conn.fetch("SELECT person_id, change, content FROM person_history")
    finally:
        await conn.close()
    return {
        "people": [tuple(r) for r in people],
        "rejects": [tuple(r) for r in rejects],
        "closed": [tuple(r) for r in closed],
        "history": [(r["person_id"], r["change"], json.loads(r["content"])) for r in history],
    }


async def test_with_the_record_id_column_a_corrected_personal_id_updates_the_same_person(
    fresh_store_url: str, tmp_path: Path
) -> None:
    dsn = await _store(fresh_store_url)
    keyed = ("Mã hồ sơ", *TEMPLATE)
    write_drop(tmp_path, "2026-05_nhan_su.csv", [["HS0042", *_row(OLD_ID)]], keyed)
    await _sync(dsn, tmp_path)
    (first,) = (await _state(dsn))["people"]
    write_drop(tmp_path, "2026-06_nhan_su.csv", [["HS0042", *_row(NEW_ID)]], keyed)
    await _sync(dsn, tmp_path)
    state = await _state(dsn)
    assert state["people"] == [(first[0], NEW_ID, "HS0042", "active")]  # one row, corrected
    assert state["rejects"] == []
    ((person_id, change, content),) = state["history"]
    assert (person_id, change, content["personal_id"]) == (first[0], "identity", OLD_ID)


async def test_without_it_a_corrected_personal_id_is_refused_not_a_second_person(
    fresh_store_url: str, tmp_path: Path
) -> None:
    dsn = await _store(fresh_store_url)
    write_drop(tmp_path, "2026-05_nhan_su.csv", [_row(OLD_ID)])
    await _sync(dsn, tmp_path)
    write_drop(tmp_path, "2026-06_nhan_su.csv", [_row(NEW_ID)])
    await _sync(dsn, tmp_path)
    state = await _state(dsn)
    assert [(p[1], p[3]) for p in state["people"]] == [(OLD_ID, "active")]  # no second person
    assert state["rejects"] == [
        (NEW_ID, "personal_id", "identity_unkeyed_change", NEW_ID, "2026-06_nhan_su.csv#1")
    ]
    # the clerk does what the rule says: the column, with the old personal ID in this row
    keyed = ("Mã hồ sơ", *TEMPLATE)
    write_drop(tmp_path, "2026-07_nhan_su.csv", [[OLD_ID, *_row(NEW_ID)]], keyed)
    await _sync(dsn, tmp_path)
    state = await _state(dsn)
    assert [(p[1], p[2], p[3]) for p in state["people"]] == [(NEW_ID, OLD_ID, "active")]
    assert [(h[1], h[2]["personal_id"]) for h in state["history"]] == [("identity", OLD_ID)]
    # the refusal the clerk answered is closed, not left open beside the corrected person
    assert state["rejects"] == []
    assert state["closed"] == [(NEW_ID, "identity_unkeyed_change")]


async def test_the_refusal_closes_when_the_column_says_another_person(
    fresh_store_url: str, tmp_path: Path
) -> None:
    dsn = await _store(fresh_store_url)
    write_drop(tmp_path, "2026-05_nhan_su.csv", [_row(OLD_ID)])
    await _sync(dsn, tmp_path)
    write_drop(tmp_path, "2026-06_nhan_su.csv", [_row(NEW_ID)])
    await _sync(dsn, tmp_path)
    assert [r[2] for r in (await _state(dsn))["rejects"]] == ["identity_unkeyed_change"]
    keyed = ("Mã hồ sơ", *TEMPLATE)
    write_drop(tmp_path, "2026-07_nhan_su.csv", [["HS0777", *_row(NEW_ID)]], keyed)
    await _sync(dsn, tmp_path)
    state = await _state(dsn)
    assert sorted((p[1], p[2]) for p in state["people"]) == [
        (OLD_ID, OLD_ID), (NEW_ID, "HS0777")
    ]  # fmt: skip
    assert state["rejects"] == []


REJECTS = """
{ rejects(first: 100) { edges { node { sourceId sourceRecordId field rule value } } } }
"""


@pytest_asyncio.fixture
async def province(seeded_store_url: URL) -> AsyncIterator[tuple[str, str]]:
    """(dsn, province code) of the seeded store; the test's source taken out afterwards."""
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        own, _other = await two_provinces(conn)
        held = await conn.fetchval(
            "SELECT count(*) FROM person WHERE personal_id = ANY($1::text[])", [OLD_ID, NEW_ID]
        )
        assert held == 0, "the seeded store holds the test's personal IDs"
        yield dsn, own
    finally:
        await forget_source(conn, "IDENTITYTEST")
        await conn.close()


async def test_the_clerk_no_longer_sees_the_refusal_once_the_correction_is_stored(
    client: httpx.AsyncClient, app: Starlette, province: tuple[str, str], tmp_path: Path
) -> None:
    dsn, own = province
    source_id = f"VN:GOV:{own}:IDENTITYTEST"
    source = FileSource(source_id, own, folder=tmp_path)
    clerk = GraphQLClient(client, app, Caller(Level.PROVINCE, organization=own))

    async def open_rejects() -> list[tuple[str, str, str | None]]:
        data = await clerk.data(REJECTS)
        return [
            (node["sourceRecordId"], node["rule"], node["value"])
            for node in (edge["node"] for edge in data["rejects"]["edges"])
            if node["sourceId"] == source_id
        ]

    async def sync() -> None:
        result = await sync_source(dsn, source)
        assert result.status == "ok", result.error

    write_drop(tmp_path, "2026-05_nhan_su.csv", [_row(OLD_ID, own)])
    await sync()
    write_drop(tmp_path, "2026-06_nhan_su.csv", [_row(NEW_ID, own)])
    await sync()
    assert await open_rejects() == [(NEW_ID, "identity_unkeyed_change", NEW_ID)]
    keyed = ("Mã hồ sơ", *TEMPLATE)
    write_drop(tmp_path, "2026-07_nhan_su.csv", [[OLD_ID, *_row(NEW_ID, own)]], keyed)
    await sync()
    assert await open_rejects() == []


async def test_a_namesake_in_a_keyed_file_is_another_person(
    fresh_store_url: str, tmp_path: Path
) -> None:
    dsn = await _store(fresh_store_url)
    write_drop(tmp_path, "2026-05_nhan_su.csv", [_row(OLD_ID)])
    await _sync(dsn, tmp_path)
    keyed = ("Mã hồ sơ", *TEMPLATE)
    write_drop(tmp_path, "2026-06_nhan_su.csv", [["HS0777", *_row(NEW_ID)]], keyed)
    await _sync(dsn, tmp_path)
    state = await _state(dsn)
    assert sorted((p[1], p[2]) for p in state["people"]) == [
        (OLD_ID, OLD_ID), (NEW_ID, "HS0777")
    ]  # fmt: skip
    assert state["rejects"] == []


async def test_a_row_of_a_keyed_file_without_its_id_is_refused_with_file_and_row(
    fresh_store_url: str, tmp_path: Path
) -> None:
    dsn = await _store(fresh_store_url)
    keyed = ("Mã hồ sơ", *TEMPLATE)
    write_drop(tmp_path, "2026-05_nhan_su.csv", [["HS0001", *_row(OLD_ID)], ["", *_row(NEW_ID)]],
               keyed)  # fmt: skip
    await _sync(dsn, tmp_path)
    state = await _state(dsn)
    assert [p[1] for p in state["people"]] == [OLD_ID]
    assert state["rejects"] == [
        ("2026-05_nhan_su.csv#2", "record", "record_id_missing", None, "2026-05_nhan_su.csv#2")
    ]
