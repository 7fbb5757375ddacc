"""Rules a normalised person row must pass before it reaches the store. Pure.

Each broken rule is a Failure (field, rule, value): the record goes to sync_reject with all of
them, and is retried when the source sends a new version.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from store.codelists import load_code_list, salary_steps
from store.vocabulary import (
    Gender,
    PerformanceRating,
    PersonnelCategory,
    PersonStatus,
    PoliticalTheory,
    ProfessionalLevel,
    StateManagement,
)
from sync.normalise import Failure

# NĐ 27/2026's mandatory identity and work fields, as the store needs them
MANDATORY = (
    "personal_id", "full_name", "gender", "birth_date", "ethnicity_code", "religion_code",
    "category", "organization_id",
)  # fmt: skip
MIN_AGE = 15
MAX_AGE = 80

_CLOSED = {
    "gender": Gender,
    "category": PersonnelCategory,
    "status": PersonStatus,
    "professional_level": ProfessionalLevel,
    "political_theory": PoliticalTheory,
    "state_management": StateManagement,
    "performance_rating": PerformanceRating,
}


@functools.cache
def province_prefixes() -> frozenset[str]:
    return frozenset(e["code"] for e in load_code_list("old_provinces").entries)


@functools.cache
def scale_steps() -> Mapping[str, Mapping[int, Decimal]]:
    return {e["code"]: dict(salary_steps(e)) for e in load_code_list("salary_scales").entries}


def check_personal_id(
    personal_id: str | None, gender: str | None, birth: date | None
) -> list[Failure]:
    """12 digits, a known province prefix, a gender/century digit and birth-year digits that
    agree with the record."""
    if personal_id is None:
        return []
    if len(personal_id) != 12 or not personal_id.isdigit():
        return [Failure("personal_id", "personal_id_format", personal_id)]
    failures = []
    if personal_id[:3] not in province_prefixes():
        failures.append(Failure("personal_id", "personal_id_province", personal_id))
    digit = int(personal_id[3])
    if digit > 3:
        failures.append(Failure("personal_id", "personal_id_century", personal_id))
    else:
        if gender is not None and (digit % 2 == 1) != (gender == "female"):
            failures.append(Failure("personal_id", "personal_id_gender", personal_id))
        if birth is not None:
            century = 1900 if digit < 2 else 2000
            if not century <= birth.year < century + 100:
                failures.append(Failure("personal_id", "personal_id_century", personal_id))
            elif personal_id[4:6] != f"{birth.year % 100:02d}":
                failures.append(Failure("personal_id", "personal_id_birth_year", personal_id))
    return failures


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def validate(
    row: Mapping[str, Any], today: date, organization_code: str | None = None
) -> list[Failure]:
    """Every rule the row breaks (empty: it may be stored). `organization_code` is the code the
    row's organisation was given by (an unknown one is normalise's reference_unknown)."""
    failures: list[Failure] = []
    for name in MANDATORY:
        if row.get(name) is None and name != "organization_id":
            failures.append(Failure(name, "mandatory", None))
    if organization_code is None:
        failures.append(Failure("organization_code", "mandatory", None))
    for name, values in _CLOSED.items():
        value = row.get(name)
        if value is not None and value not in {member.value for member in values}:
            failures.append(Failure(name, "code_unknown", str(value)))
    birth = row.get("birth_date")
    failures += check_personal_id(row.get("personal_id"), row.get("gender"), birth)
    if birth is not None and not MIN_AGE <= _age(birth, today) <= MAX_AGE:
        failures.append(Failure("birth_date", "birth_date_implausible", birth.isoformat()))
    recruited = row.get("recruited_on")
    if birth is not None and recruited is not None and _age(birth, recruited) < MIN_AGE:
        failures.append(Failure("recruited_on", "recruited_before_working_age", str(recruited)))
    failures += _salary(row)
    return failures


def _salary(row: Mapping[str, Any]) -> list[Failure]:
    scale, step, coefficient = (
        row.get("salary_scale_code"), row.get("salary_step"), row.get("salary_coefficient"),
    )  # fmt: skip
    if scale is None and step is None and coefficient is None:
        return []
    steps = scale_steps().get(scale) if scale is not None else None
    if steps is None:
        return [Failure("salary_scale_code", "reference_unknown", scale)]
    if not isinstance(step, int) or step not in steps:
        return [
            Failure("salary_step", "salary_step_out_of_scale", None if step is None else str(step))
        ]
    if coefficient is not None and coefficient != steps[step]:
        return [Failure("salary_coefficient", "salary_coefficient_mismatch", str(coefficient))]
    return []
