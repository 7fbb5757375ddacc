"""The dossier's fault corpus through every kind that carries lists, into real stores.

Each case (dossier_cases.py) is one clean person with faulty entries of one group, written the
way each kind carries lists: the legacy schemas' CV modules (hs_* and cv_* tables, over a real
PostgreSQL database read by SqlSource), the drops' related CSV files and XLSX sheets (read by
FileSource from a real folder), and the sections a source hands the sync. Every case must end as
it is owed: its lists stored exactly, or its record rejected with its rule. Anything else (a
record stored that should be refused, a stored list that differs, a record absent without a
reject) is a silent outcome and fails the corpus.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from adapters.file import FileSource
from adapters.mock import MockSource
from adapters.sql import SqlSource
from sandbox.dossier import COLUMNS
from sandbox.legacy.dossier_formats import LAYOUTS
from sandbox.legacy.filedrop import LIST_SHEETS, list_headings
from sandbox.legacy.formats import (
    PERSON_COLUMN,
    VI_RATING,
)
from store.database import drop_database, ensure_database, sync_free_dsn
from store.dossier_vocabulary import VIETNAMESE
from sync.pipeline import sync_source
from tests.sync.fault_corpus.cases import ORG, Case
from tests.sync.fault_corpus.dossier_cases import KINDS, DossierCase, Raw, dossier_corpus
from tests.sync.fault_corpus.test_fault_corpus import (
    HEADINGS,
    TODAY,
    _outcomes,
    _store,
    drop_cells,
    wire_records,
)
from tests.sync.fault_corpus.test_legacy_sql import _row, write_legacy_agency
from vocabulary.sources import SentSections

CASES = dossier_corpus()


def test_the_corpus_covers_every_group_with_lists() -> None:
    groups = {case.group for case in CASES}
    assert groups >= {2, 3, 5, 6, 8, 9, 10}
    assert sum(1 for case in CASES if case.stored is None) >= 25
    for kind in KINDS:
        assert {c.group for c in CASES if kind not in c.not_in} >= {2, 3, 5, 6, 8, 9, 10}, kind


# --- how each kind writes a case's lists ---------------------------------------------------------

_TEMPLATE_WORDS = {
    "relation": VIETNAMESE["FamilyRelation"],
    "rating": VI_RATING,
    "status": VIETNAMESE["HealthStatus"],
}
_TEMPLATE_KIND = {
    "dossier_training_course": VIETNAMESE["TrainingKind"],
    "dossier_discipline": VIETNAMESE["DisciplineKind"],
    "dossier_allowance": VIETNAMESE["AllowanceKind"],
}


def _template_value(table: str, column: str, value: Any, *, cells: bool) -> Any:
    """A value as the template holds it: codes in its words, dates dd/mm/yyyy in text (real
    date cells in a workbook: `cells`), a Raw fault as typed."""
    if value is None or isinstance(value, Raw):
        return None if value is None else str(value)
    words = _TEMPLATE_KIND.get(table) if column == "kind" else _TEMPLATE_WORDS.get(column)
    if words:
        return words[value]
    if isinstance(value, date):
        return value if cells else value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return float(value) if cells else str(value)
    return value if cells else str(value)


def _template_rows(case: DossierCase, table: str, *, cells: bool) -> list[list[Any]]:
    return [
        [case.personal_id,
         *(_template_value(table, column, value, cells=cells)
           for column, value in zip(COLUMNS[table], row, strict=True))]
        for row in case.rows(table)
    ]  # fmt: skip


def _csv_text(headings: Any, rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(headings))
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


def write_csv_drop(folder: Path, case: DossierCase) -> None:
    cells = drop_cells(Case(case.id, "dossier", case.person))
    (folder / f"{case.id}.csv").write_text(
        _csv_text(HEADINGS.values(), [[cells[k] for k in HEADINGS]]), encoding="utf-8"
    )
    for table, (_title, slug) in LIST_SHEETS.items():
        (folder / f"{case.id}.{slug}.csv").write_text(
            _csv_text(list_headings(table), _template_rows(case, table, cells=False)),
            encoding="utf-8",
        )


def write_xlsx_drop(folder: Path, case: DossierCase) -> None:
    from openpyxl import Workbook

    cells = drop_cells(Case(case.id, "dossier", case.person))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HEADINGS.values()))
    sheet.append([cells[k] for k in HEADINGS])
    for table, (title, _slug) in LIST_SHEETS.items():
        list_sheet = book.create_sheet(title)
        list_sheet.append(list(list_headings(table)))
        for row in _template_rows(case, table, cells=True):
            list_sheet.append(row)
    book.save(folder / f"{case.id}.xlsx")


def legacy_list_rows(fmt: str, case: DossierCase, key: object) -> dict[str, list[tuple[Any, ...]]]:
    """The case's lists as the schema's CV module holds them (a Raw fault as typed)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    gender = case.person["gender"]
    for table in case.lists:
        legacy, _names, converters = LAYOUTS[fmt][table]  # type: ignore[index]
        out.setdefault(legacy, []).extend(
            (key, *(
                value if value is None else str(value) if isinstance(value, Raw)
                else convert(value, gender)
                for convert, value in zip(converters, row, strict=True)
            ))
            for row in case.rows(table)
        )  # fmt: skip
    return out


