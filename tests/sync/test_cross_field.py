"""Cross-field rules: one table per rule family, each row a record a clerk might send."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from sync.cross_field import age_rules, date_rules, pay_rules, personal_id_rules

TODAY = date(2026, 7, 1)


def _row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "personal_id": "040080012345",  # 040 Nghệ An, man born 19xx, 80
        "gender": "male",
        "birth_date": date(1980, 3, 5),
        "birth_place": "Xã Nam Đàn, tỉnh Nghệ An",
        "category": "civil_servant",
        "status": "active",
        "recruited_on": date(2003, 9, 1),
        "grade_code": "01.003",  # chuyên viên, scale A1
        "salary_scale_code": "A1",
        "salary_step": 3,
        "salary_coefficient": Decimal("3.00"),
    }
    row.update(changes)
    return row


def _rules(problems: list[Any]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        # a chuyên viên chính (A2.1) paid on A1 with a coefficient right for A1: the old check
        # (scale + step + coefficient) let it through
        ({"grade_code": "01.002"}, [("salary_scale_code", "grade_scale_mismatch")]),
        ({"grade_code": "01.002", "salary_scale_code": "A2.1", "salary_coefficient":
          Decimal("5.08")}, []),
        ({"salary_coefficient": Decimal("3.33")},
         [("salary_coefficient", "salary_coefficient_mismatch")]),
        ({"salary_step": 10}, [("salary_step", "salary_step_out_of_scale")]),
        ({"salary_step": None}, [("salary_step", "salary_step_out_of_scale")]),
        ({"salary_scale_code": "Z9"}, [("salary_scale_code", "grade_scale_mismatch"),
                                       ("salary_scale_code", "reference_unknown")]),
        # a professional title (public employees) held by a civil servant
        ({"grade_code": "V.07.01.03"}, [("grade_code", "grade_category_mismatch")]),
        ({"grade_code": "V.07.01.03", "category": "public_employee"}, []),
        ({"salary_scale_code": None, "salary_step": None, "salary_coefficient": None}, []),
    ],
)  # fmt: skip
def test_pay(changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    problems = pay_rules(_row(**changes))
    assert _rules(problems) == expected
    assert all(p.expected for p in problems)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"personal_id": "040180012345", "gender": "female"}, []),
        ({"personal_id": "040180012345"}, ["personal_id_gender"]),
        ({"personal_id": "040081012345"}, ["personal_id_birth_year"]),
        ({"personal_id": "040280012345"}, ["personal_id_century"]),  # 2 = a man born 20xx
        ({"personal_id": "040203012345", "birth_date": date(2003, 1, 1)}, []),
        ({"personal_id": "040480012345"}, ["personal_id_century"]),
        ({"personal_id": "003080012345", "birth_place": None}, ["personal_id_province"]),
        ({"personal_id": "04008001234"}, ["personal_id_format"]),
        # province of birth: the ID says Nghệ An (040), the record says Hà Tĩnh
        ({"birth_place": "Hà Tĩnh"}, ["personal_id_birth_province"]),
        ({"birth_place": "Thành phố Hà Nội"}, ["personal_id_birth_province"]),
        ({"birth_place": "Nghệ An"}, []),
        ({"birth_place": "xã Kỳ Sơn, Nghe An"}, []),  # written without marks
        # written with today's province: Hà Giang (002) is in Tuyên Quang since 2025
        ({"personal_id": "002080012345", "birth_place": "tỉnh Tuyên Quang"}, []),
        ({"personal_id": "002080012345", "birth_place": "Hà Giang"}, []),
        ({"birth_place": "Xóm Bãi"}, []),  # names no province: nothing to compare
        ({"birth_place": None}, []),
    ],
)
def test_personal_id(changes: dict[str, Any], expected: list[str]) -> None:
    assert [p.rule for p in personal_id_rules(_row(**changes))] == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"position_since": date(2010, 1, 1), "salary_since": date(2012, 1, 1)}, []),
        ({"position_since": date(2001, 1, 1)}, [("position_since", "date_order")]),
        ({"salary_since": date(2003, 8, 31)}, [("salary_since", "date_order")]),
        ({"party_joined_on": date(2010, 1, 1), "party_official_on": date(2009, 1, 1)},
         [("party_official_on", "date_order")]),
        ({"recruited_on": date(1979, 1, 1)}, [("recruited_on", "date_before_birth")]),
        ({"recruited_on": date(2027, 1, 1)}, [("recruited_on", "date_in_future")]),
        ({"status": "retired", "status_since": date(2000, 1, 1)}, [("status_since", "date_order")]),
        ({"status": "retired", "status_since": date(2025, 1, 1)}, []),
        # an active person's status date may be anything after birth (a return from leave)
        ({"status": "active", "status_since": date(2000, 1, 1)}, []),
    ],
)  # fmt: skip
def test_date_order(changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert _rules(date_rules(_row(**changes), TODAY)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        # recruited at 17: too young for a civil servant, not for a contract worker
        ({"recruited_on": date(1997, 6, 1)}, [("recruited_on", "recruited_before_working_age")]),
        ({"recruited_on": date(1997, 6, 1), "category": "contract_worker"}, []),
        ({"recruited_on": date(1994, 6, 1), "category": "contract_worker"},
         [("recruited_on", "recruited_before_working_age")]),  # at 14
        ({"recruited_on": date(1996, 6, 1), "category": "public_employee"}, []),  # at 16, art. 22
        # 71 and still active
        ({"birth_date": date(1955, 1, 1), "recruited_on": date(1980, 1, 1)},
         [("birth_date", "age_above_service")]),
        ({"birth_date": date(1955, 1, 1), "recruited_on": date(1980, 1, 1), "status": "retired"},
         []),
    ],
)  # fmt: skip
def test_ages_by_category(changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert _rules(age_rules(_row(**changes), TODAY)) == expected
