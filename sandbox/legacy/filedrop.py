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

Every file carries the template's record-id column ("Mã hồ sơ", `record_id`), as the Ministry
asks of agencies, so a personal ID corrected in a later drop updates the same stored record.

Each CSV drop has its dossier lists beside it, one related file per list in the same shape
and encoding (`2025-01_nhan_su.quan_he_gia_dinh.csv`, ...), and the workbook one sheet per list
after the person sheet ("Quan hệ gia đình", ...): rows keyed by the personal ID, headings the
field catalogue's Vietnamese labels, codes written out as the template's drop-down lists name
them, from the truth's consistent lists.

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
from sandbox.dossier import COLUMNS as LIST_COLUMNS
from sandbox.legacy.build import read_subtree
from sandbox.legacy.formats import VI_CATEGORY, VI_GENDER, VI_RATING
from store.codelists import load_code_list
from store.dossier_vocabulary import VIETNAMESE
from vocabulary.dossier_catalogue import dossier_catalogue

HEADINGS = (
    "Mã hồ sơ", "Số định danh cá nhân", "Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc",
    "Tôn giáo", "Loại cán bộ", "Mã đơn vị", "Mã ngạch", "Mã thang lương", "Bậc lương",
    "Hệ số lương", "Ngày tuyển dụng", "Thời điểm cập nhật",
)  # fmt: skip
_BOM = "\ufeff"
KEY_HEADING = "Số định danh cá nhân"  # the lists are keyed by the personal ID
# the template's sheet per list (Excel's sheet names are at most 31 characters) and the slug
# its related CSV file is named by
LIST_SHEETS = {
    "dossier_family_member": ("Quan hệ gia đình", "quan_he_gia_dinh"),
    "dossier_history_period": ("Lịch sử bản thân", "lich_su_ban_than"),
    "dossier_training_course": ("Đào tạo, bồi dưỡng", "dao_tao_boi_duong"),
    "dossier_reward": ("Khen thưởng", "khen_thuong"),
    "dossier_discipline": ("Kỷ luật", "ky_luat"),
    "dossier_allowance": ("Phụ cấp", "phu_cap"),
    "dossier_annual_rating": ("Đánh giá xếp loại", "danh_gia_xep_loai"),
    "dossier_military_service": ("Lực lượng vũ trang", "luc_luong_vu_trang"),
    "dossier_asset_declaration": ("Tài sản, thu nhập", "tai_san_thu_nhap"),
    "dossier_health_record": ("Sức khỏe", "suc_khoe"),
}
# what the template's drop-down lists write for a code field
_WORDS = {
    "relation": VIETNAMESE["FamilyRelation"],
    "rating": VI_RATING,
    "status": VIETNAMESE["HealthStatus"],
}
_KIND_WORDS = {
    "dossier_training_course": VIETNAMESE["TrainingKind"],
    "dossier_discipline": VIETNAMESE["DisciplineKind"],
    "dossier_allowance": VIETNAMESE["AllowanceKind"],
}


def list_headings(table: str) -> tuple[str, ...]:
    """The key heading, then the catalogue's Vietnamese label of each column of the list."""
    labels = {f.column: f.label.vi for f in dossier_catalogue().list_of(table).fields}
    return (KEY_HEADING, *(labels[column] for column in LIST_COLUMNS[table]))


def list_rows(table: str, people: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """The list's template rows of these people: the personal ID, then the values, codes in
    the template's words."""
    out = []
    for person in people:
        for row in person.get("dossier", {}).get(table, ()):
            values = []
            for column, value in zip(LIST_COLUMNS[table], row, strict=True):
                words = _KIND_WORDS.get(table) if column == "kind" else _WORDS.get(column)
                values.append(words[value] if words and value is not None else value)
            out.append([person["personal_id"], *values])
    return out


def record_id(person: Mapping[str, Any]) -> str:
    """The agency's own id of a person's record ("Mã hồ sơ"): what keeps the person's identity
    from one drop to the next when the personal ID is corrected."""
    return f"HS{person['id']:08d}"


def template_row(person: Mapping[str, Any]) -> list[Any]:
    """One person as the template's row: dates and numbers as Python values."""
    ethnic = load_code_list("ethnic_groups").by_code
    religion = load_code_list("religions").by_code
    return [
        record_id(person),
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
    headings: Sequence[str] = HEADINGS,
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([text(heading) for heading in headings])
    for row in rows:
        writer.writerow([text(_cell_text(value, decimal_comma)) for value in row])
    return out.getvalue()


def _xlsx(rows: Sequence[Sequence[Any]], people: Sequence[Mapping[str, Any]] = ()) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Nhân sự"
    sheets: list[tuple[Any, Sequence[str], Sequence[Sequence[Any]]]] = [(sheet, HEADINGS, rows)]
    if people:
        for table, (title, _slug) in LIST_SHEETS.items():
            sheets.append((workbook.create_sheet(title), list_headings(table),
                           list_rows(table, people)))  # fmt: skip
    for target, headings, content in sheets:
        target.append(list(headings))
        for row in content:
            # the personal ID stays text: as a number it would lose its leading zeros
            target.append([float(v) if isinstance(v, Decimal) else v for v in row])
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
    """File name -> content: the people split over the six drops in order, each row stamped
    (one second apart, the last at `changed_at`, default now); each CSV drop with its related
    list files, the workbook with its list sheets."""
    latest = _wall_clock(changed_at or datetime.now(AGENCY_CLOCK))
    count = len(people)
    rows = [
        [*template_row(person), latest - timedelta(seconds=count - 1 - index)]
        for index, person in enumerate(people)
    ]
    size = -(-len(rows) // 6)
    chunks = [rows[i * size : (i + 1) * size] for i in range(6)]
    groups = [people[i * size : (i + 1) * size] for i in range(6)]
    shapes: list[tuple[str, dict[str, Any], Callable[[str], bytes]]] = [
        ("2025-01_nhan_su.csv", {}, lambda text: (_BOM + text).encode("utf-8")),
        ("2025-02_nhan_su.csv", {"delimiter": ";", "decimal_comma": True},
         lambda text: (_BOM + text).encode("utf-8")),
        ("2025-03_nhan_su.xlsx", {}, lambda text: text.encode()),
        ("2025-04_nhan_su.csv", {"text": _nfd}, lambda text: text.encode("utf-8")),
        # a character the font cannot show becomes '?', as the old software did
        ("2025-05_nhan_su_abc.csv", {"text": to_tcvn3},
         lambda text: text.encode("latin-1", "replace")),
        ("2025-06_nhan_su_vni.csv", {"text": to_vni},
         lambda text: text.encode("latin-1", "replace")),
    ]  # fmt: skip
    files: dict[str, bytes] = {}
    for (name, options, encode), chunk, group in zip(shapes, chunks, groups, strict=True):
        if name.endswith(".xlsx"):
            files[name] = _xlsx(chunk, group)
            continue
        files[name] = encode(_csv(chunk, **options))
        for table, (_title, slug) in LIST_SHEETS.items():
            files[f"{name[: -len('.csv')]}.{slug}.csv"] = encode(
                _csv(list_rows(table, group), headings=list_headings(table), **options)
            )
    return files


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
