"""A file-drop folder as an agency without a database fills it: the Ministry's spreadsheet
template, written from the store's people of one subtree, in the shapes such folders really hold.

    2025-01_nhan_su.csv        UTF-8 with BOM, comma-separated (what Excel's "CSV UTF-8" writes)
    2025-02_nhan_su.csv        UTF-8 with BOM, ';' and decimal commas (a Vietnamese-locale Excel)
    2025-03_nhan_su.xlsx       a workbook with real date cells
    2025-04_nhan_su.csv        UTF-8 without BOM, text decomposed (NFD, as macOS tools write)
    2025-05_nhan_su_abc.csv    bytes in TCVN3 ("ABC" fonts), as an old office PC saves them
    2025-06_nhan_su_vni.csv    bytes in VNI-Windows

Every row carries its change stamp ("Thời điểm cập nhật", the agency's wall clock): rows changed
one second apart, the newest at `changed_at`, so that the demo can make a drop agency late.

`drop_files` is pure (people in, file name -> bytes out); `write_file_drop` reads the store.
"""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.change_stamp import AGENCY_CLOCK
from adapters.encodings import to_tcvn3, to_vni
from sandbox.legacy.build import read_subtree
from sandbox.legacy.formats import VI_CATEGORY, VI_GENDER
from store.codelists import load_code_list

HEADINGS = (
    "Số định danh cá nhân", "Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc", "Tôn giáo",
    "Loại cán bộ", "Mã đơn vị", "Mã ngạch", "Mã thang lương", "Bậc lương", "Hệ số lương",
    "Ngày tuyển dụng", "Thời điểm cập nhật",
)  # fmt: skip
_BOM = "\ufeff"


def template_row(person: Mapping[str, Any]) -> list[Any]:
    """One person as the template's row: dates and numbers as Python values."""
    ethnic = load_code_list("ethnic_groups").by_code
    religion = load_code_list("religions").by_code
    return [
        person["personal_id"],
        person["full_name"],
        VI_GENDER[person["gender"]],
        person["birth_date"],
        ethnic[person["ethnicity_code"]]["name"],
        religion[person["religion_code"]]["name"],
        VI_CATEGORY[person["category"]],
        person["organization_code"],
        person["grade_code"],
        person["salary_scale_code"],
        person["salary_step"],
        person["salary_coefficient"],
        person["recruited_on"],
    ]


def _cell_text(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal) and decimal_comma:
        return str(value).replace(".", ",")
    return str(value)


def _csv(
    rows: Sequence[Sequence[Any]],
    *,
    delimiter: str = ",",
    decimal_comma: bool = False,
    text: Callable[[str], str] = lambda value: value,
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([text(heading) for heading in HEADINGS])
    for row in rows:
        writer.writerow([text(_cell_text(value, decimal_comma)) for value in row])
    return out.getvalue()


def _xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Nhân sự"
    sheet.append(list(HEADINGS))
    for row in rows:
        # the personal ID stays text: as a number it would lose its leading zeros
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


def _wall_clock(moment: datetime) -> datetime:
    """The agency's wall-clock time (UTC+7), as a clerk's spreadsheet holds it: no zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(AGENCY_CLOCK)
    return moment.replace(tzinfo=None, microsecond=0)


def drop_files(
    people: Sequence[Mapping[str, Any]], changed_at: datetime | None = None
) -> dict[str, bytes]:
    """File name -> content: the people split over the six files in order, each row stamped
    (one second apart, the last at `changed_at`, default now)."""
    latest = _wall_clock(changed_at or datetime.now(AGENCY_CLOCK))
    count = len(people)
    rows = [
        [*template_row(person), latest - timedelta(seconds=count - 1 - index)]
        for index, person in enumerate(people)
    ]
    size = -(-len(rows) // 6)
    chunks = [rows[i * size : (i + 1) * size] for i in range(6)]
    return {
        "2025-01_nhan_su.csv": (_BOM + _csv(chunks[0])).encode("utf-8"),
        "2025-02_nhan_su.csv": (_BOM + _csv(chunks[1], delimiter=";", decimal_comma=True)).encode(
            "utf-8"
        ),
        "2025-03_nhan_su.xlsx": _xlsx(chunks[2]),
        "2025-04_nhan_su.csv": _csv(chunks[3], text=_nfd).encode("utf-8"),
        # a character the font cannot show becomes '?', as the old software did
        "2025-05_nhan_su_abc.csv": _csv(chunks[4], text=to_tcvn3).encode("latin-1", "replace"),
        "2025-06_nhan_su_vni.csv": _csv(chunks[5], text=to_vni).encode("latin-1", "replace"),
    }


async def write_file_drop(
    store_url: str, folder: str | Path, root_code: str, changed_at: datetime | None = None
) -> int:
    """Write the drop files of the subtree at `root_code` into `folder`, the rows changed up
    to `changed_at` (default now); the number of people."""
    people, _orgs = await read_subtree(store_url, root_code)
    await asyncio.to_thread(_write, Path(folder), drop_files(people, changed_at))
    return len(people)


def _write(target: Path, files: Mapping[str, bytes]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        partial = target / f".{name}.part"
        partial.write_bytes(content)
        partial.replace(target / name)  # drops appear whole, never half-written
