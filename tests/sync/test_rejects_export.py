"""The clerk's rejects file through the gateway (/export/rejects.csv and .xlsx), from a real drop
synced into the store: the owning province's token gets its rejects with the offending values,
the expected forms and the file name + row, in Vietnamese unless it asks for English; another
province's token gets none of them; callers the `rejects` field refuses are refused the file; a
file that carries values leaves its audit row."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest_asyncio
from openpyxl import load_workbook
from sqlalchemy.engine import URL
from starlette.applications import Starlette

from adapters.file import FileSource
from policies.types import Caller, Level
from store.database import sync_free_dsn
from sync.pipeline import sync_source
from tests.graphql_client import CENTRAL, token_for
from tests.sync.drop_helpers import forget_source, two_provinces, write_drop
from tests.sync.sync_helpers import audit_rows

FILE = "2026-06_nhan_su.csv"


def _drop(folder: Path, org: str) -> None:
    """Three rows as a clerk types them: a good one, an impossible birth date (row 2) and a
    coefficient written in words (row 3)."""
    rows = [
        ["001190000001", "Trần Thị Bình", "Nữ", "12/05/1990", "Kinh", "Không", "Công chức",
         org, "01.003", "A1", "3", "3.00", "01/09/2015"],
        ["001090000002", "Lê Văn Cường", "Nam", "31/02/1990", "Kinh", "Không", "Công chức",
         org, "01.003", "A1", "3", "3.00", "01/09/2015"],
        ["001191000003", "Phạm Thu Dung", "Nữ", "14/07/1991", "Kinh", "Không", "Công chức",
         org, "01.003", "A1", "3", "ba phẩy không", "01/09/2016"],
    ]  # fmt: skip
    write_drop(folder, FILE, rows)


@pytest_asyncio.fixture
async def provinces(seeded_store_url: URL, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """Two provinces of the seeded store; the first one's drop synced (its rejects open)."""
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        own, other = await two_provinces(conn)
        source = FileSource(f"VN:GOV:{own}:EXPORTTEST", own, folder=tmp_path)
        _drop(tmp_path, own)
        result = await sync_source(dsn, source)
        assert result.status == "ok", result.error
        yield own, other
    finally:
        await forget_source(conn, "EXPORTTEST")
        await conn.close()


def _headers(app: Starlette, caller: Caller) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(app, caller)}"}


def _csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def _ours(rows: list[dict[str, str]], column: str) -> list[dict[str, str]]:
    return [row for row in rows if row[column].endswith(":EXPORTTEST")]


async def test_the_owning_province_gets_values_expected_forms_and_file_rows(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str]
) -> None:
    own, _other = provinces
    headers = _headers(app, Caller(Level.PROVINCE, organization=own))
    rows = _ours(_csv_rows(await client.get("/export/rejects.csv", headers=headers)), "Nguồn")
    by_field = {row["Trường"]: row for row in rows}
    assert set(by_field) == {"birth_date", "salary_coefficient"}  # the good row passed
    birth = by_field["birth_date"]
    assert (birth["Tệp"], birth["Dòng"]) == (FILE, "2")  # the file's name and its row
    assert birth["Giá trị sai"] == "31/02/1990"  # the value as the clerk typed it
    assert birth["Quy tắc"] == "date_invalid"  # the declared form, naming no day
    assert birth["Tiêu đề"] == "Ngày không có thật"  # Vietnamese by default
    assert birth["Dạng mong đợi"] == "Một ngày có thật"
    pay = by_field["salary_coefficient"]
    assert (pay["Tệp"], pay["Dòng"], pay["Giá trị sai"]) == (FILE, "3", "ba phẩy không")
    assert pay["Mong đợi (chi tiết)"]  # the form the standard expects, in words

    # one agency's sources, as the scorecard's clerk page asks
    agency = _csv_rows(await client.get(f"/export/rejects.csv?agency={own}", headers=headers))
    assert {row["Trường"] for row in _ours(agency, "Nguồn")} == set(by_field)
    assert all(row["Nguồn"].startswith(f"VN:GOV:{own}:") for row in agency)

    english = _ours(
        _csv_rows(await client.get("/export/rejects.csv?lang=en", headers=headers)), "Source"
    )
    titles = {row["Field"]: row["Title"] for row in english}
    assert titles["birth_date"] == "No such date"

    workbook = await client.get(
        "/export/rejects.xlsx", params={"source": f"VN:GOV:{own}:EXPORTTEST"}, headers=headers
    )
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    table = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    assert {(r["Trường"], r["Tệp"], r["Dòng"], r["Giá trị sai"]) for r in table} == {
        ("birth_date", FILE, 2, "31/02/1990"),
        ("salary_coefficient", FILE, 3, "ba phẩy không"),
    }


