"""Tables of the analysis feature (issue 7): person-count summaries and the quota change log.

The summary tables ("cubes", store/cubes.py) are kept by statement-level triggers on
`person`; they hold no personal data, only counts per combination of coded values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from store.cubes import CUBES
from store.models import Base

_TYPES: dict[str, TypeEngine[Any]] = {
    "organization_id": BigInteger(),
    "category": String(32),
    "gender": String(8),
    "birth_year": SmallInteger(),
    "ethnicity": String(2),
    "education": String(16),
    "political_theory": String(16),
    "grade": String(16),
    "salary_scale": String(8),
    "status": String(16),
}

# Declared for their side effect: each summary table joins Base.metadata, so create_all and the
# schema comparison with the migrations know it.
for _cube in CUBES:
    Table(
        _cube.table,
        Base.metadata,
        *(Column(name, _TYPES[name], primary_key=True) for name in _cube.dimensions),
        Column("people", BigInteger, nullable=False),
    )


class StaffingQuotaChange(Base):
    """One change of a staffing quota by the central level: who, when, before and after."""

    __tablename__ = "staffing_quota_change"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    civil_servants: Mapped[int] = mapped_column(Integer)
    public_employees: Mapped[int] = mapped_column(Integer)
    contract_staff: Mapped[int] = mapped_column(Integer)
    previous_civil_servants: Mapped[int | None] = mapped_column(Integer)
    previous_public_employees: Mapped[int | None] = mapped_column(Integer)
    previous_contract_staff: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    organization: Mapped[str | None] = mapped_column(Text)
