from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.encodings import to_tcvn3, to_vni
from adapters.mappings import MappingError, load_mapping, map_row
from adapters.mappings.spec import FieldRule, RecordRule

VI = load_mapping("legacy_vi")
EN = load_mapping("legacy_en")


def field(target: str, mapping: Any = VI) -> FieldRule:
    return next(rule for rule in mapping.person.fields if rule.target == target)


def one(rule: FieldRule, value: Any) -> tuple[Any, tuple[str, ...]]:
    mapped = map_row(RecordRule((rule,)), {column: value for column in rule.columns})
    return mapped.fields[rule.target], mapped.problems


@pytest.mark.parametrize(
    ("target", "raw", "standard"),
    [
        ("gender", "Nam", "male"),
        ("gender", "Nữ", "female"),
        ("gender", "Nu\u0303", "female"),  # NFD
        ("gender", "  nữ ", "female"),  # case and spaces as typed
        ("ethnicity_code", "04", "06"),  # their 04 is Mường, our 06
        ("ethnicity_code", "06", "04"),  # their 06 is Hoa, our 04
        ("ethnicity_code", "01", "01"),
        ("religion_code", "Phật giáo", "01"),
        ("birth_date", "02/09/1975", "1975-09-02"),
        ("salary_step", "3", 3),
        ("salary_coefficient", Decimal("4.98"), Decimal("4.98")),
        ("full_name", "Nguye\u0302\u0303n  Văn   An", "Nguyễn Văn An"),
        ("full_name", "NguyÔn V¨n An", "Nguyễn Văn An"),  # TCVN3 in a Unicode column
    ],
)
def test_vietnamese_schema_values_become_standard(target: str, raw: Any, standard: Any) -> None:
    assert one(field(target), raw) == (standard, ())


@pytest.mark.parametrize(
    ("target", "raw", "standard"),
    [
        ("gender", 1, "male"),
        ("gender", 2, "female"),
        ("ethnicity_code", "Tày", "02"),
        ("ethnicity_code", "Ê Đê", "12"),
        ("ethnicity_code", "e de", "12"),  # typed without diacritics
        ("birth_date", "1975-09-02", "1975-09-02"),
    ],
)
def test_english_schema_values_become_standard(target: str, raw: Any, standard: Any) -> None:
    assert one(field(target, EN), raw) == (standard, ())


@pytest.mark.parametrize(
    ("target", "raw", "standard", "repair"),
    [
        # a name in a legacy font in a Unicode column: converted here, where the sync's own
        # hygiene would only see the Unicode
        ("full_name", to_tcvn3("Nguyễn Văn An"), "Nguyễn Văn An", "legacy_encoding_converted"),
        ("full_name", to_vni("Trần Thị Bích"), "Trần Thị Bích", "legacy_encoding_converted"),
        # a coded value read through what hides it: the code is certain, the repair recorded
        ("religion_code", "Phật\u200b giáo", "01", "invisible_removed"),
        ("religion_code", "\ufeffPhật giáo", "01", "invisible_removed"),
        ("religion_code", to_tcvn3("Phật giáo"), "01", "legacy_encoding_converted"),
        ("religion_code", "Phật giáo".encode().decode("cp1258"), "01", "double_decoding_repaired"),
        ("category", "Công\u00adchức", "civil_servant", "invisible_removed"),
        ("birth_place", to_tcvn3("Hải Phòng"), "Hải Phòng", "legacy_encoding_converted"),
    ],
)
def test_a_value_read_only_after_a_repair_records_the_repair_with_the_value_as_written(
    target: str, raw: str, standard: str, repair: str
) -> None:
    rule = field(target)
    mapped = map_row(RecordRule((rule,)), {column: raw for column in rule.columns})
    assert (mapped.fields[target], mapped.problems) == (standard, ())
    assert [(c.field, c.rule, c.value) for c in mapped.corrections] == [(target, repair, raw)]


def test_a_value_read_as_written_records_no_repair() -> None:
    rules = [field(target) for target in ("full_name", "religion_code", "birth_place")]
    row = {"ho_ten": "Nguyễn Văn An", "ton_giao": "Phật giáo", "noi_sinh": "Hải Phòng"}
    mapped = map_row(RecordRule(tuple(rules)), row)
    assert mapped.fields["religion_code"] == "01"
    assert mapped.corrections == ()


