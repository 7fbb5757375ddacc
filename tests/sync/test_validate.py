"""Validation rules: pure tables, each failure (field, rule, value)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from sync.normalise import Failure
from sync.validate import check_personal_id, validate

TODAY = date(2026, 7, 1)


def _row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "personal_id": "001080012345",
        "full_name": "Nguyễn Văn An",
        "gender": "male",
        "birth_date": date(1980, 3, 5),
        "ethnicity_code": "01",
        "religion_code": "00",
        "category": "civil_servant",
        "status": "active",
        "organization_id": 7,
        "recruited_on": date(2003, 9, 1),
        "salary_scale_code": "A1",
        "salary_step": 3,
        "salary_coefficient": Decimal("3.00"),
        "professional_level": "bachelor",
        "political_theory": "none",
        "state_management": "none",
        "performance_rating": None,
    }
    row.update(changes)
    return row


def test_a_valid_row() -> None:
    assert validate(_row(), TODAY, "000.00.01.G09") == []


@pytest.mark.parametrize(
    ("pid", "gender", "birth", "rules"),
    [
        ("001080012345", "male", date(1980, 1, 1), []),
        ("001180012345", "female", date(1980, 1, 1), []),
        ("001203012345", "male", date(2003, 1, 1), []),
        ("079303012345", "female", date(2003, 1, 1), []),
        ("00108001234", "male", date(1980, 1, 1), ["personal_id_format"]),
        ("00108001234X", "male", date(1980, 1, 1), ["personal_id_format"]),
        ("003080012345", "male", date(1980, 1, 1), ["personal_id_province"]),  # no 003
        ("001180012345", "male", date(1980, 1, 1), ["personal_id_gender"]),
        ("001080012345", "female", date(1980, 1, 1), ["personal_id_gender"]),
        ("001081012345", "male", date(1980, 1, 1), ["personal_id_birth_year"]),
        ("001280012345", "male", date(1980, 1, 1), ["personal_id_century"]),
        ("001580012345", "male", date(1980, 1, 1), ["personal_id_century"]),
    ],
)
def test_personal_id(pid: str, gender: str, birth: date, rules: list[str]) -> None:
    assert [f.rule for f in check_personal_id(pid, gender, birth)] == rules


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"gender": None}, Failure("gender", "mandatory", None)),
        ({"full_name": None}, Failure("full_name", "mandatory", None)),
        ({"ethnicity_code": None}, Failure("ethnicity_code", "mandatory", None)),
        ({"category": "volunteer"}, Failure("category", "code_unknown", "volunteer")),
        (
            {"birth_date": date(1930, 3, 5), "personal_id": "001030012345"},
            Failure("birth_date", "birth_date_implausible", "1930-03-05"),
        ),
        (
            {"birth_date": date(2015, 3, 5), "personal_id": "001215012345", "recruited_on": None},
            Failure("birth_date", "birth_date_implausible", "2015-03-05"),
        ),
        (
            {"recruited_on": date(1990, 1, 1)},
            Failure("recruited_on", "recruited_before_working_age", "1990-01-01"),
        ),
        (
            {"salary_coefficient": Decimal("3.10")},
            Failure("salary_coefficient", "salary_coefficient_mismatch", "3.10"),
        ),
        ({"salary_step": 10}, Failure("salary_step", "salary_step_out_of_scale", "10")),
        ({"salary_scale_code": "Z9"}, Failure("salary_scale_code", "reference_unknown", "Z9")),
    ],
)
def test_rules(changes: dict[str, Any], expected: Failure) -> None:
    failures = validate(_row(**changes), TODAY, "000.00.01.G09")
    assert (expected.field, expected.rule, expected.value) in [
        (f.field, f.rule, f.value) for f in failures
    ]
    assert all(f.expected for f in failures)  # each says what the standard expects


def test_missing_organisation() -> None:
    failures = validate(_row(organization_id=None), TODAY, None)
    assert [(f.field, f.rule) for f in failures] == [("organization_code", "mandatory")]


def test_no_salary_is_fine() -> None:
    row = _row(salary_scale_code=None, salary_step=None, salary_coefficient=None)
    assert validate(row, TODAY, "000.00.01.G09") == []
