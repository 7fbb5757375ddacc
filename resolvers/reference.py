"""The code lists, held in memory: small, read on every page, changed only by a deploy.

Resolving a grade, scale, ethnic group or position costs no SQL statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store import models


@dataclass(frozen=True)
class Code:
    code: str
    name: str


@dataclass(frozen=True)
class ScaleEntry:
    code: str
    name: str
    group: str
    first_coefficient: Decimal
    increment: Decimal
    steps: tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True)
class GradeEntry:
    code: str
    name: str
    category: str
    scale_code: str


@dataclass(frozen=True)
class PositionEntry:
    code: str
    name: str
    level: str
    allowance_coefficient: Decimal


@dataclass(frozen=True)
class Reference:
    ethnic_groups: Mapping[str, Code]
    religions: Mapping[str, Code]
    scales: Mapping[str, ScaleEntry]
    grades: Mapping[str, GradeEntry]
    positions: Mapping[str, PositionEntry]


async def load_reference(engine: AsyncEngine) -> Reference:
    async with engine.connect() as conn:

        async def codes(
            model: type[models.EthnicGroup] | type[models.Religion],
        ) -> Mapping[str, Code]:
            rows = await conn.execute(select(model.code, model.name))
            return MappingProxyType({code: Code(code, name) for code, name in rows})

        steps: dict[str, list[tuple[int, Decimal]]] = {}
        step_rows = await conn.execute(
            select(
                models.SalaryStep.scale_code, models.SalaryStep.step, models.SalaryStep.coefficient
            ).order_by(models.SalaryStep.scale_code, models.SalaryStep.step)
        )
        for scale_code, step, coefficient in step_rows:
            steps.setdefault(scale_code, []).append((step, coefficient))
        scales = {
            row.code: ScaleEntry(
                row.code,
                row.name,
                row.group,
                row.first_coefficient,
                row.increment,
                tuple(steps.get(row.code, ())),
            )
            for row in await conn.execute(select(models.SalaryScale.__table__))
        }
        grades = {
            row.code: GradeEntry(row.code, row.name, row.category, row.scale_code)
            for row in await conn.execute(select(models.Grade.__table__))
        }
        positions = {
            row.code: PositionEntry(row.code, row.name, row.level, row.allowance_coefficient)
            for row in await conn.execute(select(models.Position.__table__))
        }
        return Reference(
            ethnic_groups=await codes(models.EthnicGroup),
            religions=await codes(models.Religion),
            scales=MappingProxyType(scales),
            grades=MappingProxyType(grades),
            positions=MappingProxyType(positions),
        )
