"""Typed views of the code lists: grades, salary scales, positions, ethnic groups, religions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from resolvers.reference import Code, GradeEntry, PositionEntry, Reference, ScaleEntry

BASE_SALARY_VND = 2_340_000
"""Mức lương cơ sở from 1 July 2024: pay = coefficient × base salary."""


@strawberry.type(description="An entry of a code list: ethnic group, religion.")
class CodeEntry:
    code: str
    name: str

    @classmethod
    def of(cls, entry: Code | None) -> CodeEntry | None:
        return None if entry is None else cls(code=entry.code, name=entry.name)


@strawberry.type
class SalaryStep:
    step: int
    coefficient: Decimal


@strawberry.type(description="A salary scale (bảng lương) with its steps (bậc).")
class SalaryScale:
    code: str
    name: str
    group: str
    steps: list[SalaryStep]

    @classmethod
    def of(cls, entry: ScaleEntry | None) -> SalaryScale | None:
        if entry is None:
            return None
        return cls(
            code=entry.code,
            name=entry.name,
            group=entry.group,
            steps=[SalaryStep(step=s, coefficient=c) for s, c in entry.steps],
        )


@strawberry.type(description="A civil-service grade (ngạch) or professional title (chức danh).")
class Grade:
    code: str
    name: str
    category: str
    scale: SalaryScale | None
    masked_fields: strawberry.Private[frozenset[str]] = frozenset()
    """What this grade would give away about the person it was reached from (policies/
    derived.yaml): `scale` where the person's salary is masked."""

    @classmethod
    def of(
        cls, entry: GradeEntry | None, reference: Reference, masked: frozenset[str] = frozenset()
    ) -> Grade | None:
        if entry is None:
            return None
        return cls(
            code=entry.code,
            name=entry.name,
            category=entry.category,
            scale=None
            if "scale" in masked
            else SalaryScale.of(reference.scales.get(entry.scale_code)),
            masked_fields=masked,
        )


@strawberry.type(description="A post or title (chức vụ).")
class Position:
    code: str
    name: str
    level: str
    allowance_coefficient: Decimal | None
    masked_fields: strawberry.Private[frozenset[str]] = frozenset()
    """What this post would give away about its holder: the allowance, where pay is masked."""

    @classmethod
    def of(
        cls, entry: PositionEntry | None, masked: frozenset[str] = frozenset()
    ) -> Position | None:
        if entry is None:
            return None
        return cls(
            code=entry.code,
            name=entry.name,
            level=entry.level,
            allowance_coefficient=None
            if "allowanceCoefficient" in masked
            else entry.allowance_coefficient,
            masked_fields=masked,
        )


@strawberry.type(description="Current salary: scale, step and coefficient (hệ số lương).")
class Salary:
    scale: SalaryScale | None
    step: int | None
    coefficient: Decimal | None
    since: date | None
    masked_fields: strawberry.Private[frozenset[str]] = frozenset()

    @strawberry.field(description="Coefficient × the base salary, in VND per month.")
    def monthly_base_amount(self) -> int | None:
        if self.coefficient is None:
            return None
        return int(self.coefficient * BASE_SALARY_VND)