# --- checking the outcome ----------------------------------------------------------------------


async def _stored_lists(dsn: str, personal_id: str) -> dict[str, Counter[tuple[Any, ...]]]:
    conn = await asyncpg.connect(dsn)
    try:
        out = {}
        for table, columns in COLUMNS.items():
            rows = await conn.fetch(
                f"SELECT {', '.join('d.' + c for c in columns)} FROM {table} d"
                " JOIN person p ON p.id = d.person_id WHERE p.personal_id = $1",
                personal_id,
            )
            out[table] = Counter(tuple(row) for row in rows)
        return out
    finally:
        await conn.close()


async def silent_dossier_outcomes(
    dsn: str, source_ids: list[str], kind: str, record_ids: dict[str, str]
) -> list[str]:
    people, rejects = await _outcomes(dsn, source_ids)
    wrong = []
    for case in CASES:
        if case.id not in record_ids:
            continue
        rid = record_ids[case.id]
        stored, refused = people.get(rid), rejects.get(rid, [])
        rules = {r["rule"] for r in refused}
        if case.stored is not None:
            if stored is None:
                wrong.append(f"{case.id}: expected stored, got rejected {sorted(rules)}")
                continue
            held = await _stored_lists(dsn, case.personal_id)
            for table in COLUMNS:
                expected = Counter(case.stored.get(table, []))
                if held[table] != expected:
                    wrong.append(f"{case.id}: {table} stored {sorted(held[table])}")
        else:
            expected_rules = case.rules_for(kind)
            if stored is not None:
                wrong.append(f"{case.id}: stored, expected rejected {sorted(expected_rules)}")
            elif not refused:
                wrong.append(f"{case.id}: absent without a reject")
            elif not expected_rules <= rules:
                wrong.append(
                    f"{case.id}: rejected {sorted(rules)}, expected {sorted(expected_rules)}"
                )
    return wrong


def _counts(result: Any) -> tuple[int, int]:
    return result.counts.inserted, result.counts.rejected


def _owed(cases: list[DossierCase]) -> tuple[int, int]:
    """(stored, rejected) the cases are owed: every record one or the other."""
    stored = sum(1 for case in cases if case.stored is not None)
    return stored, len(cases) - stored


# --- the runs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_drops_carry_the_dossier_faults_without_a_silent_outcome(
    fresh_store_url: str, tmp_path: Path, kind: str
) -> None:
    dsn = await _store(fresh_store_url)
    carried = [case for case in CASES if kind not in case.not_in]
    for case in carried:
        (write_csv_drop if kind == "csv" else write_xlsx_drop)(tmp_path, case)
    source = FileSource(f"VN:GOV:{ORG}:DROP", ORG, folder=tmp_path)
    result = await sync_source(dsn, source, today=TODAY, batch_size=10)
    assert result.status == "ok", result.error
    assert _counts(result) == _owed(carried)
    ids = {case.id: case.personal_id for case in carried}
    wrong = await silent_dossier_outcomes(dsn, [source.id], kind, ids)
    assert not wrong, "\n".join(wrong)
    # each reject of an entry says which file and row of the person to open
    _people, rejects = await _outcomes(dsn, [source.id])
    for case in carried:
        for reject in rejects.get(case.personal_id, []):
            assert reject["location"] == f"{case.id}.{kind}#1"


