"""Rules that read several fields of one normalised person row together. Pure.

- **Pay**: the grade's salary scale (grades.yaml) is the scale the person is paid on; the step
  is one of that scale's; the coefficient is that step's (salary_scales.yaml); the grade belongs
  to the person's category (a civil-service grade for a civil servant, a professional title for
  a public employee).
- **Personal ID** (12 digits): digits 1-3 the province of birth registration, digit 4 gender and
  century, digits 5-6 the birth year; each must agree with the record, and the province with
  the place of birth when that names a province.
- **Date order**: birth before every other date; recruitment before appointment to the current
  position, before the current pay step, before leaving; joining the Party before becoming a
  full member; no date after today.
- **Ages by category**: the youngest recruitment age and the oldest active age of each category
  (data/age_rules.yaml, with their sources).

Each function returns the problems it finds; `validate` gathers them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from store.codelists import load_code_list, salary_steps
from store.text import fold
from vocabulary.problems import Problem

_AGE_RULES = Path(__file__).with_name("data") / "age_rules.yaml"
_PERSONAL_ID_FORM = (
    "12 digits: province of birth (3), gender and century (1), birth year (2), 6 more"
)


# --- pay -----------------------------------------------------------------------------------------


@functools.cache
def scale_steps() -> Mapping[str, Mapping[int, Decimal]]:
    return {e["code"]: dict(salary_steps(e)) for e in load_code_list("salary_scales").entries}


@functools.cache
def _grades() -> Mapping[str, Mapping[str, Any]]:
    return load_code_list("grades").by_code


def pay_rules(row: Mapping[str, Any]) -> list[Problem]:
    grade, scale, step, coefficient = (
        row.get("grade_code"), row.get("salary_scale_code"), row.get("salary_step"),
        row.get("salary_coefficient"),
    )  # fmt: skip
    problems: list[Problem] = []
    entry = _grades().get(grade) if grade is not None else None
    if entry is not None:
        category = row.get("category")
        if category in ("civil_servant", "public_employee") and entry["category"] != category:
            problems.append(
                Problem("grade_code", "grade_category_mismatch", grade, f"a grade of {category}")
            )
        if scale is not None and entry["scale"] != scale:
            problems.append(
                Problem(
                    "salary_scale_code",
                    "grade_scale_mismatch",
                    scale,
                    f"scale {entry['scale']}, the scale of grade {grade}",
                )
            )
    if scale is None and step is None and coefficient is None:
        return problems
    steps = scale_steps().get(scale) if scale is not None else None
    if steps is None:
        problems.append(
            Problem("salary_scale_code", "reference_unknown", scale, "a scale of salary_scales")
        )
        return problems
    if not isinstance(step, int) or step not in steps:
        problems.append(
            Problem(
                "salary_step",
                "salary_step_out_of_scale",
                None if step is None else str(step),
                f"a step from 1 to {max(steps)} of scale {scale}",
            )
        )
        return problems
    if coefficient is not None and coefficient != steps[step]:
        problems.append(
            Problem(
                "salary_coefficient",
                "salary_coefficient_mismatch",
                str(coefficient),
                f"{steps[step]}, the coefficient of step {step} of scale {scale}",
            )
        )
    return problems


# --- the personal ID ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Provinces:
    old: frozenset[str]  # 3-digit birth-registration codes
    by_name: Mapping[str, frozenset[str]]  # folded province name -> the old codes it covers


@functools.cache
def _provinces() -> _Provinces:
    old = load_code_list("old_provinces").entries
    new = {e["code"]: e["name"] for e in load_code_list("provinces").entries}
    by_name: dict[str, set[str]] = {}
    for entry in old:
        by_name.setdefault(fold(entry["name"]), set()).add(entry["code"])
        # a place of birth written with the province it is in today
        by_name.setdefault(fold(new[entry["merged_into"]]), set()).add(entry["code"])
    return _Provinces(
        frozenset(e["code"] for e in old), {k: frozenset(v) for k, v in by_name.items()}
    )


_PROVINCE_WORDS = ("tinh ", "thanh pho ", "tp. ", "tp ")


def province_named(place: str | None) -> frozenset[str] | None:
    """The old province codes a place of birth names by its last part ("..., tỉnh Nghệ An"),
    or None when it names no province (a village alone, a foreign country)."""
    if not place:
        return None
    return _province_of(place.rsplit(",", 1)[-1])


# places of birth end in one of a few hundred provinces and cities: folded once each
@functools.lru_cache(maxsize=4096)
def _province_of(last_part: str) -> frozenset[str] | None:
    last = fold(last_part).strip()
    for word in _PROVINCE_WORDS:
        if last.startswith(word):
            last = last[len(word) :].strip()
            break
    return _provinces().by_name.get(last)


def personal_id_rules(row: Mapping[str, Any]) -> list[Problem]:
    """12 digits, a known province prefix, a gender/century digit and birth-year digits that
    agree with the record, and the province of the place of birth when it names one."""
    personal_id: str | None = row.get("personal_id")
    gender, birth = row.get("gender"), row.get("birth_date")
    if personal_id is None:
        return []
    if len(personal_id) != 12 or not personal_id.isdigit():
        return [Problem("personal_id", "personal_id_format", personal_id, _PERSONAL_ID_FORM)]
    problems = []
    province = personal_id[:3]
    if province not in _provinces().old:
        problems.append(
            Problem("personal_id", "personal_id_province", personal_id, "a province code 001-096")
        )
    else:
        named = province_named(row.get("birth_place"))
        if named is not None and province not in named:
            problems.append(
                Problem(
                    "personal_id",
                    "personal_id_birth_province",
                    personal_id,
                    "the code of the province of birth in the first 3 digits",
                )
            )
    digit = int(personal_id[3])
    if digit > 3:
        problems.append(
            Problem("personal_id", "personal_id_century", personal_id, "0-3 in the 4th digit")
        )
        return problems
    if gender is not None and (digit % 2 == 1) != (gender == "female"):
        problems.append(
            Problem(
                "personal_id",
                "personal_id_gender",
                personal_id,
                "an even 4th digit for a man, odd for a woman",
            )
        )
    if birth is not None:
        century = 1900 if digit < 2 else 2000
        if not century <= birth.year < century + 100:
            problems.append(
                Problem(
                    "personal_id",
                    "personal_id_century",
                    personal_id,
                    "0/1 in the 4th digit for births 1900-1999, 2/3 for 2000-2099",
                )
            )
        elif personal_id[4:6] != f"{birth.year % 100:02d}":
            problems.append(
                Problem(
                    "personal_id",
                    "personal_id_birth_year",
                    personal_id,
                    "the last two digits of the birth year in digits 5-6",
                )
            )
    return problems


# --- dates ---------------------------------------------------------------------------------------

# (earlier, later): the later field may not come before the earlier one
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("recruited_on", "position_since"),
    ("recruited_on", "salary_since"),
    ("party_joined_on", "party_official_on"),
)
_LEAVING = ("retired", "transferred", "resigned", "dismissed", "deceased")


def date_rules(row: Mapping[str, Any], today: date) -> list[Problem]:
    problems: list[Problem] = []
    birth = row.get("birth_date")
    dates = {name: value for name, value in row.items() if isinstance(value, date)}
    for name, value in dates.items():
        if value > today:
            problems.append(
                Problem(name, "date_in_future", value.isoformat(), "a date not after today")
            )
        elif name != "birth_date" and birth is not None and value <= birth:
            problems.append(
                Problem(name, "date_before_birth", value.isoformat(), "a date after birth")
            )
    for earlier, later in DATE_ORDER:
        first, second = dates.get(earlier), dates.get(later)
        if first is not None and second is not None and second < first:
            problems.append(
                Problem(later, "date_order", second.isoformat(), f"on or after {earlier}")
            )
    recruited, since = dates.get("recruited_on"), dates.get("status_since")
    if row.get("status") in _LEAVING and recruited and since and since < recruited:
        problems.append(
            Problem("status_since", "date_order", since.isoformat(), "on or after recruited_on")
        )
    return problems


# --- ages ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeRule:
    min_recruitment: int
    max_active: int


@functools.cache
def age_rules_by_category() -> Mapping[str, AgeRule]:
    document = yaml.safe_load(_AGE_RULES.read_text(encoding="utf-8"))
    return {name: AgeRule(**rule) for name, rule in document["categories"].items()}


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_rules(row: Mapping[str, Any], today: date) -> list[Problem]:
    birth, category = row.get("birth_date"), row.get("category")
    rule = age_rules_by_category().get(category) if isinstance(category, str) else None
    if birth is None or rule is None:
        return []
    problems = []
    recruited = row.get("recruited_on")
    if (
        recruited is not None
        and birth < recruited
        and age_on(birth, recruited) < rule.min_recruitment
    ):
        problems.append(
            Problem(
                "recruited_on",
                "recruited_before_working_age",
                recruited.isoformat(),
                f"at least {rule.min_recruitment} years after birth for {category}",
            )
        )
    if row.get("status", "active") == "active" and age_on(birth, today) > rule.max_active:
        problems.append(
            Problem(
                "birth_date",
                "age_above_service",
                birth.isoformat(),
                f"an active {category} at most {rule.max_active} years old",
            )
        )
    return problems
