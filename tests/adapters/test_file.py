from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sandbox_env import SandboxEnv

from adapters.errors import FatalSourceError, SourceUnavailable
from adapters.file import DropPosition, FileSource
from sandbox.legacy.build import read_subtree
from sandbox.legacy.filedrop import HEADINGS, drop_files, record_id
from vocabulary.sources import SourceRecord

SOURCE_ID = "VN:GOV:000.00.00.H33:DROP"
VN = timezone(timedelta(hours=7))


@pytest_asyncio.fixture(scope="module")
async def people(make_env: Callable[[str], SandboxEnv]) -> list[dict[str, Any]]:
    env = make_env("file-people")
    found, _orgs = await read_subtree(env.store_url, env.root_code)
    return found


@pytest.fixture
def folder(tmp_path: Path, people: list[dict[str, Any]]) -> Path:
    for name, content in drop_files(people).items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


async def read_all(
    source: FileSource, cursor: str | None = None, limit: int = 40
) -> tuple[list[SourceRecord], str | None]:
    records: list[SourceRecord] = []
    while True:
        page = await source.changes(cursor, limit)
        records.extend(page.records)
        cursor = page.next_cursor
        if not page.has_more:
            return records, cursor


def standard(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


COMPARED = (
    "full_name", "birth_date", "salary_coefficient", "salary_step", "grade_code",
    "organization_code", "gender", "ethnicity_code", "religion_code", "category",
)  # fmt: skip


@pytest.mark.parametrize(
    "name",
    [
        "2025-01_nhan_su.csv",  # UTF-8 with BOM
        "2025-02_nhan_su.csv",  # ';' and decimal commas
        "2025-03_nhan_su.xlsx",
        "2025-04_nhan_su.csv",  # NFD
        "2025-05_nhan_su_abc.csv",  # TCVN3
        "2025-06_nhan_su_vni.csv",  # VNI
    ],
)
async def test_each_kind_of_drop_reads_back_as_the_store_has_it(
    tmp_path: Path, people: list[dict[str, Any]], name: str
) -> None:
    latest = datetime(2026, 2, 13, 16, 30, tzinfo=VN)
    (tmp_path / name).write_bytes(drop_files(people, latest)[name])
    records, _ = await read_all(FileSource(SOURCE_ID, None, folder=tmp_path))
    by_id = {person["personal_id"]: person for person in people}
    order = {person["personal_id"]: index for index, person in enumerate(people)}
    assert records
    for record in records:
        assert record.problems == ()
        person = by_id[record.fields["personal_id"]]
        assert {key: record.fields[key] for key in COMPARED} == {
            key: standard(person[key]) for key in COMPARED
        }
        # the row's change stamp, written on the agency's wall clock, back as that moment
        behind = len(people) - 1 - order[person["personal_id"]]
        assert record.changed_at == latest - timedelta(seconds=behind)


async def test_a_mistyped_change_stamp_rejects_the_row_and_an_empty_one_is_not_measured(
    tmp_path: Path,
) -> None:
    heading = ",".join(HEADINGS)
    person = "001068898405,Nguyễn Văn An,Nam,11/01/1968,Kinh,Không,Viên chức,000.00.14.G18,,,,,"
    rows = [f"HS1,{person},hôm qua", f"HS2,{person.replace('405', '406', 1)},"]
    (tmp_path / "x.csv").write_text("\r\n".join([heading, *rows, ""]), encoding="utf-8")
    mistyped, empty = (await FileSource(SOURCE_ID, None, folder=tmp_path).changes(None, 10)).records
    assert [(p.field, p.rule, p.value) for p in mistyped.problems] == [
        (None, "date_format", "hôm qua")
    ]
    assert (mistyped.changed_at, mistyped.location) == (None, "x.csv#1")
    assert (empty.problems, empty.changed_at) == ((), None)


async def test_a_redropped_identical_file_yields_nothing_new(folder: Path) -> None:
    source = FileSource(SOURCE_ID, None, folder=folder)
    _, cursor = await read_all(source)
    shutil.copy(folder / "2025-03_nhan_su.xlsx", folder / "2025-07_nhan_su_gui_lai.xlsx")
    page = await source.changes(cursor, 100)
    assert (page.records, page.has_more) == ((), False)


async def test_a_changed_file_is_read_again_as_a_new_version(folder: Path) -> None:
    source = FileSource(SOURCE_ID, None, folder=folder)
    path = folder / "2025-01_nhan_su.csv"
    before, cursor = await read_all(source)
    old_ids = {r.source_record_id for r in before if (r.location or "").startswith(path.name)}
    (old_version,) = {r.version for r in before if r.source_record_id in old_ids}
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join([*lines[:-2], b""]))  # the last person removed: a correction
    read, _ = await read_all(source, cursor)
    after = [r for r in read if r.fields]
    assert len(after) == len(old_ids) - 1
    assert {r.source_record_id for r in after} < old_ids
    assert all(r.version != old_version for r in read)
    # the removed person's list entries are still in the related files: named, never dropped
    (removed,) = old_ids - {r.source_record_id for r in after}
    (removed_pid,) = {r.fields["personal_id"] for r in before if r.source_record_id == removed}
    orphans = [r for r in read if not r.fields]
    assert orphans
    assert {(p.rule, p.value) for r in orphans for p in r.problems} == {
        ("dossier_entry_orphan", removed_pid)  # the lists are keyed by the personal ID
    }
    assert all(".csv#" in r.source_record_id for r in orphans)


