"""The dossier lists a record carries, read against the field catalogue: a table per rule.

Pure (sync/dossier_lists.py): each case changes one entry of a consistent dossier (the
sandbox's own, for one person) and names the rule and the field that must come back; the
consistent dossier itself must pass whole, every column of every list read into the row.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from sandbox.dossier import COLUMNS, Holder, dossier_rows
from store.models_dossier import DOSSIER_MODELS
from sync.assess import assess
from sync.dossier_lists import Lists, list_columns, read_lists
from sync.dossier_store import PROVENANCE
from sync.normalise import Standard
from vocabulary.declarations import SourceDeclarations
from vocabulary.dossier_catalogue import dossier_catalogue
from vocabulary.reject_catalogue import reject_catalogue
from vocabulary.sources import SourceRecord

TODAY = date(2026, 6, 1)
PERSON = {"birth_date": date(1980, 5, 17), "gender": "male"}
HOLDER = Holder(
    id=1,
    family_name="Nguyễn",
    gender="male",
    birth_date=PERSON["birth_date"],
    recruited_on=date(2004, 9, 1),
    category="civil_servant",
    performance_rating="good",
    performance_year=2025,
    home_town="Nam Định",
    current_address="Hà Nội",
    source_id="VN:GOV:000.00.00.H01:HRM",
    source_record_id="42",
    source_version="1",
)


def consistent_sections(seed: int = 7) -> dict[str, tuple[dict[str, Any], ...]]:
    """One person's whole dossier as a source would carry it (entries keyed by column)."""
    rows = dossier_rows(random.Random(seed), HOLDER)
    return {
        table: tuple(dict(zip(COLUMNS[table], row, strict=True)) for row in rows.get(table, []))
        for table in COLUMNS
    }


def with_entry(
    table: str, entry: Mapping[str, Any] | list[dict[str, Any]], *, base: int | None = 0
) -> dict[str, Any]:
    """The consistent dossier with `entry` in place of the list's entry `base` (None: added;
    a list of entries: all added)."""
    sections = consistent_sections()
    entries = list(sections[table])
    if isinstance(entry, list):
        entries += entry
    elif base is None or not entries:
        entries.append(dict(entry))
    else:
        entries[base] = {**entries[base], **entry}
    sections[table] = tuple(entries)
    return sections


def rules_of(lists: Lists | None) -> set[tuple[str | None, str]]:
    assert lists is not None
    return {(p.field, p.rule) for p in lists.problems}


def test_a_consistent_dossier_passes_whole_with_every_column() -> None:
    sections = consistent_sections()
    lists = read_lists(sections, PERSON, TODAY)
    assert lists is not None
    assert lists.problems == ()
    for table, entries in sections.items():
        assert len(lists.rows[table]) == len(entries)
        for entry, row in zip(entries, lists.rows[table], strict=True):
            assert dict(zip(list_columns()[table], row, strict=True)) == entry


def test_the_catalogue_the_sandbox_the_sync_and_the_store_name_the_same_columns() -> None:
    catalogue = {s.table: tuple(f.column for f in s.fields) for s in dossier_catalogue().lists}
    assert dict(list_columns()) == catalogue
    assert {t: set(c) for t, c in COLUMNS.items()} == {t: set(c) for t, c in catalogue.items()}
    for model in DOSSIER_MODELS:
        stored = {c.name for c in model.__table__.columns} - {"id", "synced_at", *PROVENANCE}
        assert stored == set(catalogue[model.__tablename__]), model.__tablename__


def test_no_sections_is_none_and_an_empty_list_empties_it() -> None:
    assert read_lists(None, PERSON, TODAY) is None
    lists = read_lists({"dossier_reward": ()}, PERSON, TODAY)
    assert lists is not None
    assert lists.rows == {"dossier_reward": ()}
    assert not lists.problems


