"""The fault corpus through real sources and a real store: CSV drops, XLSX drops and the agency
connector's change feed (parsed by the exchange protocol), each synced into its own PostgreSQL
store. The run fails on any silent outcome: a stored value that differs from the expected one,
a record stored that should have been refused, or a record absent without a reject.

The two legacy SQL schemas carry the corpus in test_legacy_sql.py. After each run, no run error,
reject text or log line names a corpus person (personal_scan.py).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import asyncpg
import orjson
import pytest

from adapters.file import FileSource
from adapters.mock import MockSource
from exchange import protocol
from store.database import sync_free_dsn
from sync.pipeline import sync_source
from tests.sync.fault_corpus.cases import ORG, Case, corpus
from tests.sync.fault_corpus.personal_scan import personal_data_leaks
from vocabulary.declarations import DeclaredList, SourceDeclarations
from vocabulary.sources import SourceRecord

TODAY = date(2026, 7, 1)
CASES = corpus()
HEADINGS = {
    "personal_id": "Số định danh cá nhân", "full_name": "Họ và tên", "gender": "Giới tính",
    "birth_date": "Ngày sinh", "ethnicity_name": "Dân tộc", "religion_name": "Tôn giáo",
    "category": "Loại cán bộ", "organization_code": "Mã đơn vị", "grade_code": "Mã ngạch",
    "salary_scale_code": "Mã thang lương", "salary_step": "Bậc lương",
    "salary_coefficient": "Hệ số lương", "recruited_on": "Ngày tuyển dụng",
}  # fmt: skip
ALT = SourceDeclarations(
    MappingProxyType({"ethnicity_code": DeclaredList("ethnic_groups_alt", "2026.1")})
)


def test_the_corpus_is_large_and_covers_every_class() -> None:
    assert len(CASES) >= 200
    assert len({case.personal_id for case in CASES}) == len(CASES)
    classes = {case.fault for case in CASES}
    assert len(classes) >= 10
    assert all(case.stored is not None or case.rules_for("drop") for case in CASES)


# --- writing the cases as each kind of source carries them ------------------------------------


def drop_cells(case: Case) -> dict[str, str]:
    p = case.person
    cells = {
        "personal_id": p["personal_id"],
        "full_name": p["full_name"],
        "gender": "Nữ" if p["gender"] == "female" else "Nam",
        "birth_date": p["birth_date"].strftime("%d/%m/%Y"),
        "ethnicity_name": p["ethnicity_name"],
        "religion_name": p["religion_name"],
        "category": "Công chức",
        "organization_code": ORG,
        "grade_code": p["grade_code"],
        "salary_scale_code": p["salary_scale_code"],
        "salary_step": str(p["salary_step"]),
        "salary_coefficient": str(p["salary_coefficient"]).replace(".", ","),
        "recruited_on": p["recruited_on"].strftime("%d/%m/%Y"),
    }
    cells.update({k: str(v) for k, v in (case.drop or {}).items()})
    return cells


def write_csv(folder: Path, name: str, cells: dict[str, str]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADINGS[k] for k in HEADINGS])
    writer.writerow([cells[k] for k in HEADINGS])
    (folder / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8")


def write_xlsx(folder: Path, name: str, cells: dict[str, str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([HEADINGS[k] for k in HEADINGS])
    sheet.append([cells[k] for k in HEADINGS])
    book.save(folder / f"{name}.xlsx")


def wire_records(cases: Sequence[Case]) -> tuple[SourceRecord, ...]:
    sent = []
    for case in cases:
        values = {**case.person, **(case.wire or {})}
        fields = protocol.person_fields(values)
        sent.append(protocol.change_record(case.id, "1", False, fields))
    payload = protocol.changes_payload(f"VN:GOV:{ORG}:HRM", sent, None, False)
    return protocol.parse_changes(orjson.loads(protocol.dumps(payload)), len(sent)).records


# --- reading the outcome back -----------------------------------------------------------------


async def _outcomes(dsn: str, source_ids: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    conn = await asyncpg.connect(dsn)
    try:
        people = {
            row["source_record_id"]: dict(row)
            for row in await conn.fetch(
                "SELECT * FROM person WHERE source_id = ANY($1::text[])", list(source_ids)
            )
        }
        rejects: dict[str, Any] = {}
        for row in await conn.fetch(
            "SELECT source_record_id, rule, location, expected FROM sync_reject"
            " WHERE source_id = ANY($1::text[]) AND resolved_at IS NULL",
            list(source_ids),
        ):
            rejects.setdefault(row["source_record_id"], []).append(dict(row))
    finally:
        await conn.close()
    return people, rejects


def silent_outcomes(
    cases: Sequence[Case],
    carrier: str,
    record_id: Any,
    people: dict[str, Any],
    rejects: dict[str, Any],
) -> list[str]:
    """Every case whose outcome is not the one it is owed, in a line a reader can act on."""
    wrong = []
    for case in cases:
        rid = record_id(case)
        stored, refused = people.get(rid), rejects.get(rid, [])
        rules = {r["rule"] for r in refused}
        if case.stored is not None:
            if stored is None:
                wrong.append(f"{case.id}: expected stored, got rejected {sorted(rules)}")
                continue
            for name, value in case.stored.items():
                if stored[name] != value:
                    wrong.append(f"{case.id}: {name} stored {stored[name]!r}, expected {value!r}")
        else:
            expected = case.rules_for(carrier)
            if stored is not None:
                wrong.append(f"{case.id}: stored, expected rejected {sorted(expected)}")
            elif not refused:
                wrong.append(f"{case.id}: absent without a reject")
            elif not expected <= rules:
                wrong.append(f"{case.id}: rejected {sorted(rules)}, expected {sorted(expected)}")
    return wrong


async def unrecorded_corrections(
    dsn: str, source_ids: Sequence[str], cases: Sequence[Case], record_id: Any
) -> list[str]:
    """Every case stored without a correction it is owed (a repair the agency never hears of)."""
    conn = await asyncpg.connect(dsn)
    try:
        recorded: dict[str, set[str]] = {}
        for row in await conn.fetch(
            "SELECT source_record_id, rule FROM sync_correction WHERE source_id = ANY($1::text[])",
            list(source_ids),
        ):
            recorded.setdefault(row["source_record_id"], set()).add(row["rule"])
    finally:
        await conn.close()
    return [
        f"{case.id}: recorded {sorted(found)}, expected {sorted(case.corrected)}"
        for case in cases
        if not case.corrected <= (found := recorded.get(record_id(case), set()))
    ]


async def _store(fresh_store_url: str) -> str:
    dsn = sync_free_dsn(fresh_store_url)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO organization (code, name, level)"
            " VALUES ($1, 'UBND tỉnh Nghệ An', 'province')",
            ORG,
        )
    finally:
        await conn.close()
    return dsn


# --- the runs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_file_drops_have_no_silent_outcome(
    fresh_store_url: str, tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dsn = await _store(fresh_store_url)
    carried = [case for case in CASES if case.drop is not None]
    written = write_csv if kind == "csv" else write_xlsx
    personal_ids = {}
    for case in carried:
        cells = drop_cells(case)
        written(tmp_path, case.id, cells)
        personal_ids[case.id] = cells["personal_id"] or f"{case.id}.{kind}#1"
    source = FileSource(f"VN:GOV:{ORG}:DROP", ORG, folder=tmp_path)
    result = await sync_source(dsn, source, today=TODAY, batch_size=100)
    assert result.status == "ok", result.error
    people, rejects = await _outcomes(dsn, [source.id])
    wrong = silent_outcomes(carried, "drop", lambda c: personal_ids[c.id], people, rejects)
    assert not wrong, "\n".join(wrong)
    unrecorded = await unrecorded_corrections(
        dsn, [source.id], carried, lambda c: personal_ids[c.id]
    )
    assert not unrecorded, "\n".join(unrecorded)
    # every reject of a drop says which file and row to open
    for case in carried:
        for reject in rejects.get(personal_ids[case.id], []):
            assert reject["location"] == f"{case.id}.{kind}#1"
            assert reject["expected"], (case.id, reject["rule"])
    assert await personal_data_leaks(dsn, carried, caplog) == []


async def test_the_connector_has_no_silent_outcome(
    fresh_store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dsn = await _store(fresh_store_url)
    carried = [case for case in CASES if case.wire is not None]
    national = [case for case in carried if not case.wire_declares_alt_ethnic]
    alt = [case for case in carried if case.wire_declares_alt_ethnic]
    sources = [
        MockSource(f"VN:GOV:{ORG}:HRM", ORG, wire_records(national)),
        MockSource(f"VN:GOV:{ORG}:HRMALT", ORG, wire_records(alt)),
    ]
    sources[1].declare(ALT)
    for source in sources:
        result = await sync_source(dsn, source, today=TODAY, batch_size=100)
        assert result.status == "ok", result.error
    people, rejects = await _outcomes(dsn, [s.id for s in sources])
    wrong = silent_outcomes(carried, "wire", lambda c: c.id, people, rejects)
    assert not wrong, "\n".join(wrong)
    unrecorded = await unrecorded_corrections(dsn, [s.id for s in sources], carried, lambda c: c.id)
    assert not unrecorded, "\n".join(unrecorded)
    assert await personal_data_leaks(dsn, carried, caplog) == []


async def test_a_drop_that_declares_month_first_dates_is_read_month_first(
    fresh_store_url: str, tmp_path: Path
) -> None:
    dsn = await _store(fresh_store_url)
    case = next(c for c in CASES if c.id.startswith("pay-right"))
    cells = {**drop_cells(case), "birth_date": "03/05/1980", "recruited_on": "09/01/2003"}
    cells["personal_id"] = cells["personal_id"][:4] + "80" + cells["personal_id"][6:]
    (tmp_path / "us").mkdir()
    write_csv(tmp_path / "us", "month_first", cells)
    source = FileSource(f"VN:GOV:{ORG}:DROPUS", ORG, folder=tmp_path / "us")
    source.declare(SourceDeclarations(date_format="%m/%d/%Y"))
    assert (await sync_source(dsn, source, today=TODAY)).status == "ok"
    people, rejects = await _outcomes(dsn, [source.id])
    assert rejects == {}
    (row,) = people.values()
    assert (row["birth_date"], row["recruited_on"]) == (date(1980, 3, 5), date(2003, 9, 1))
