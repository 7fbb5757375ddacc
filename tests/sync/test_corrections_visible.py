"""The corrections the sync made, where a clerk looks for them: a real drop whose names carry an
invisible character and text decoded twice is stored repaired; GraphQL `syncCorrections` shows
the owning province each repair with the file name and row, the rule's title (Vietnamese unless
it asks for English) and the text as the clerk typed it; another province sees none of them;
`syncSources` counts them and `cbccvc sync --report` lists them by rule with their titles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from sqlalchemy.engine import URL
from starlette.applications import Starlette

from adapters.file import FileSource
from gateway.cli.sync import _report
from policies.types import Caller, Level
from store.database import sync_free_dsn
from sync.pipeline import sync_source
from tests.graphql_client import GraphQLClient
from tests.sync.drop_helpers import forget_source, two_provinces, write_drop
from tests.sync.sync_helpers import audit_rows

FILE = "2026-07_nhan_su.csv"
INVISIBLE = "Trần\u200b Thị Bình"  # a zero-width space pasted from a web page
TWICE = "Nguyễn Thị Lan".encode().decode("cp1252")  # UTF-8 read as Windows-1252, saved again
QUERY = """
query($lang: Language) {
  syncCorrections(first: 50, lang: $lang) { edges { node {
    sourceId sourceRecordId location field rule title explanation value
  } } }
}
"""


@pytest_asyncio.fixture
async def synced(seeded_store_url: URL, tmp_path: Path) -> AsyncIterator[tuple[str, str, str]]:
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        own, other = await two_provinces(conn)
        rows = [
            ["001190000011", INVISIBLE, "Nữ", "12/05/1990", "Kinh", "Không", "Công chức", own,
             "01.003", "A1", "3", "3.00", "01/09/2015"],
            ["001191000012", TWICE, "Nữ", "14/07/1991", "Kinh", "Không", "Công chức", own,
             "01.003", "A1", "3", "3.00", "01/09/2016"],
        ]  # fmt: skip
        write_drop(tmp_path, FILE, rows)
        source = FileSource(f"VN:GOV:{own}:CORRTEST", own, folder=tmp_path)
        result = await sync_source(dsn, source)
        assert result.status == "ok", result.error
        rejected = await conn.fetch(
            "SELECT field, rule FROM sync_reject WHERE source_id = $1", source.id
        )
        assert result.counts.inserted == 2, [tuple(r) for r in rejected]  # both stored
        stored = {
            r["personal_id"]: r["full_name"]
            for r in await conn.fetch(
                "SELECT personal_id, full_name FROM person WHERE source_id = $1", source.id
            )
        }
        assert stored == {"001190000011": "Trần Thị Bình", "001191000012": "Nguyễn Thị Lan"}
        yield own, other, dsn
    finally:
        await forget_source(conn, "CORRTEST")
        await conn.close()


async def _ours(client: GraphQLClient, lang: str = "VI") -> list[dict[str, Any]]:
    data = await client.data(QUERY, {"lang": lang})
    return [
        edge["node"]
        for edge in data["syncCorrections"]["edges"]
        if edge["node"]["sourceId"].endswith(":CORRTEST")
    ]


async def test_the_owning_province_sees_each_repair_with_file_row_and_value(
    client: httpx.AsyncClient, app: Starlette, synced: tuple[str, str, str]
) -> None:
    own, _other, _dsn = synced
    clerk = GraphQLClient(client, app, Caller(Level.PROVINCE, organization=own))
    found = {node["rule"]: node for node in await _ours(clerk)}
    assert set(found) == {"invisible_removed", "double_decoding_repaired"}
    invisible = found["invisible_removed"]
    assert (invisible["field"], invisible["location"]) == ("full_name", f"{FILE}#1")
    assert invisible["value"] == INVISIBLE  # as typed: the clerk finds it in the file
    assert invisible["title"] == "Đã xóa ký tự ẩn"
    assert "Nên sửa ở nguồn" in invisible["explanation"]
    twice = found["double_decoding_repaired"]
    assert (twice["location"], twice["value"]) == (f"{FILE}#2", TWICE)

    english = {node["rule"]: node["title"] for node in await _ours(clerk, "EN")}
    assert english["invisible_removed"] == "Invisible characters removed"

    sources = await clerk.data("{ syncSources { sourceId corrections } }")
    counts = {s["sourceId"]: s["corrections"] for s in sources["syncSources"]}
    assert counts[f"VN:GOV:{own}:CORRTEST"] == 2


async def test_another_province_sees_none_of_them(
    client: httpx.AsyncClient, app: Starlette, synced: tuple[str, str, str]
) -> None:
    _own, other, _dsn = synced
    clerk = GraphQLClient(client, app, Caller(Level.PROVINCE, organization=other))
    assert await _ours(clerk) == []
    public = await GraphQLClient(client, app, None).post(QUERY, {"lang": "VI"})
    body = public.json()
    assert body["data"]["syncCorrections"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_reading_the_texts_as_written_is_audited_by_person(
    client: httpx.AsyncClient, app: Starlette, seeded_store_url: URL, tmp_path: Path
) -> None:
    # a personal ID (personal) pasted with a zero-width space: stored repaired, the text as
    # typed kept as the correction's value, which only the owning province reads, and that read
    # is recorded as a read of that person's personal ID
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        own, other = await two_provinces(conn)
        row = ["001090000021\u200b", "Lê Văn Hùng", "Nam", "12/05/1990", "Kinh", "Không",
               "Công chức", own, "01.003", "A1", "3", "3.00", "01/09/2015"]  # fmt: skip
        write_drop(tmp_path, FILE, [row])
        source = FileSource(f"VN:GOV:{own}:CORRAUDIT", own, folder=tmp_path)
        result = await sync_source(dsn, source)
        assert result.status == "ok", result.error
        held = await conn.fetchval("SELECT id FROM person WHERE source_id = $1", source.id)
        assert held is not None
        clerk = GraphQLClient(client, app, Caller(Level.PROVINCE, organization=own))
        query = (
            "query($s: String) { syncCorrections(source: $s, first: 50) "
            "{ edges { node { field rule value } } } }"
        )
        response = await clerk.post(query, {"s": source.id})
        edges = response.json()["data"]["syncCorrections"]["edges"]
        assert [e["node"] for e in edges] == [
            {"field": "personal_id", "rule": "invisible_removed", "value": "001090000021\u200b"}
        ]
        rows = await audit_rows(seeded_store_url, response)
        assert [(r[0], r[1]) for r in rows] == [
            ([held], ["Person.personalId", "SyncCorrection.value"])
        ]

        without_value = (
            "query($s: String) { syncCorrections(source: $s, first: 50) "
            "{ edges { node { field rule } } } }"
        )
        assert (
            await audit_rows(seeded_store_url, await clerk.post(without_value, {"s": source.id}))
            == []
        )
        stranger = GraphQLClient(client, app, Caller(Level.PROVINCE, organization=other))
        rows = await audit_rows(seeded_store_url, await stranger.post(query, {"s": source.id}))
        assert all(held not in r[0] for r in rows)
    finally:
        await forget_source(conn, "CORRAUDIT")
        await conn.close()


async def test_the_report_lists_corrections_by_rule_in_both_languages(
    synced: tuple[str, str, str],
) -> None:
    _own, _other, dsn = synced
    vi = "\n".join(await _report(dsn, "vi"))
    assert "Giá trị đã được sửa khi lưu (nên sửa ở nguồn), theo quy tắc:" in vi
    assert "Đã xóa ký tự ẩn" in vi
    assert "Đã sửa lỗi mã hóa hai lần" in vi
    en = "\n".join(await _report(dsn, "en"))
    assert "Values repaired on storing" in en
    assert "Invisible characters removed" in en
    assert "Double decoding repaired" in en
    # counts only: the texts themselves are personal data
    assert INVISIBLE not in vi + en
    assert "Trần Thị Bình" not in vi + en
