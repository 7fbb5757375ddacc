"""Types of what agencies and national databases supply live: histories, identity, insurance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry

from store.text import nfc
from vocabulary.sources import IdentityRecord, InsuranceRecord


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


@strawberry.type(description="A post held, from the owning agency (data group 4).")
class WorkHistoryEntry:
    start: date | None
    end: date | None
    organization: str | None
    position: str | None

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> WorkHistoryEntry:
        return cls(
            start=_date(e.get("start")),
            end=_date(e.get("end")),
            organization=_str(e.get("organization")),
            position=_str(e.get("position")),
        )


@strawberry.type(description="A salary decision: grade, step and coefficient from a date.")
class SalaryHistoryEntry:
    start: date | None
    grade_code: str | None
    step: int | None
    coefficient: Decimal | None

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> SalaryHistoryEntry:
        return cls(
            start=_date(e.get("start")),
            grade_code=_str(e.get("grade_code")),
            step=_int(e.get("step")),
            coefficient=_decimal(e.get("coefficient")),
        )


@strawberry.type(description="A course or degree (data group 5).")
class TrainingEntry:
    start: date | None
    end: date | None
    institution: str | None
    field: str | None
    qualification: str | None

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> TrainingEntry:
        return cls(
            start=_date(e.get("start")),
            end=_date(e.get("end")),
            institution=_str(e.get("institution")),
            field=_str(e.get("field")),
            qualification=_str(e.get("qualification")),
        )


@strawberry.type
class RewardEntry:
    year: int | None
    kind: str | None
    decided_by: str | None

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> RewardEntry:
        return cls(
            year=_int(e.get("year")), kind=_str(e.get("kind")), decided_by=_str(e.get("decided_by"))
        )


@strawberry.type
class DisciplineEntry:
    date: date | None
    kind: str | None
    reason: str | None

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> DisciplineEntry:
        return cls(
            date=_date(e.get("date")), kind=_str(e.get("kind")), reason=_str(e.get("reason"))
        )


@strawberry.type(description="An annual performance rating.")
class EvaluationEntry:
    year: int | None
    rating: str | None

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> EvaluationEntry:
        return cls(year=_int(e.get("year")), rating=_str(e.get("rating")))


@strawberry.type(description="A relative (data group 2).")
class FamilyMember:
    relation: str | None
    full_name: str | None
    birth_year: int | None
    occupation: str | None

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> FamilyMember:
        return cls(
            relation=_str(e.get("relation")),
            full_name=_str(e.get("full_name")),
            birth_year=_int(e.get("birth_year")),
            occupation=_str(e.get("occupation")),
        )


@strawberry.type(description="One field compared with the population database.")
class FieldCheck:
    field: str
    store: str | None
    population: str | None
    matches: bool


@strawberry.type(description="The store's identity fields against the population database.")
class IdentityCheck:
    matches: bool
    fields: list[FieldCheck]
    residence: str | None

    @classmethod
    def of(cls, row: Any, record: IdentityRecord | None) -> IdentityCheck:
        if record is None:
            return cls(
                matches=False,
                fields=[
                    FieldCheck(
                        field="personalId", store="(on record)", population=None, matches=False
                    )
                ],
                residence=None,
            )
        pairs = [
            (
                "fullName",
                row.full_name,
                record.full_name,
                nfc(row.full_name) == nfc(record.full_name),
            ),
            (
                "birthDate",
                row.birth_date.isoformat(),
                record.birth_date.isoformat(),
                row.birth_date == record.birth_date,
            ),
            ("gender", row.gender, record.gender, row.gender == record.gender),
        ]
        fields = [FieldCheck(field=f, store=s, population=p, matches=m) for f, s, p, m in pairs]
        return cls(
            matches=all(f.matches for f in fields), fields=fields, residence=record.residence
        )


@strawberry.type
class ContributionPeriod:
    start: date
    end: date | None
    employer: str
    salary_basis: Decimal


@strawberry.type(description="From the social insurance database.")
class SocialInsurance:
    insurance_number: str
    periods: list[ContributionPeriod]

    @classmethod
    def of(cls, record: InsuranceRecord) -> SocialInsurance:
        return cls(
            insurance_number=record.insurance_number,
            periods=[
                ContributionPeriod(
                    start=p.start, end=p.end, employer=p.employer, salary_basis=p.salary_basis
                )
                for p in record.periods
            ],
        )


@strawberry.type(description="The last error a source gave.")
class SourceErrorInfo:
    message: str
    code: str
    at: datetime


@strawberry.type(description="A source of data: an agency's database, a file drop, a registry.")
class SourceInfo:
    id: str
    kind: str
    owner: str | None
    capabilities: list[str]
    healthy: bool | None
    health_detail: str | None
    recent_latency_ms: float | None
    calls: int
    failures: int
    last_error: SourceErrorInfo | None
    circuit_state: str