async def test_a_cursor_inside_a_file_resumes_at_the_next_row(
    folder: Path, people: list[Any]
) -> None:
    first = await FileSource(SOURCE_ID, None, folder=folder).changes(None, 7)
    assert first.has_more
    rest, _ = await read_all(FileSource(SOURCE_ID, None, folder=folder), first.next_cursor)
    ids = [r.source_record_id for r in [*first.records, *rest]]
    # the template's record-id column keys every row
    assert sorted(ids) == sorted(record_id(person) for person in people)


async def test_a_file_that_is_not_a_spreadsheet_becomes_a_record_with_a_problem(
    tmp_path: Path,
) -> None:
    (tmp_path / "2025-08_nhan_su.xlsx").write_bytes(b"this is not a zip file")
    page = await FileSource(SOURCE_ID, None, folder=tmp_path).changes(None, 10)
    assert [(r.source_record_id, r.fields) for r in page.records] == [("2025-08_nhan_su.xlsx", {})]
    (problem,) = page.records[0].problems
    assert (problem.field, problem.rule) == (None, "file_unreadable")
    assert page.records[0].location == "2025-08_nhan_su.xlsx"  # where the clerk looks


async def test_a_name_in_no_known_encoding_is_reported_not_guessed(tmp_path: Path) -> None:
    heading = ",".join(HEADINGS)
    row = (
        "HS00000001,001068898405,Ng¤y¤n ©©© ¬¬,Nam,11/01/1968,Kinh,Không,Viên chức,"
        "000.00.14.G18,,,,,"
    )
    (tmp_path / "x.csv").write_text(f"{heading}\r\n{row}\r\n", encoding="utf-8")
    page = await FileSource(SOURCE_ID, None, folder=tmp_path).changes(None, 10)
    (record,) = page.records
    assert record.fields["full_name"] == "Ng¤y¤n ©©© ¬¬"
    assert [(p.field, p.rule) for p in record.problems] == [("full_name", "text_unreadable")]
    assert record.location == "x.csv#1"  # file name and row, not a file-hash prefix
    assert record.changed_at is None  # a row without the stamp's cell is not measured


async def test_headings_match_whatever_their_case_or_diacritics(tmp_path: Path) -> None:
    heading = "SO DINH DANH CA NHAN;HỌ VÀ TÊN;Gioi tinh;NGÀY SINH;Dân tộc;Mã đơn vị"
    row = "001068898405;Trần Đức Nam;Nam;11/01/1968;Kinh;000.00.14.G18"
    (tmp_path / "x.csv").write_text(f"{heading}\n{row}\n", encoding="utf-8")
    (record,) = (await FileSource(SOURCE_ID, None, folder=tmp_path).changes(None, 10)).records
    assert record.problems == ()
    assert record.fields["full_name"] == "Trần Đức Nam"
    assert record.fields["birth_date"] == "1968-01-11"


async def test_lock_files_hidden_files_and_other_files_are_not_drops(tmp_path: Path) -> None:
    for name in ("~$2025-03_nhan_su.xlsx", ".2025-09.csv.part", "ghi_chu.txt"):
        (tmp_path / name).write_bytes(b"x")
    page = await FileSource(SOURCE_ID, None, folder=tmp_path).changes(None, 10)
    assert page.records == ()


async def test_a_missing_folder_is_unavailable_and_says_which(tmp_path: Path) -> None:
    source = FileSource(SOURCE_ID, None, folder=tmp_path / "unmounted")
    with pytest.raises(SourceUnavailable, match="unmounted"):
        await source.changes(None, 10)


def test_a_cursor_not_issued_by_the_source_is_refused() -> None:
    with pytest.raises(FatalSourceError, match="not a cursor"):
        DropPosition.decode("bm90IGEgY3Vyc29y")


def test_a_drop_position_round_trips() -> None:
    position = DropPosition((("a.csv", "ab" * 32),), ("b.xlsx", "cd" * 32, 17))
    assert DropPosition.decode(position.encode()) == position
