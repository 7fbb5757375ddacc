"""A drop as a province's clerk makes it, synced into the shared seeded store and taken out
again afterwards (the store is shared by the session's tests: it is left as it was)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import asyncpg

TEMPLATE = (
    "Số định danh cá nhân", "Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc", "Tôn giáo",
    "Loại cán bộ", "Mã đơn vị", "Mã ngạch", "Mã thang lương", "Bậc lương", "Hệ số lương",
    "Ngày tuyển dụng",
)  # fmt: skip
SOURCE_TABLES = ("sync_reject", "sync_run", "sync_bookmark", "sync_correction", "record_digest",
                 "sync_arrival", "person_history", "person")  # fmt: skip


def write_drop(
    folder: Path, name: str, rows: Sequence[Sequence[str]], headings: Sequence[str] = TEMPLATE
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    (folder / name).write_text("\ufeff" + out.getvalue(), encoding="utf-8")


async def two_provinces(conn: asyncpg.Connection) -> tuple[str, str]:
    own, other = [
        row["code"]
        for row in await conn.fetch(
            "SELECT code FROM organization WHERE level = 'province' AND status = 'active'"
            " ORDER BY code LIMIT 2"
        )
    ]
    return own, other


async def forget_source(conn: asyncpg.Connection, suffix: str) -> None:
    """Everything the sync wrote for the test's sources (`%:<suffix>`), children first."""
    for table in SOURCE_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE source_id LIKE '%:' || $1", suffix)