@pytest.mark.parametrize(
    ("target", "raw", "rule", "expected"),
    [
        ("ethnicity_code", "99", "code_unknown", "a value of the code map ethnicity"),
        ("birth_date", "1975-09-02", "date_format", "a date of the form dd/mm/yyyy"),
        # the declared form, naming no day: a typing error in the record, not the wrong form
        ("birth_date", "31/02/1975", "date_invalid", "a date of the form dd/mm/yyyy"),
        ("birth_date", "31.02.1975", "date_format", "a date of the form dd/mm/yyyy"),
        ("salary_step", "ba", "not_integer", "a whole number"),
        ("salary_coefficient", "n/a", "not_decimal", "a number such as 4.98"),
        ("full_name", "Ng¤y¤n ©©©", "text_unreadable", "Vietnamese text in Unicode, TCVN3 or VNI"),
    ],
)
def test_unmappable_values_stay_as_written_with_their_rule(
    target: str, raw: Any, rule: str, expected: str
) -> None:
    value, problems = one(field(target), raw)
    assert value == raw
    assert [(p.field, p.rule, p.value, p.expected) for p in problems] == [
        (target, rule, str(raw), expected)
    ]


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("1975-02-30", "date_invalid"), ("1975-13-01", "date_invalid"), ("02/03/1975", "date_format")],
)
def test_an_iso_source_tells_a_day_that_does_not_exist_from_another_form(
    raw: str, rule: str
) -> None:
    value, problems = one(field("birth_date", EN), raw)
    assert value == raw
    assert [(p.rule, p.expected) for p in problems] == [(rule, "a date of the form yyyy-mm-dd")]


def test_a_decimal_comma_is_a_decimal_point() -> None:
    assert one(field("salary_coefficient"), "4,98") == (Decimal("4.98"), ())


def test_name_parts_compose_the_full_name_skipping_empty_ones() -> None:
    row = {"last_name": "Nguyễn", "middle_name": None, "first_name": "An", "national_id": "1"}
    assert map_row(EN.person, row).fields["full_name"] == "Nguyễn An"


def test_missing_mandatory_fields_are_each_named() -> None:
    problems = map_row(VI.person, {"so_dinh_danh": "001068898405"}).problems
    named = {(p.field, p.rule) for p in problems}
    assert ("full_name", "mandatory") in named
    assert ("birth_date", "mandatory") in named
    assert not any(p.field == "personal_id" for p in problems)


def test_empty_text_is_no_value() -> None:
    assert one(field("birth_place"), "   ") == (None, ())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agency.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mapping: x\nversion: '1'\nperson: {fields: {salary: luong}}\n", "not standard field"),
        ("mapping: x\nversion: '1'\nperson: {fields: {gender: {column: a, codes: sex}}}\n",
         "no code map named 'sex'"),
        ("mapping: x\nversion: '1'\nperson: {required: [gender], fields: {full_name: a}}\n",
         "not mapped under fields: gender"),
        ("mapping: x\nversion: '1'\nperson: {fields: {full_name: a}}\ncolour: blue\n",
         "unknown key(s) colour"),
        ("mapping: x\nversion: '1'\ncodes: {e: {names_of: ethnic_groupz}}\n"
         "person: {fields: {full_name: a}}\n", "no such code-list file"),
        ("mapping: x\nversion: '1'\nperson: {fields: {birth_date: {column: a, type: when}}}\n",
         "type 'when' is not one of"),
        ("mapping: x\nversion: '1'\nperson: {fields: {full_name: a}}\n"
         "details: {hobbies: {table: t, person_column: k, fields: {a: b}}}\n",
         "not a detail part"),
    ],
)  # fmt: skip
def test_a_malformed_mapping_fails_at_load_naming_what_is_wrong(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(MappingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_mapping(write(tmp_path, text))


def test_the_shipped_mappings_map_every_detail_part() -> None:
    for mapping in (VI, EN):
        assert len(mapping.details) == 7
        assert mapping.organizations is not None


@pytest.mark.parametrize("name", ["legacy_vi", "legacy_en", "file_drop"])
def test_every_source_mapping_reads_every_column_of_every_dossier_list(name: str) -> None:
    from vocabulary.dossier_catalogue import dossier_catalogue

    spec = load_mapping(name)
    lists = {s.table: {f.column for f in s.fields} for s in dossier_catalogue().lists}
    assert set(spec.dossier) == set(lists)
    for table, rule in spec.dossier.items():
        assert {field.target for field in rule.fields} == lists[table], table


def test_a_dossier_list_or_column_the_catalogue_lacks_stops_the_mapping(tmp_path: Path) -> None:
    base = (
        "mapping: t\nversion: '1'\nperson:\n  fields: {{personal_id: a}}\n"
        "dossier:\n  {table}:\n    table: x\n    person_column: k\n    fields: {{{column}: c}}\n"
    )
    for table, column, message in (
        ("dossier_pets", "name", "not a list of the field catalogue"),
        ("dossier_reward", "amount", "not standard field name"),
    ):
        path = tmp_path / f"{table}.yaml"
        path.write_text(base.format(table=table, column=column), encoding="utf-8")
        with pytest.raises(MappingError, match=message):
            load_mapping(path)
