"""A drop saved wholly in an old Vietnamese font (TCVN3, VNI), synced: the names are stored in
Unicode, and every field the file-wide conversion changed is recorded as a correction of its
record (rule legacy_encoding_converted, with the file name and row and the text as the file
has it), so the agency learns its file was read from an old font. A field the conversion left
as it was (digits, codes) is not."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import URL

from adapters.encodings import to_tcvn3, to_vni
from adapters.file import FileSource
from store.database import sync_free_dsn
from sync.pipeline import sync_source
from tests.sync.drop_helpers import TEMPLATE, forget_source, two_provinces

NAMES = ("Nguyễn Thị Hương", "Trần Văn Bình")


@pytest.mark.parametrize(("font", "write"), [("tcvn3", to_tcvn3), ("vni", to_vni)])
async def test_a_file_in_an_old_font_is_stored_in_unicode_and_each_conversion_recorded(
    seeded_store_url: URL, tmp_path: Path, font: str, write: object
) -> None:
    assert callable(write)
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    suffix = f"LEGACYFILE{font.upper()}"
    conn = await asyncpg.connect(dsn)
    try:
        own, _other = await two_provinces(conn)
        rows = [
            ["001190000031", NAMES[0], "Nữ", "12/05/1990", "Kinh", "Không", "Công chức", own,
             "01.003", "A1", "3", "3.00", "01/09/2015"],
            ["001091000032", NAMES[1], "Nam", "14/07/1991", "Kinh", "Không", "Công chức", own,
             "01.003", "A1", "3", "3.00", "01/09/2016"],
        ]  # fmt: skip
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(TEMPLATE)
        writer.writerows(rows)
        name = f"2026-07_{font}.csv"
        (tmp_path / name).write_bytes(write(out.getvalue()).encode("latin-1"))
        source = FileSource(f"VN:GOV:{own}:{suffix}", own, folder=tmp_path)
        result = await sync_source(dsn, source)
        assert result.status == "ok", result.error
        assert result.counts.inserted == 2
        stored = {
            r["personal_id"]: r["full_name"]
            for r in await conn.fetch(
                "SELECT personal_id, full_name FROM person WHERE source_id = $1", source.id
            )
        }
        assert stored == {"001190000031": NAMES[0], "001091000032": NAMES[1]}
        found = {
            (r["location"], r["field"]): r["value"]
            for r in await conn.fetch(
                "SELECT location, field, value FROM sync_correction"
                " WHERE source_id = $1 AND rule = 'legacy_encoding_converted'",
                source.id,
            )
        }
        # the name of each row, as the file has it (its marked words, "Nữ", "Không", are
        # converted and recorded too); digits and codes are the same in every font
        assert found[(f"{name}#1", "full_name")] == write(NAMES[0])
        assert found[(f"{name}#2", "full_name")] == write(NAMES[1])
        fields = {field for _where, field in found}
        assert "personal_id" not in fields
        assert "organization_code" not in fields
    finally:
        await forget_source(conn, suffix)
        await conn.close()
