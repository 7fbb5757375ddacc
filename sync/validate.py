"""Rules a normalised person row must pass before it reaches the store. Pure.

Each broken rule is a Problem (field, rule, value, expected): the record goes to sync_reject
with all of them, and is retried when the source sends a new version. The single-field rules
are here (mandatory fields, closed sets, plausible birth dates); the rules that read fields
together are in sync/cross_field.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from store.vocabulary import (
    Gender,
    PerformanceRating,
    PersonnelCategory,
    PersonStatus,
    PoliticalTheory,
    ProfessionalLevel,
    StateManagement,
)
from sync.cross_field import age_on, age_rules, date_rules, pay_rules, personal_id_rules
from vocabulary.problems import Problem
from vocabulary.standard_record import standard_record

# NĐ 27/2026's mandatory identity and work fields (the standard record says which); the
# organisation arrives as a code and is stored as an id
MANDATORY = tuple(
    "organization_id" if name == "organization_code" else name
    for name in standard_record().mandatory
)
MIN_AGE = 15
MAX_AGE = 80

CLOSED_SETS = {
    "gender": Gender,
    "category": PersonnelCategory,
    "status": PersonStatus,
    "professional_level": ProfessionalLevel,
    "political_theory": PoliticalTheory,
    "state_management": StateManagement,
    "performance_rating": PerformanceRating,
}
# each closed set's values and the form a reject names, built once: validate runs per record
_ALLOWED = {
    name: (frozenset(member.value for member in values), ", ".join(m.value for m in values))
    for name, values in CLOSED_SETS.items()
}


def check_personal_id(
    personal_id: str | None, gender: str | None, birth: date | None
) -> list[Problem]:
    """The personal ID's own rules (kept for callers that have no row)."""
    return personal_id_rules({"personal_id": personal_id, "gender": gender, "birth_date": birth})


def validate(
    row: Mapping[str, Any], today: date, organization_code: str | None = None
) -> list[Problem]:
    """Every rule the row breaks (empty: it may be stored). `organization_code` is the code the
    row's organisation was given by (an unknown one is normalise's reference_unknown)."""
    problems: list[Problem] = []
    for name in MANDATORY:
        if row.get(name) is None and name != "organization_id":
            problems.append(Problem(name, "mandatory", None, "a value (mandatory field)"))
    if organization_code is None:
        problems.append(
            Problem("organization_code", "mandatory", None, "a value (mandatory field)")
        )
    for name, (allowed, listed) in _ALLOWED.items():
        value = row.get(name)
        if value is not None and value not in allowed:
            problems.append(Problem(name, "code_unknown", str(value), f"one of {listed}"))
    birth = row.get("birth_date")
    if birth is not None and not MIN_AGE <= age_on(birth, today) <= MAX_AGE:
        problems.append(
            Problem(
                "birth_date",
                "birth_date_implausible",
                birth.isoformat(),
                f"a person {MIN_AGE} to {MAX_AGE} years old",
            )
        )
    problems += personal_id_rules(row)
    problems += date_rules(row, today)
    problems += age_rules(row, today)
    problems += pay_rules(row)
    return problems