def test_values_in_source_forms_are_read_as_the_store_keeps_them() -> None:
    sections = {
        "dossier_family_member": (
            {"relation": "Con", "full_name": "nguyễn  văn AN", "birth_year": "2010"},
        ),
        "dossier_health_record": (
            {"recorded_on": "05/03/2025", "status": "class_ii", "height_cm": "170",
             "weight_kg": "65,5", "blood_group": "O"},
        ),
    }  # fmt: skip
    lists = read_lists(sections, PERSON, TODAY, SourceDeclarations(date_format="%d/%m/%Y"))
    assert lists is not None
    assert not lists.problems
    assert lists.rows["dossier_family_member"] == (
        ("child", "Nguyễn Văn An", 2010, None, None, None),
    )
    assert lists.rows["dossier_health_record"] == (
        (date(2025, 3, 5), "class_ii", 170, Decimal("65.5"), "O"),
    )


def test_text_is_repaired_with_certainty_and_each_repair_recorded() -> None:
    sections = with_entry("dossier_reward", {"title": "Bằng\u200b khen"})
    sections["dossier_family_member"] = (
        {"relation": "mother", "full_name": "Nguyá»…n Thá»‹ Lan", "birth_year": 1955},
    )
    lists = read_lists(sections, PERSON, TODAY)
    assert lists is not None
    assert not lists.problems
    assert lists.rows["dossier_reward"][0][1] == "Bằng khen"
    assert lists.rows["dossier_family_member"][0][1] == "Nguyễn Thị Lan"
    assert {(c.field, c.rule) for c in lists.corrections} == {
        ("dossier_reward[1].title", "invisible_removed"),
        ("dossier_family_member[1].full_name", "double_decoding_repaired"),
    }


def test_a_code_written_with_an_invisible_character_is_read_and_the_repair_recorded() -> None:
    # a name key ignores the zero-width space: the code was found, but nothing said so
    sections = {
        "dossier_family_member": (
            {"relation": "Con\u200b", "full_name": "Nguyễn Văn An", "birth_year": 2010},
        ),
        "dossier_health_record": (
            {"recorded_on": "2025-03-05", "status": "class_ii\u2060", "blood_group": "O"},
        ),
    }
    lists = read_lists(sections, PERSON, TODAY)
    assert lists is not None
    assert not lists.problems
    assert lists.rows["dossier_family_member"][0][0] == "child"
    assert lists.rows["dossier_health_record"][0][1] == "class_ii"
    assert {(c.field, c.rule) for c in lists.corrections} == {
        ("dossier_family_member[1].relation", "invisible_removed"),
        ("dossier_health_record[1].status", "invisible_removed"),
    }


