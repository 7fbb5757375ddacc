"""The fault corpus through both legacy SQL schemas (schema_vi.sql, schema_en.sql): each case
written as the agency's old software writes that person (sandbox/legacy/formats.py), the fault
put into the column that holds the field, read by SqlSource over a real PostgreSQL database and
synced into a real store. A fault the column's type cannot hold (a word in a smallint) is not
carried by that schema: the legacy database itself refuses it. People the sandbox gives a
deliberate defect of its own (formats.problem_of) are left out, so each case has one cause.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from adapters.sql import SqlSource
from sandbox.legacy.formats import (
    EN_ORG_COLUMNS,
    EN_PERSON_COLUMNS,
    VI_ORG_COLUMNS,
    VI_PERSON_COLUMNS,
    en_organization,
    en_person,
    problem_of,
    vi_organization,
    vi_person,
)
from store.database import drop_database, ensure_database, sync_free_dsn
from sync.pipeline import sync_source
from tests.sync.fault_corpus.cases import ORG, Case, corpus
from tests.sync.fault_corpus.personal_scan import personal_data_leaks
from tests.sync.fault_corpus.test_fault_corpus import (
    TODAY,
    _outcomes,
    _store,
    drop_cells,
    silent_outcomes,
    unrecorded_corrections,
)

DDL = Path(__file__).resolve().parents[3] / "sandbox" / "legacy"
ORG_ROW = {
    "code": ORG, "name": "UBND tỉnh Nghệ An", "parent_code": None, "level": "province",
    "status": "active", "status_changed_on": None, "successor_code": None,
}  # fmt: skip


def _full_person(case: Case) -> dict[str, Any]:
    p = dict(case.person)
    family, *middle, given = p["full_name"].split()
    p.update(
        family_name=family, middle_name=" ".join(middle) or None, given_name=given,
        other_names=None, home_town=None, permanent_address=None, current_address=None,
        status="active", status_since=None, position_code=None, position_since=None,
        job_position=None, salary_since=None, general_education=None,
        professional_level="none", field_of_study=None, political_theory="none",
        state_management="none", foreign_language=None, it_skill=None,
        party_joined_on=None, party_official_on=None, trade_union_joined_on=None,
        youth_union_joined_on=None, performance_rating=None, performance_year=None,
    )  # fmt: skip
    return p


def _int(value: Any) -> int:
    if isinstance(value, int):
        return value
    if not str(value).isdigit():
        raise ValueError(value)
    return int(value)


def _two_decimals(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValueError(value) from None
    if number != number.quantize(Decimal("0.01")) or abs(number) >= 100:
        raise ValueError(value)  # numeric(4, 2) would round it: the column cannot hold it
    return number


def _iso_date(value: Any) -> date:
    return date.fromisoformat(str(value))


# standard field -> (column, how the cell is written) per schema; a ValueError: not carried
Writer = Callable[[Case], Any]
VI: dict[str, tuple[str, Writer]] = {
    "personal_id": ("so_dinh_danh", lambda c: drop_cells(c)["personal_id"]),
    "full_name": ("ho_ten", lambda c: drop_cells(c)["full_name"]),
    "gender": ("gioi_tinh", lambda c: drop_cells(c)["gender"]),
    "birth_date": ("ngay_sinh", lambda c: drop_cells(c)["birth_date"]),
    "recruited_on": ("ngay_tuyen_dung", lambda c: drop_cells(c)["recruited_on"]),
    "religion_name": ("ton_giao", lambda c: drop_cells(c)["religion_name"]),
    "grade_code": ("ngach", lambda c: drop_cells(c)["grade_code"]),
    "salary_scale_code": ("ma_thang_luong", lambda c: drop_cells(c)["salary_scale_code"]),
    "salary_step": ("bac_luong", lambda c: _int(drop_cells(c)["salary_step"])),
    "salary_coefficient": (
        "he_so_luong", lambda c: _two_decimals(drop_cells(c)["salary_coefficient"])
    ),
}  # fmt: skip
EN: dict[str, tuple[str, Writer]] = {
    "personal_id": ("national_id", lambda c: {**c.person, **(c.wire or {})}["personal_id"]),
    "birth_place": ("birth_place", lambda c: (c.wire or {})["birth_place"]),
    "ethnicity_name": ("ethnicity", lambda c: drop_cells(c)["ethnicity_name"]),
    "religion_name": ("religion", lambda c: drop_cells(c)["religion_name"]),
    "recruited_on": ("hire_date", lambda c: _iso_date((c.wire or {})["recruited_on"])),
    "grade_code": ("grade_code", lambda c: drop_cells(c)["grade_code"]),
    "salary_scale_code": ("pay_scale", lambda c: drop_cells(c)["salary_scale_code"]),
    "salary_step": ("pay_step", lambda c: _int(drop_cells(c)["salary_step"])),
    "salary_coefficient": (
        "pay_coefficient", lambda c: _two_decimals(drop_cells(c)["salary_coefficient"])
    ),
}  # fmt: skip


# the English schema's typed columns hold these faults only as the connector writes them
_EN_FROM_WIRE = {"birth_place", "recruited_on"}


def _faulty_fields(case: Case) -> set[str]:
    """The fields the case puts a fault in: as the template writes it (both schemas hold text
    the way agencies type it), or, for the connector-only faults, as the wire writes it."""
    return set(case.drop) if case.drop is not None else set(case.wire or {})


def carried(fmt: str, case: Case) -> bool:
    table = VI if fmt == "vi" else EN
    if problem_of(case.personal_id) is not None or case.wire_declares_alt_ethnic:
        return False
    if case.drop is None and (fmt == "vi" or not set(case.wire or {}) <= _EN_FROM_WIRE):
        return False
    if fmt == "en" and case.drop is not None and {"birth_date", "gender"} & set(case.drop):
        return False  # ISO text and 1/2 there: the template's forms are not this schema's
    faults = _faulty_fields(case) - ({"full_name"} if fmt == "en" else set())
    if fmt == "en" and "full_name" in _faulty_fields(case):
        written = drop_cells(case)["full_name"]
        if len(written.split(" ")) != 3 or case.drop is None:
            return False
    names = {"ethnicity_code": "ethnicity_name", "religion_code": "religion_name"}
    for name in faults:
        name = names.get(name, name)
        if name not in table:
            return False
        try:
            table[name][1](case)
        except (ValueError, KeyError, TypeError):
            return False
    return True


def _row(fmt: str, case: Case, index: int) -> tuple[Any, ...]:
    person = _full_person(case)
    columns = VI_PERSON_COLUMNS if fmt == "vi" else EN_PERSON_COLUMNS
    row = vi_person(index, person) if fmt == "vi" else en_person(index, person)
    values = dict(zip(columns, row, strict=True))
    key = columns[0]
    values[key] = f"CB{index + 1:06d}" if fmt == "vi" else 1001 + index
    table = VI if fmt == "vi" else EN
    names = {"ethnicity_code": "ethnicity_name", "religion_code": "religion_name"}
    for name in _faulty_fields(case):
        name = names.get(name, name)
        if fmt == "en" and name == "full_name":
            values["last_name"], values["middle_name"], values["first_name"] = drop_cells(case)[
                "full_name"
            ].split(" ")
            continue
        column, write = table[name]
        values[column] = write(case)
    if fmt == "en":
        values["row_version"] = 10 * (index + 1)
    return tuple(values[c] for c in columns)


async def write_legacy_agency(conn: Any, fmt: str, person_rows: list[tuple[Any, ...]]) -> None:
    """The legacy schema `fmt` in schema `agency` of `conn`'s database, with the corpus's one
    organisation and `person_rows` (in that schema's person columns)."""
    await conn.execute("CREATE SCHEMA agency")
    await conn.execute("SET search_path TO agency")
    await conn.execute((DDL / f"schema_{fmt}.sql").read_text(encoding="utf-8"))
    org_table, org_columns, org_row = (
        ("don_vi", VI_ORG_COLUMNS, vi_organization)
        if fmt == "vi"
        else ("org_unit", EN_ORG_COLUMNS, en_organization)
    )
    await conn.copy_records_to_table(
        org_table, records=[org_row(ORG_ROW)], columns=org_columns, schema_name="agency"
    )
    person_table, columns = (
        ("can_bo", VI_PERSON_COLUMNS) if fmt == "vi" else ("employee", EN_PERSON_COLUMNS)
    )
    await conn.copy_records_to_table(
        person_table, records=person_rows, columns=columns, schema_name="agency"
    )


@pytest.mark.parametrize("fmt", ["vi", "en"])
async def test_legacy_databases_have_no_silent_outcome(
    fresh_store_url: str, postgres_server: URL, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dsn = await _store(fresh_store_url)
    cases = [case for case in corpus() if carried(fmt, case)]
    assert len(cases) >= 100  # most of the corpus fits the legacy columns
    legacy_url = await ensure_database(
        postgres_server, f"cbccvc_fault_{fmt}_{uuid.uuid4().hex[:8]}"
    )
    legacy_dsn = sync_free_dsn(legacy_url.render_as_string(hide_password=False))
    try:
        conn = await asyncpg.connect(legacy_dsn)
        try:
            await write_legacy_agency(
                conn, fmt, [_row(fmt, case, i) for i, case in enumerate(cases)]
            )
        finally:
            await conn.close()
        source = SqlSource(
            f"VN:GOV:{ORG}:HRM", ORG, dsn=legacy_dsn, mapping=f"legacy_{fmt}", schema="agency"
        )
        try:
            result = await sync_source(dsn, source, today=TODAY, batch_size=100)
        finally:
            await source.aclose()
        assert result.status == "ok", result.error
        people, rejects = await _outcomes(dsn, [source.id])
        key = (lambda i: f"CB{i + 1:06d}") if fmt == "vi" else (lambda i: str(1001 + i))
        ids = {case.id: key(i) for i, case in enumerate(cases)}
        carrier = "drop" if fmt == "vi" else "wire"
        wrong = silent_outcomes(cases, carrier, lambda c: ids[c.id], people, rejects)
        assert not wrong, "\n".join(wrong)
        unrecorded = await unrecorded_corrections(dsn, [source.id], cases, lambda c: ids[c.id])
        assert not unrecorded, "\n".join(unrecorded)
        assert await personal_data_leaks(dsn, cases, caplog) == []
    finally:
        await drop_database(postgres_server, str(legacy_url.database))
