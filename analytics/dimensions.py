"""What a breakdown may group or filter by, where each dimension comes from, and what it reveals.

A group-by or filter on a dimension reveals the Person field behind it, so a caller needs the
right to see that field for every person counted (never an oracle): `REVEALS` names the field,
checked against the caller's policy like the directory's filters (docs/analytics.md).
"""

from __future__ import annotations

from enum import StrEnum


class Dimension(StrEnum):
    PROVINCE = "province"
    ORGANIZATION = "organization"
    CATEGORY = "category"
    GENDER = "gender"
    AGE_BAND = "age_band"
    ETHNICITY = "ethnicity"
    EDUCATION = "education"
    POLITICAL_THEORY = "political_theory"
    GRADE = "grade"
    SALARY_SCALE = "salary_scale"
    STATUS = "status"


REVEALS: dict[Dimension, str] = {
    Dimension.PROVINCE: "organization",
    Dimension.ORGANIZATION: "organization",
    Dimension.CATEGORY: "category",
    Dimension.GENDER: "gender",
    Dimension.AGE_BAND: "birthDate",
    Dimension.ETHNICITY: "ethnicity",
    Dimension.EDUCATION: "education",
    Dimension.POLITICAL_THEORY: "education",
    Dimension.GRADE: "grade",
    Dimension.SALARY_SCALE: "salary",
    Dimension.STATUS: "status",
}
"""Dimension -> the Person field it reveals (policies/classes.yaml decides who sees it)."""

CUBE_COLUMN: dict[Dimension, str] = {
    Dimension.PROVINCE: "organization_id",
    Dimension.ORGANIZATION: "organization_id",
    Dimension.CATEGORY: "category",
    Dimension.GENDER: "gender",
    Dimension.AGE_BAND: "birth_year",
    Dimension.ETHNICITY: "ethnicity",
    Dimension.EDUCATION: "education",
    Dimension.POLITICAL_THEORY: "political_theory",
    Dimension.GRADE: "grade",
    Dimension.SALARY_SCALE: "salary_scale",
    Dimension.STATUS: "status",
}
"""Dimension -> the summary column it is computed from."""

ORGANIZATION_DIMENSIONS = frozenset({Dimension.PROVINCE, Dimension.ORGANIZATION})

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("<30", 0, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60+", 60, 200),
)
"""(label, lowest age, highest age): age is the reference year minus the birth year."""


def age_band_sql(column: str, reference_year: int) -> str:
    """A CASE expression giving the band of `column` (a birth year) in `reference_year`."""
    cases = " ".join(
        f"WHEN {int(reference_year)} - {column} BETWEEN {low} AND {high} THEN '{label}'"
        for label, low, high in AGE_BANDS[1:]
    )
    return f"(CASE {cases} ELSE '{AGE_BANDS[0][0]}' END)"