async def test_another_province_gets_none_of_them(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str]
) -> None:
    own, other = provinces
    headers = _headers(app, Caller(Level.PROVINCE, organization=other))
    rows = _csv_rows(await client.get("/export/rejects.csv", headers=headers))
    assert not [row for row in rows if own in row["Nguồn"]]
    assert "31/02/1990" not in (await client.get("/export/rejects.csv", headers=headers)).text
    # naming the other province's source does not open it either
    named = await client.get(
        "/export/rejects.csv", params={"source": f"VN:GOV:{own}:EXPORTTEST"}, headers=headers
    )
    assert _csv_rows(named) == []
    agency = await client.get(f"/export/rejects.csv?agency={own}", headers=headers)
    assert _csv_rows(agency) == []


async def test_the_central_level_sees_what_its_policy_shows_of_the_value(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str]
) -> None:
    rows = _ours(
        _csv_rows(await client.get("/export/rejects.csv", headers=_headers(app, CENTRAL))),
        "Nguồn",
    )
    assert len(rows) == 2
    # exactly what GraphQL `rejects` shows the same caller
    query = "{ rejects(first: 100) { edges { node { sourceId field value } } } }"
    answer = await client.post("/graphql", json={"query": query}, headers=_headers(app, CENTRAL))
    graphql = {
        n["node"]["field"]: n["node"]["value"]
        for n in answer.json()["data"]["rejects"]["edges"]
        if n["node"]["sourceId"].endswith(":EXPORTTEST")
    }
    for row in rows:
        value = graphql[row["Trường"]]
        assert row["Giá trị sai"] == (value if value is not None else "(ẩn)")


async def test_callers_the_rejects_field_refuses_are_refused_the_file(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str], seeded_store_url: URL
) -> None:
    assert (await client.get("/export/rejects.csv")).status_code == 403  # the public
    conn = await asyncpg.connect(
        sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    )
    try:
        code = await conn.fetchval(
            "SELECT code FROM organization WHERE level = 'commune' ORDER BY code LIMIT 1"
        )
    finally:
        await conn.close()
    commune = Caller(Level.COMMUNE, organization=code)
    refused = await client.get("/export/rejects.csv", headers=_headers(app, commune))
    assert refused.status_code == 403
    assert refused.json()["code"] == "FORBIDDEN"
    forged = await client.get("/export/rejects.csv", headers={"Authorization": "Bearer x"})
    assert forged.status_code == 401
    own = _headers(app, Caller(Level.PROVINCE, organization=provinces[0]))
    bad = await client.get("/export/rejects.csv?lang=fr", headers=own)
    assert bad.status_code == 400
    assert "lang" in bad.json()["error"]
    assert (await client.get("/export/rejects.pdf", headers=own)).status_code == 404


async def test_a_file_with_values_is_audited(
    client: httpx.AsyncClient,
    app: Starlette,
    provinces: tuple[str, str],
    seeded_store_url: URL,
    tmp_path: Path,
) -> None:
    own, other = provinces
    source = f"VN:GOV:{own}:EXPORTTEST"
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    # the stored person's next version is refused too: her reject names a person the store holds
    write_drop(tmp_path, "2026-07_nhan_su.csv", [
        ["001190000001", "Trần Thị Bình", "Nữ", "30/02/1990", "Kinh", "Không", "Công chức",
         own, "01.003", "A1", "3", "3.00", "01/09/2015"],
    ])  # fmt: skip
    result = await sync_source(dsn, FileSource(source, own, folder=tmp_path))
    assert result.status == "ok", result.error
    conn = await asyncpg.connect(dsn)
    try:
        held = await conn.fetchval(
            "SELECT id FROM person WHERE source_id = $1 AND personal_id = '001190000001'", source
        )
    finally:
        await conn.close()
    caller = Caller(Level.PROVINCE, organization=own, client_id="clerk-portal")
    response = await client.get(
        "/export/rejects.csv", params={"source": source}, headers=_headers(app, caller)
    )
    values = ["SyncReject.expected", "SyncReject.value"]
    assert await audit_rows(seeded_store_url, response) == [
        # one row per set of fields shown: her birth date (and a newcomer's), by her store id
        ([held], ["Person.birthDate", *values], "clerk-portal", own),
        # the newcomer whose pay was refused: no person in the store to name, the read recorded
        ([], ["Salary.coefficient", *values], "clerk-portal", own),
    ]

    # a file that shows nobody's values (the other province naming this source) leaves none
    stranger = Caller(Level.PROVINCE, organization=other, client_id="other-portal")
    empty = await client.get(
        "/export/rejects.csv", params={"source": source}, headers=_headers(app, stranger)
    )
    assert _csv_rows(empty) == []
    assert await audit_rows(seeded_store_url, empty) == []