def _typed_already(sections: Any) -> tuple[Any, tuple[()]]:
    """Lists the test built as the adapter's typing hands them on (the faults are in the
    lists' values themselves, not in their wire types)."""
    return sections, ()


@pytest.mark.parametrize("unread", [False, True], ids=["typed", "sent unread"])
async def test_sections_carry_the_dossier_faults_without_a_silent_outcome(
    fresh_store_url: str, unread: bool
) -> None:
    """Lists typed by the adapter, or handed on unread for the sync to type (the connector's
    client, SourceRecord.sent_sections): the same outcomes."""
    dsn = await _store(fresh_store_url)
    carried = [case for case in CASES if "sections" not in case.not_in]
    records = []
    for case, record in zip(
        carried, wire_records([Case(c.id, "dossier", c.person) for c in carried]), strict=True
    ):
        sections = {
            table: tuple(
                {k: str(v) if isinstance(v, Raw) else v for k, v in entry.items()}
                for entry in entries
            )
            for table, entries in case.lists.items()
        }
        if unread:
            sent = SentSections(case.id, partial(_typed_already, sections))
            records.append(replace(record, sent_sections=sent))
        else:
            records.append(replace(record, sections=sections))
    source = MockSource(f"VN:GOV:{ORG}:HRM", ORG, records)
    result = await sync_source(dsn, source, today=TODAY, batch_size=10)
    assert result.status == "ok", result.error
    assert _counts(result) == _owed(carried)
    wrong = await silent_dossier_outcomes(
        dsn, [source.id], "sections", {c.id: c.id for c in carried}
    )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("fmt", ["vi", "en"])
async def test_legacy_cv_modules_carry_the_dossier_faults_without_a_silent_outcome(
    fresh_store_url: str, postgres_server: URL, fmt: str
) -> None:
    dsn = await _store(fresh_store_url)
    kind = f"sql-{fmt}"
    carried = [case for case in CASES if kind not in case.not_in]
    legacy_url = await ensure_database(
        postgres_server, f"cbccvc_dfault_{fmt}_{uuid.uuid4().hex[:8]}"
    )
    legacy_dsn = sync_free_dsn(legacy_url.render_as_string(hide_password=False))
    key = (lambda i: f"CB{i + 1:06d}") if fmt == "vi" else (lambda i: 1001 + i)
    try:
        conn = await asyncpg.connect(legacy_dsn)
        try:
            await write_legacy_agency(
                conn,
                fmt,
                [_row(fmt, Case(c.id, "dossier", c.person), i) for i, c in enumerate(carried)],
            )
            for index, case in enumerate(carried):
                for table, rows in legacy_list_rows(fmt, case, key(index)).items():
                    legacy_columns = (PERSON_COLUMN[fmt], *_legacy_names(fmt, table))
                    await conn.copy_records_to_table(
                        table, records=rows, columns=legacy_columns, schema_name="agency"
                    )
        finally:
            await conn.close()
        source = SqlSource(
            f"VN:GOV:{ORG}:HRM", ORG, dsn=legacy_dsn, mapping=f"legacy_{fmt}", schema="agency"
        )
        try:
            result = await sync_source(dsn, source, today=TODAY, batch_size=10)
        finally:
            await source.aclose()
        assert result.status == "ok", result.error
        assert _counts(result) == _owed(carried)
        ids = {case.id: str(key(i)) for i, case in enumerate(carried)}
        wrong = await silent_dossier_outcomes(dsn, [source.id], kind, ids)
        assert not wrong, "\n".join(wrong)
    finally:
        await drop_database(postgres_server, str(legacy_url.database))


def _legacy_names(fmt: str, legacy_table: str) -> tuple[str, ...]:
    for legacy, names, _converters in LAYOUTS[fmt].values():  # type: ignore[index]
        if legacy == legacy_table:
            return names
    raise KeyError(legacy_table)
