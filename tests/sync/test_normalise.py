"""Normalisation to the standard: pure tables."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

import pytest

from sync.normalise import (
    CodeMap,
    Failure,
    NormaliseError,
    Standard,
    clean_text,
    name_case,
    normalise,
    parse_date,
    parse_gender,
    split_name,
)
from vocabulary.declarations import DeclaredList, SourceDeclarations

STANDARD = Standard({"000.00.01.G09": 7})
ALT = SourceDeclarations(
    MappingProxyType({"ethnicity_code": DeclaredList("ethnic_groups_alt", "2026.1")})
)
DAY_FIRST = SourceDeclarations(date_format="%d/%m/%Y")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Nguyễn   Văn  An ", "Nguyễn Văn An"),
        (unicodedata.normalize("NFD", "Nguyễn Thị Ánh"), "Nguyễn Thị Ánh"),
        ("\tHà\u00a0Nội\n", "Hà Nội"),
        ("", None),
        ("   ", None),
        (None, None),
        (12, "12"),
    ],
)
def test_clean_text(raw: object, expected: str | None) -> None:
    assert clean_text(raw) == expected
    if expected is not None:
        assert unicodedata.is_normalized("NFC", clean_text(raw) or "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NGUYỄN VĂN AN", "Nguyễn Văn An"),
        ("nguyễn thị ánh", "Nguyễn Thị Ánh"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("ksor H'Bia", "Ksor H'Bia"),  # mixed case is the source's choice: kept
        ("đỗ   đức", "Đỗ Đức"),
    ],
)
def test_name_case(raw: str, expected: str) -> None:
    assert name_case(raw) == expected


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("Nguyễn Văn An", ("Nguyễn", "Văn", "An")),
        ("Lê An", ("Lê", None, "An")),
        ("Tôn Nữ Thị Hà", ("Tôn", "Nữ Thị", "Hà")),
        ("Mai", ("Mai", None, "Mai")),
    ],
)
def test_split_name(full: str, expected: tuple[str, str | None, str]) -> None:
    assert split_name(full) == expected


@pytest.mark.parametrize(
    ("raw", "date_format", "expected"),
    [
        ("1980-03-05", None, date(1980, 3, 5)),
        ("1980-03-05T00:00:00", None, date(1980, 3, 5)),
        ("1980-03-05T00:00:00+07:00", None, date(1980, 3, 5)),
        ("ngày 5 tháng 3 năm 1980", None, date(1980, 3, 5)),
        (date(1980, 3, 5), None, date(1980, 3, 5)),
        (datetime(1980, 3, 5, 8, 0), None, date(1980, 3, 5)),
        ("", None, None),
        (None, None, None),
        # a source that declares day first: its form, and ISO still (unambiguous)
        ("05/03/1980", "%d/%m/%Y", date(1980, 3, 5)),
        ("5/3/1980", "%d/%m/%Y", date(1980, 3, 5)),
        ("1980-03-05", "%d/%m/%Y", date(1980, 3, 5)),
        # the same text from a source that declares month first is another day
        ("05/03/1980", "%m/%d/%Y", date(1980, 5, 3)),
        ("19800305", "%Y%m%d", date(1980, 3, 5)),
    ],
)
def test_dates(raw: object, date_format: str | None, expected: date | None) -> None:
    assert parse_date(raw, date_format) == expected


@pytest.mark.parametrize(
    ("raw", "date_format", "rule"),
    [
        # nothing declared: only unambiguous forms; day-first text is not guessed
        ("05/03/1980", None, "date_format"),
        ("19800305", None, "date_format"),
        (29285, None, "date_format"),  # an Excel serial number: no certain epoch
        ("March 5th", None, "date_format"),
        ("1980", None, "date_format"),
        ("1980-02-31", None, "date_invalid"),
        ("31/02/1980", "%d/%m/%Y", "date_invalid"),
        ("05.03.1980", "%d/%m/%Y", "date_format"),  # not the declared form
    ],
)
def test_bad_dates(raw: object, date_format: str | None, rule: str) -> None:
    with pytest.raises(NormaliseError) as caught:
        parse_date(raw, date_format)
    assert caught.value.rule == rule
    assert caught.value.expected is not None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Nam", "male"), ("NỮ", "female"), ("nu", "female"), ("male", "male"), ("F", "female"),
     ("M", "male"), (None, None), ("", None)],
)  # fmt: skip
def test_gender(raw: object, expected: str | None) -> None:
    assert parse_gender(raw) == expected


def test_unknown_gender() -> None:
    with pytest.raises(NormaliseError):
        parse_gender("khác")


@pytest.mark.parametrize(
    ("value", "own", "expected"),
    [
        ("04", None, "04"),  # our list: 04 Hoa
        ("04", "ethnic_groups_alt", "06"),  # their list: 04 Mường -> ours 06
        ("06", "ethnic_groups_alt", "04"),  # their 06 Hoa -> ours 04
        ("Mường", None, "06"),  # by name
        ("muong", None, "06"),  # by name, without marks
        ("KINH", "ethnic_groups_alt", "01"),
        ("Ê-đê", None, "12"),  # a spelling of the same name
        ("Mông", None, "08"),  # an official variant (ethnic_groups.yaml: variants)
        ("Jrai", "ethnic_groups_alt", "10"),
    ],
)
def test_ethnic_codes_per_source(value: str, own: str | None, expected: str) -> None:
    code_map = CodeMap.of("ethnic_groups")
    assert code_map.lookup(value, CodeMap.of(own) if own else None) == expected


def test_a_code_is_read_only_in_the_declared_list() -> None:
    # 55 is in no list; a code of the national list is not read for a source declaring another
    with pytest.raises(NormaliseError):
        CodeMap.of("ethnic_groups").lookup("55", CodeMap.of("ethnic_groups_alt"))


@pytest.mark.parametrize(
    ("list_name", "value", "expected"),
    [
        ("religions", "Phật giáo", "01"),
        ("religions", "Không", "00"),
        ("religions", "00", "00"),
        ("grades", "Chuyên viên", "01.003"),
        ("grades", "01.003", "01.003"),
        ("positions", "CV02", "CV02"),
        ("positions", "Thứ trưởng", "CV02"),
    ],
)
def test_code_lists_by_code_or_name(list_name: str, value: str, expected: str) -> None:
    assert CodeMap.of(list_name).lookup(value) == expected


def test_unknown_code() -> None:
    with pytest.raises(NormaliseError):
        CodeMap.of("ethnic_groups").lookup("Mán")


def _fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "personal_id": "001080012345",
        "full_name": "  NGUYỄN  văn an ",
        "gender": "Nam",
        "birth_date": "1980-03-05",
        "ethnicity_code": "04",
        "religion_code": "Không",
        "category": "civil_servant",
        "organization_code": "000.00.01.g09",
        "salary_scale_code": "A1",
        "salary_step": "3",
        "salary_coefficient": "3,00",
    }
    fields.update(changes)
    return fields


def test_a_record() -> None:
    result = normalise(_fields(), STANDARD)
    assert result.failures == ()
    values = result.values
    assert values["full_name"] == "Nguyễn Văn An"
    assert (values["family_name"], values["middle_name"], values["given_name"]) == (
        "Nguyễn", "Văn", "An",
    )  # fmt: skip
    assert values["name_search"] == "nguyen van an"
    assert values["name_sort"] == "an nguyen van"
    assert values["gender"] == "male"
    assert values["birth_date"] == date(1980, 3, 5)
    assert values["ethnicity_code"] == "04"
    assert values["religion_code"] == "00"
    assert values["organization_id"] == 7
    assert result.organization_code == "000.00.01.G09"
    assert values["salary_step"] == 3
    assert values["salary_coefficient"] == Decimal("3.00")
    # closed sets the source leaves out get the store's defaults
    assert values["status"] == "active"
    assert values["professional_level"] == "none"


def test_a_source_with_its_own_ethnic_list() -> None:
    assert normalise(_fields(), STANDARD, ALT).values["ethnicity_code"] == "06"


def test_a_source_that_declares_day_first_dates() -> None:
    fields = _fields(birth_date="05/03/1980")
    assert normalise(fields, STANDARD, DAY_FIRST).values["birth_date"] == date(1980, 3, 5)
    assert [f.rule for f in normalise(fields, STANDARD).failures] == ["date_format"]


def test_compound_given_name_kept_when_the_source_splits_it() -> None:
    fields = _fields(
        full_name="Nguyễn Thị Lan Anh", family_name="Nguyễn", middle_name="Thị",
        given_name="Lan Anh",
    )  # fmt: skip
    values = normalise(fields, STANDARD).values
    assert (values["middle_name"], values["given_name"]) == ("Thị", "Lan Anh")


@pytest.mark.parametrize(
    ("changes", "failure"),
    [
        ({"birth_date": "1980-02-31"}, Failure("birth_date", "date_invalid", "1980-02-31")),
        ({"gender": "x"}, Failure("gender", "gender_unknown", "x")),
        ({"gender": "1"}, Failure("gender", "gender_unknown", "1")),  # 1 is male to some only
        ({"ethnicity_code": "Mán"}, Failure("ethnicity_code", "code_unknown", "Mán")),
        (
            {"organization_code": "000.00.99.G09"},
            Failure("organization_code", "reference_unknown", "000.00.99.G09"),
        ),
        ({"salary_step": "ba"}, Failure("salary_step", "not_integer", "ba")),
        ({"salary_coefficient": "x"}, Failure("salary_coefficient", "not_decimal", "x")),
        ({"salary_coefficient": "4.985"}, Failure("salary_coefficient", "not_decimal", "4.985")),
        (
            {"full_name": "Nguy\u00e1\u00bb\u0085n V\u00c3"},
            Failure("full_name", "text_double_decoded", "Nguy\u00e1\u00bb\u0085n V\u00c3"),
        ),
    ],
)
def test_failures(changes: dict[str, object], failure: Failure) -> None:
    failures = normalise(_fields(**changes), STANDARD).failures
    assert [(f.field, f.rule, f.value) for f in failures] == [
        (failure.field, failure.rule, failure.value)
    ]
    assert failures[0].expected  # every refusal says what was expected


def test_a_name_is_cleaned_before_its_search_form_is_built() -> None:
    mangled = "Nguy\u00e1\u00bb\u2026n\u200b V\u00c4\u0192n An"  # cp1252 mojibake + ZWSP
    result = normalise(_fields(full_name=mangled), STANDARD)
    assert result.failures == ()
    assert result.values["full_name"] == "Nguyễn Văn An"
    assert result.values["name_search"] == "nguyen van an"
    assert {c.rule for c in result.corrections} == {
        "double_decoding_repaired",
        "invisible_removed",
    }


@pytest.mark.parametrize(
    ("name", "birth", "gender", "expected"),
    [
        ("Nguyễn Văn An", date(1980, 3, 5), "male", []),
        ("NGUYỄN VĂN AN", date(1980, 3, 5), "male", []),
        ("Nguyễn Văn Ân", date(1980, 3, 5), "male", ["full_name"]),  # marks count
        ("Nguyễn Văn Anh", date(1980, 3, 5), "male", ["full_name"]),
        ("Nguyễn Văn An", date(1980, 3, 6), "female", ["birth_date", "gender"]),
    ],
)
def test_identity_differences(name: str, birth: date, gender: str, expected: list[str]) -> None:
    from sync.reconcile import differing_fields
    from vocabulary.sources import IdentityRecord

    identity = IdentityRecord("001080012345", "Nguyễn Văn An", date(1980, 3, 5), "male")
    assert differing_fields(name, birth, gender, identity) == expected
    assert differing_fields(name, birth, gender, None) == ["not_found"]


@pytest.mark.parametrize(
    ("written", "code", "corrected"),
    [
        ("Mông", "08", True),  # an official variant of H'Mông: read, and the reading recorded
        ("H'Mông", "08", False),  # the list's own name
        ("hmong", "08", False),  # the name but for case and marks: no variant needed
        ("08", "08", False),  # the code
    ],
)
def test_a_spelling_variant_is_read_and_recorded_as_a_correction(
    written: str, code: str, corrected: bool
) -> None:
    result = normalise(_fields(ethnicity_code=written), STANDARD)
    assert result.failures == ()
    assert result.values["ethnicity_code"] == code
    found = [(c.field, c.rule, c.value) for c in result.corrections]
    assert found == ([("ethnicity_code", "spelling_variant_mapped", written)] if corrected else [])