FAULTS: list[tuple[str, str, Any, int | None, str, str]] = [
    # group 2: family
    ("relation unknown", "dossier_family_member", {"relation": "uncle"}, 0,
     "dossier_family_member[1].relation", "code_unknown"),
    ("name missing", "dossier_family_member", {"full_name": None}, 0,
     "dossier_family_member[1].full_name", "mandatory"),
    ("father younger than a generation", "dossier_family_member",
     {"relation": "father", "birth_year": 1975}, 0,
     "dossier_family_member[1].birth_year", "family_birth_year"),
    ("child born before the person could", "dossier_family_member",
     {"relation": "child", "full_name": "Nguyễn Văn Bé", "birth_year": 1985}, None,
     "dossier_family_member[{last}].birth_year", "family_birth_year"),
    ("a second father", "dossier_family_member",
     {"relation": "father", "full_name": "Trần Văn Hai", "birth_year": 1950}, None,
     "dossier_family_member[{last}].relation", "family_relation_repeated"),
    ("birth year in the future", "dossier_family_member", {"birth_year": 2031}, 0,
     "dossier_family_member[1].birth_year", "year_out_of_range"),
    ("birth year as words", "dossier_family_member", {"birth_year": "năm mươi"}, 0,
     "dossier_family_member[1].birth_year", "not_integer"),
    # group 3: personal history
    ("history ends before it starts", "dossier_history_period",
     {"start_on": date(2000, 1, 1), "end_on": date(1999, 1, 1)}, 0,
     "dossier_history_period[1].end_on", "date_order"),
    ("history periods overlap", "dossier_history_period",
     {"start_on": date(2010, 1, 1), "end_on": None, "activity": "Kinh doanh"}, None,
     "dossier_history_period[{any}].start_on", "period_overlap"),
    ("history before birth", "dossier_history_period", {"start_on": date(1970, 1, 1)}, 0,
     "dossier_history_period[1].start_on", "date_before_birth"),
    ("history day-first without declaration", "dossier_history_period",
     {"start_on": "03/04/1999"}, 0, "dossier_history_period[1].start_on", "date_format"),
    ("activity too long", "dossier_history_period", {"activity": "x" * 1001}, 0,
     "dossier_history_period[1].activity", "text_too_long"),
    # group 5: training
    ("training kind unknown", "dossier_training_course",
     {"kind": "karate", "institution": "CLB", "start_on": date(2010, 1, 1)}, None,
     "dossier_training_course[{last}].kind", "code_unknown"),
    ("training in the future", "dossier_training_course",
     {"kind": "refresher", "institution": "Trường", "start_on": date(2027, 1, 1)}, None,
     "dossier_training_course[{last}].start_on", "date_in_future"),
    # group 6: rewards, discipline, allowances, ratings
    ("reward without a decision date", "dossier_reward",
     {"decided_on": None, "title": "Giấy khen", "decided_by": "Giám đốc"}, None,
     "dossier_reward[{last}].decided_on", "mandatory"),
    ("discipline measure unknown", "dossier_discipline",
     {"decided_on": date(2020, 1, 1), "kind": "fine", "reason": "x", "decided_by": "y"}, None,
     "dossier_discipline[{last}].kind", "code_unknown"),
    ("discipline expires before decided", "dossier_discipline",
     {"decided_on": date(2020, 1, 1), "kind": "warning", "reason": "x", "decided_by": "y",
      "expires_on": date(2019, 1, 1)}, None,
     "dossier_discipline[{last}].expires_on", "date_order"),
    ("allowance both coefficient and percent", "dossier_allowance",
     {"kind": "regional", "coefficient": "0.2", "percent": 10, "start_on": date(2015, 1, 1)},
     None, "dossier_allowance[{last}].coefficient", "allowance_amount"),
    ("allowance percent above 100", "dossier_allowance",
     {"kind": "regional", "percent": 150, "start_on": date(2015, 1, 1)}, None,
     "dossier_allowance[{last}].percent", "value_out_of_range"),
    ("allowance coefficient with three decimals", "dossier_allowance",
     {"kind": "regional", "coefficient": "0.205", "start_on": date(2015, 1, 1)}, None,
     "dossier_allowance[{last}].coefficient", "not_decimal"),
    ("two open allowances of one kind", "dossier_allowance",
     [{"kind": "other", "coefficient": "0.1", "start_on": date(2015, 1, 1)},
      {"kind": "other", "percent": 5, "start_on": date(2016, 1, 1)}], None,
     "dossier_allowance[{last}].start_on", "period_overlap"),
    ("rating twice for one year", "dossier_annual_rating", {"year": 2023, "rating": "good"},
     None, "dossier_annual_rating[{last}].year", "duplicate_year"),
    ("rating unknown", "dossier_annual_rating", {"rating": "very good"}, 0,
     "dossier_annual_rating[1].rating", "code_unknown"),
    ("rating year before 1945", "dossier_annual_rating", {"year": 1900}, 0,
     "dossier_annual_rating[1].year", "year_out_of_range"),
    # group 8: armed forces
    ("service without a rank", "dossier_military_service",
     {"enlisted_on": date(1999, 1, 1), "highest_rank": None}, None,
     "dossier_military_service[{last}].highest_rank", "mandatory"),
    ("discharged before enlisted", "dossier_military_service",
     {"enlisted_on": date(1999, 1, 1), "discharged_on": date(1998, 1, 1),
      "highest_rank": "Hạ sĩ"}, None,
     "dossier_military_service[{last}].discharged_on", "date_order"),
    # group 9: assets and income
    ("negative income", "dossier_asset_declaration",
     {"year": 2020, "annual_income_vnd": "-5000000"}, None,
     "dossier_asset_declaration[{last}].annual_income_vnd", "value_out_of_range"),
    ("income with decimals", "dossier_asset_declaration",
     {"year": 2021, "annual_income_vnd": "1000.5"}, None,
     "dossier_asset_declaration[{last}].annual_income_vnd", "not_integer"),
    # group 10: health
    ("height in metres", "dossier_health_record",
     {"recorded_on": date(2024, 1, 1), "status": "class_i", "height_cm": "1.7"}, None,
     "dossier_health_record[{last}].height_cm", "not_integer"),
    ("weight out of range", "dossier_health_record",
     {"recorded_on": date(2024, 1, 1), "status": "class_i", "weight_kg": 700}, None,
     "dossier_health_record[{last}].weight_kg", "value_out_of_range"),
    ("blood group unknown", "dossier_health_record",
     {"recorded_on": date(2024, 1, 1), "status": "class_i", "blood_group": "Z"}, None,
     "dossier_health_record[{last}].blood_group", "code_unknown"),
    # any list
    ("a field the catalogue lacks", "dossier_reward", {"amount": 5}, 0,
     "dossier_reward[1].amount", "dossier_field_unknown"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "entry", "base", "field", "rule"),
    [case[1:] for case in FAULTS],
    ids=[case[0] for case in FAULTS],
)
def test_each_fault_is_named_with_its_entry_and_rule(
    table: str, entry: Any, base: int | None, field: str, rule: str
) -> None:
    sections = with_entry(table, entry, base=base)
    lists = read_lists(sections, PERSON, TODAY)
    assert lists is not None
    assert lists.rows == {}, "a bad entry keeps every list out"
    found = rules_of(lists)
    if "{any}" in field:
        assert any(f and f.startswith(table) and r == rule for f, r in found), found
    else:
        assert (field.replace("{last}", str(len(sections[table]))), rule) in found, found
    assert rule in reject_catalogue().rules, f"{rule} is not explained in reject_rules.yaml"


