"""The dossier's lists: the rows of NĐ 27/2026's groups that a person has many of.

Family members (group 2), personal-history periods (3), training courses and certificates (5),
rewards, discipline, allowances and annual ratings (6), armed-forces service (8), asset and
income declarations (9) and health records (10). The person row (store/models.py) keeps the
current values of groups 1, 4, 5, 6 and 7; these tables are the national store's copy of what
was only served live from the owning agency, so they feed the CV, statistics and quality checks
while the agency is down.

Every row carries its own provenance (the source, its record id and version, when it was
synced), as the person row does. Which fields exist, their types and classes are the field
catalogue's (vocabulary/data/dossier_fields.yaml); tests/store/test_dossier_catalogue.py fails
when these models disagree with it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from store.dossier_vocabulary import (
    AllowanceKind,
    BloodGroup,
    DisciplineKind,
    FamilyRelation,
    HealthStatus,
    TrainingKind,
)
from store.models import Base
from store.vocabulary import PerformanceRating, check_in


class DossierRow:
    """What every dossier row has: its person, and where the store's copy came from."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)

    @declared_attr
    def person_id(cls) -> Mapped[int]:  # noqa: N805  # a declared_attr takes the class
        return mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)

    source_id: Mapped[str] = mapped_column(Text)
    source_record_id: Mapped[str] = mapped_column(Text)
    source_version: Mapped[str] = mapped_column(Text)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def _period(start: str, end: str) -> CheckConstraint:
    return CheckConstraint(f"{end} IS NULL OR {end} >= {start}", name="period_order")


class FamilyMember(DossierRow, Base):
    __tablename__ = "dossier_family_member"
    __table_args__ = (
        CheckConstraint(check_in("relation", FamilyRelation), name="relation"),
        CheckConstraint("birth_year BETWEEN 1880 AND 2100", name="birth_year"),
    )
    relation: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(Text)
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    occupation: Mapped[str | None] = mapped_column(Text)
    workplace: Mapped[str | None] = mapped_column(Text)
    residence: Mapped[str | None] = mapped_column(Text)


class HistoryPeriod(DossierRow, Base):
    """A period of the self-declared personal history (group 3): from, to, what and where."""

    __tablename__ = "dossier_history_period"
    __table_args__ = (_period("start_on", "end_on"),)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)


class TrainingCourse(DossierRow, Base):
    __tablename__ = "dossier_training_course"
    __table_args__ = (
        CheckConstraint(check_in("kind", TrainingKind), name="kind"),
        _period("start_on", "end_on"),
    )
    kind: Mapped[str] = mapped_column(String(32))
    institution: Mapped[str] = mapped_column(Text)
    field_of_study: Mapped[str | None] = mapped_column(Text)
    qualification: Mapped[str | None] = mapped_column(Text)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)


class Reward(DossierRow, Base):
    __tablename__ = "dossier_reward"
    decided_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(Text)
    decision_number: Mapped[str | None] = mapped_column(Text)


class Discipline(DossierRow, Base):
    __tablename__ = "dossier_discipline"
    __table_args__ = (
        CheckConstraint(check_in("kind", DisciplineKind), name="kind"),
        _period("decided_on", "expires_on"),
    )
    decided_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(Text)
    expires_on: Mapped[date | None] = mapped_column(Date)


class Allowance(DossierRow, Base):
    __tablename__ = "dossier_allowance"
    __table_args__ = (
        CheckConstraint(check_in("kind", AllowanceKind), name="kind"),
        CheckConstraint(
            "(coefficient IS NULL) <> (percent IS NULL)", name="coefficient_or_percent"
        ),
        CheckConstraint("coefficient IS NULL OR coefficient > 0", name="coefficient_positive"),
        CheckConstraint("percent IS NULL OR percent BETWEEN 1 AND 100", name="percent_range"),
        _period("start_on", "end_on"),
    )
    kind: Mapped[str] = mapped_column(String(32))
    coefficient: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    percent: Mapped[int | None] = mapped_column(SmallInteger)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)


class AnnualRating(DossierRow, Base):
    __tablename__ = "dossier_annual_rating"
    __table_args__ = (
        CheckConstraint(check_in("rating", PerformanceRating), name="rating"),
        CheckConstraint("year BETWEEN 1945 AND 2100", name="year"),
        UniqueConstraint("person_id", "year", name="uq_dossier_annual_rating_person_year"),
    )
    year: Mapped[int] = mapped_column(SmallInteger)
    rating: Mapped[str] = mapped_column(String(16))


class MilitaryService(DossierRow, Base):
    __tablename__ = "dossier_military_service"
    __table_args__ = (_period("enlisted_on", "discharged_on"),)
    enlisted_on: Mapped[date] = mapped_column(Date)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    highest_rank: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)


class AssetDeclaration(DossierRow, Base):
    """An annual declaration of assets and income (Law on Anti-corruption 2018, unverified)."""

    __tablename__ = "dossier_asset_declaration"
    __table_args__ = (
        CheckConstraint("year BETWEEN 1945 AND 2100", name="year"),
        CheckConstraint("annual_income_vnd >= 0", name="income_non_negative"),
        UniqueConstraint("person_id", "year", name="uq_dossier_asset_declaration_person_year"),
    )
    year: Mapped[int] = mapped_column(SmallInteger)
    annual_income_vnd: Mapped[Decimal] = mapped_column(Numeric(16, 0))
    houses: Mapped[str | None] = mapped_column(Text)
    land: Mapped[str | None] = mapped_column(Text)
    other_assets: Mapped[str | None] = mapped_column(Text)


class HealthRecord(DossierRow, Base):
    __tablename__ = "dossier_health_record"
    __table_args__ = (
        CheckConstraint(check_in("status", HealthStatus), name="status"),
        CheckConstraint(
            f"blood_group IS NULL OR {check_in('blood_group', BloodGroup)}", name="blood_group"
        ),
        CheckConstraint("height_cm IS NULL OR height_cm BETWEEN 100 AND 250", name="height"),
        CheckConstraint("weight_kg IS NULL OR weight_kg BETWEEN 25 AND 300", name="weight"),
    )
    recorded_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    height_cm: Mapped[int | None] = mapped_column(SmallInteger)
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    blood_group: Mapped[str | None] = mapped_column(String(2))


DOSSIER_MODELS: tuple[type[Base], ...] = (
    FamilyMember,
    HistoryPeriod,
    TrainingCourse,
    Reward,
    Discipline,
    Allowance,
    AnnualRating,
    MilitaryService,
    AssetDeclaration,
    HealthRecord,
)

# the order of each list as the CV prints it (and as connections page it), then the row's id
LIST_ORDER: dict[str, tuple[str, ...]] = {
    "dossier_family_member": ("birth_year",),
    "dossier_history_period": ("start_on",),
    "dossier_training_course": ("start_on",),
    "dossier_reward": ("decided_on",),
    "dossier_discipline": ("decided_on",),
    "dossier_allowance": ("start_on",),
    "dossier_annual_rating": ("year",),
    "dossier_military_service": ("enlisted_on",),
    "dossier_asset_declaration": ("year",),
    "dossier_health_record": ("recorded_on",),
}
