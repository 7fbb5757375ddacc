"""What the store refuses, said as a reject; what a run failed on, said without values. Pure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.errors import SourceProtocolError
from store.models import Person
from store.models_dossier import DOSSIER_MODELS
from store.person_row import CONTENT_COLUMNS
from sync.refusals import (
    CONSTRAINT_FIELDS,
    STORE_VALUE,
    UNPROCESSABLE,
    misfit_field,
    refusal_problem,
    safe_error,
)


def test_every_constraint_of_the_person_table_names_a_field() -> None:
    table = Person.__table__
    named = {str(c.name) for c in table.constraints if c.name} - {"pk_person"}  # type: ignore[attr-defined]
    assert named <= set(CONSTRAINT_FIELDS)
    fields = set(CONTENT_COLUMNS) | {"source_record_id"}
    person = {k: v for k, v in CONSTRAINT_FIELDS.items() if "dossier" not in k}
    assert {v for k, v in person.items() if k != "pk_person"} <= fields
    assert CONSTRAINT_FIELDS["fk_person_salary_step"] == "salary_step"
    assert CONSTRAINT_FIELDS["uq_person_source_record_active"] == "source_record_id"


def test_every_constraint_of_the_dossier_tables_names_its_list_and_column() -> None:
    for model in DOSSIER_MODELS:
        table = model.__table__
        named = {
            str(c.name) for c in table.constraints  # type: ignore[attr-defined]
            if c.name and not str(c.name).startswith(("pk_", "fk_"))
        }  # fmt: skip
        for name in named:
            owner, column = CONSTRAINT_FIELDS[name].split(".")
            assert owner == table.name  # type: ignore[attr-defined]
            assert column in table.columns  # type: ignore[attr-defined]
    assert CONSTRAINT_FIELDS["uq_dossier_annual_rating_person_year"] == "dossier_annual_rating.year"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"general_education": "12/12 hệ chính quy"}, "general_education"),
        ({"performance_year": 99_999}, "performance_year"),
        ({"salary_step": -40_000}, "salary_step"),
        ({"salary_coefficient": Decimal("123.45")}, "salary_coefficient"),
        ({"general_education": "12/12", "performance_year": 2025,
          "salary_coefficient": Decimal("9.99")}, None),
    ],
)  # fmt: skip
def test_the_value_that_does_not_fit_its_column_is_found(
    values: dict[str, object], field: str | None
) -> None:
    assert misfit_field(values) == field


def test_an_integer_the_driver_cannot_encode_is_that_fields_reject() -> None:
    problem = refusal_problem(OverflowError("int too big"), {"performance_year": 99_999})
    assert (problem.field, problem.rule, problem.value, problem.expected) == (
        "performance_year", STORE_VALUE, "99999", "smallint",
    )  # fmt: skip


def test_a_failure_of_our_own_code_is_the_records_reject_without_a_field() -> None:
    problem = refusal_problem(KeyError("x"), {"personal_id": "001080001234"})
    assert (problem.field, problem.rule, problem.value) == (None, UNPROCESSABLE, None)


def test_a_source_errors_text_loses_its_long_numbers() -> None:
    text = safe_error(SourceProtocolError("row for 001080001234 unreadable"))
    assert "001080001234" not in text
    assert text.startswith("SourceProtocolError: row for")


def test_an_unknown_error_is_named_by_its_class_only() -> None:
    assert safe_error(RuntimeError("Nguyễn Văn A, 001080001234")) == "RuntimeError"