def test_an_unknown_list_and_a_malformed_list_are_named() -> None:
    lists = read_lists({"dossier_pets": (), "dossier_reward": "Giấy khen"}, PERSON, TODAY)
    assert rules_of(lists) == {
        ("dossier_pets", "dossier_list_unknown"),
        ("dossier_reward", "dossier_entry_unreadable"),
    }


def test_a_record_with_a_bad_entry_is_rejected_and_its_lists_fold_into_the_hash() -> None:
    fields = {
        "personal_id": "001080012345", "full_name": "Nguyễn Văn An", "gender": "male",
        "birth_date": "1980-05-17", "ethnicity_code": "01", "religion_code": "00",
        "category": "civil_servant", "organization_code": "H01",
    }  # fmt: skip
    standard = Standard({"H01": 1})
    plain = assess(SourceRecord("42", "1", fields), standard, "VN:GOV:H01:HRM", TODAY)
    good = assess(
        SourceRecord("42", "1", fields, sections=consistent_sections()),
        standard,
        "VN:GOV:H01:HRM",
        TODAY,
    )
    bad = assess(
        SourceRecord("42", "1", fields, sections=with_entry("dossier_reward", {"amount": 1})),
        standard,
        "VN:GOV:H01:HRM",
        TODAY,
    )
    assert plain.incoming.row is not None
    assert good.incoming.row is not None
    assert plain.incoming.problems == ()
    assert good.incoming.problems == ()
    assert good.lists is not None
    assert good.incoming.row.hash != plain.incoming.row.hash
    assert bad.incoming.row is None
    assert [(p.field, p.rule) for p in bad.incoming.problems] == [
        ("dossier_reward[1].amount", "dossier_field_unknown")
    ]
