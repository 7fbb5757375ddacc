"""SQLAlchemy models of the Ministry store: organisations, people, staffing quotas, code lists.

People carry data groups 1 (identity), 4 (recruitment and posts), 5 (education), 6 (work, grade,
salary) and 7 (party and union membership) of NĐ 27/2026 as current values; histories arrive live
from the owning agency. Every person row records where it came from (provenance).
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
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.vocabulary import (
    Gender,
    OrgLevel,
    OrgStatus,
    PerformanceRating,
    PersonnelCategory,
    PersonStatus,
    PoliticalTheory,
    ProfessionalLevel,
    StateManagement,
    check_in,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """A model's Table, typed as one (mapped classes declare it as a FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


# --- code lists ---------------------------------------------------------------------------------


class CodeListVersion(Base):
    """Which version of each code-list file is loaded, and where its facts come from."""

    __tablename__ = "code_list"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EthnicGroup(Base):
    __tablename__ = "ethnic_group"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class Religion(Base):
    __tablename__ = "religion"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class SalaryScale(Base):
    __tablename__ = "salary_scale"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    group: Mapped[str] = mapped_column(String(8))
    first_coefficient: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    increment: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    steps: Mapped[int] = mapped_column(SmallInteger)


class SalaryStep(Base):
    __tablename__ = "salary_step"
    scale_code: Mapped[str] = mapped_column(ForeignKey("salary_scale.code"), primary_key=True)
    step: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    coefficient: Mapped[Decimal] = mapped_column(Numeric(4, 2))


class Grade(Base):
    """A civil-service grade (ngạch) or a public employee's professional title (chức danh)."""

    __tablename__ = "grade"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    scale_code: Mapped[str] = mapped_column(ForeignKey("salary_scale.code"))


class Province(Base):
    __tablename__ = "province"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(String(16))


class OldProvince(Base):
    """A pre-2025 province: its 3-digit code still begins the personal IDs of people born there."""

    __tablename__ = "old_province"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    merged_into: Mapped[str] = mapped_column(ForeignKey("province.code"))


class Commune(Base):
    __tablename__ = "commune"
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)


class Position(Base):
    """A post or title (chức vụ) with its position allowance coefficient."""

    __tablename__ = "position"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    allowance_coefficient: Mapped[Decimal] = mapped_column(Numeric(4, 2))


# --- organisations ------------------------------------------------------------------------------


class Organization(Base):
    """An organisation in the national tree.

    `path` is the materialised path of ids from the root ("/1/7/42/"), kept by a trigger, so that
    a subtree is one indexed prefix match (no contrib `ltree` is available).
    """

    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint(check_in("level", OrgLevel), name="level"),
        CheckConstraint(check_in("status", OrgStatus), name="status"),
        CheckConstraint("(status = 'active') = (status_changed_on IS NULL)", name="status_date"),
        CheckConstraint("status <> 'merged' OR successor_id IS NOT NULL", name="merged_successor"),
        Index("ix_organization_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(35), unique=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    path: Mapped[str] = mapped_column(Text, server_default="")
    depth: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    administrative_unit_code: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(16), server_default=OrgStatus.ACTIVE.value)
    established_on: Mapped[date | None] = mapped_column(Date)
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))


class StaffingQuota(Base):
    """Biên chế: the headcount an organisation may employ in a year, per category."""

    __tablename__ = "staffing_quota"
    __table_args__ = (
        CheckConstraint(
            "civil_servants >= 0 AND public_employees >= 0 AND contract_staff >= 0",
            name="non_negative",
        ),
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    civil_servants: Mapped[int] = mapped_column(Integer)
    public_employees: Mapped[int] = mapped_column(Integer)
    contract_staff: Mapped[int] = mapped_column(Integer)


# --- people -------------------------------------------------------------------------------------


class Person(Base):
    """The integrated national record of one cadre, civil servant or public employee."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("personal_id ~ '^[0-9]{12}$'", name="personal_id_format"),
        CheckConstraint(check_in("gender", Gender), name="gender"),
        CheckConstraint(check_in("category", PersonnelCategory), name="category"),
        CheckConstraint(check_in("status", PersonStatus), name="status"),
        CheckConstraint(check_in("professional_level", ProfessionalLevel), name="prof_level"),
        CheckConstraint(check_in("political_theory", PoliticalTheory), name="political_theory"),
        CheckConstraint(check_in("state_management", StateManagement), name="state_management"),
        CheckConstraint(
            f"performance_rating IS NULL OR {check_in('performance_rating', PerformanceRating)}",
            name="performance_rating",
        ),
        ForeignKeyConstraint(
            ["salary_scale_code", "salary_step"],
            ["salary_step.scale_code", "salary_step.step"],
            name="fk_person_salary_step",
        ),
        # the directory order, and the same order within one organisation
        Index("ix_person_order", "name_sort", "id"),
        # a source's record by its own id (the sync finds tombstones, which carry no personal ID)
        Index("ix_person_source_record", "source_id", "source_record_id"),
        # one active row per source record: a personal ID corrected at the source updates that
        # row, it never adds a second one (migration 0010)
        Index(
            "uq_person_source_record_active",
            "source_id",
            "source_record_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_person_org_order", "organization_id", "name_sort", "id"),
        # diacritic- and case-insensitive name search with prefix matching, in core PostgreSQL
        Index(
            "ix_person_name_search",
            text("to_tsvector('simple', name_search)"),
            postgresql_using="gin",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # group 1: identity and background
    personal_id: Mapped[str] = mapped_column(String(12), unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    family_name: Mapped[str] = mapped_column(Text)
    middle_name: Mapped[str | None] = mapped_column(Text)
    given_name: Mapped[str] = mapped_column(Text)
    other_names: Mapped[str | None] = mapped_column(Text)
    name_search: Mapped[str] = mapped_column(Text)
    """The full name without diacritics, lower case: what name search matches."""
    name_sort: Mapped[str] = mapped_column(Text)
    """Given name first, then family and middle names, without diacritics: the directory order."""
    gender: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[date] = mapped_column(Date)
    birth_place: Mapped[str | None] = mapped_column(Text)
    home_town: Mapped[str | None] = mapped_column(Text)
    ethnicity_code: Mapped[str] = mapped_column(ForeignKey("ethnic_group.code"))
    religion_code: Mapped[str] = mapped_column(ForeignKey("religion.code"))
    permanent_address: Mapped[str | None] = mapped_column(Text)
    current_address: Mapped[str | None] = mapped_column(Text)
    # group 4: recruitment and posts
    category: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), server_default=PersonStatus.ACTIVE.value)
    status_since: Mapped[date | None] = mapped_column(Date)
    recruited_on: Mapped[date | None] = mapped_column(Date)
    position_code: Mapped[str | None] = mapped_column(ForeignKey("position.code"))
    position_since: Mapped[date | None] = mapped_column(Date)
    # group 5: education and training
    general_education: Mapped[str | None] = mapped_column(String(8))
    professional_level: Mapped[str] = mapped_column(String(16))
    field_of_study: Mapped[str | None] = mapped_column(Text)
    political_theory: Mapped[str] = mapped_column(String(16))
    state_management: Mapped[str] = mapped_column(String(24))
    foreign_language: Mapped[str | None] = mapped_column(Text)
    it_skill: Mapped[str | None] = mapped_column(Text)
    # group 6: work, grade and salary
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    job_position: Mapped[str | None] = mapped_column(Text)
    grade_code: Mapped[str | None] = mapped_column(ForeignKey("grade.code"), index=True)
    salary_scale_code: Mapped[str | None] = mapped_column(String(8))
    salary_step: Mapped[int | None] = mapped_column(SmallInteger)
    salary_coefficient: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    salary_since: Mapped[date | None] = mapped_column(Date)
    performance_rating: Mapped[str | None] = mapped_column(String(16))
    performance_year: Mapped[int | None] = mapped_column(SmallInteger)
    # group 7: party and socio-political organisations
    party_joined_on: Mapped[date | None] = mapped_column(Date)
    party_official_on: Mapped[date | None] = mapped_column(Date)
    trade_union_joined_on: Mapped[date | None] = mapped_column(Date)
    youth_union_joined_on: Mapped[date | None] = mapped_column(Date)
    # provenance
    source_id: Mapped[str] = mapped_column(Text)
    source_record_id: Mapped[str] = mapped_column(Text)
    source_version: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# The triggers that keep Organization.path and depth: a row's path is its parent's plus its id,
# and a move re-roots the whole subtree below the moved organisation. One statement per item
# (asyncpg prepares each statement and refuses several in one). This is the declaration, as
# store.metadata.metadata is for the tables: migration 0001 holds the text it ran, and a test
# checks that a migrated store has exactly these, so a change here is a new migration.
ORGANIZATION_PATH_TRIGGER = (
    """
CREATE FUNCTION organization_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_path text;
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := '/' || NEW.id || '/';
    ELSE
        SELECT path INTO parent_path FROM organization WHERE id = NEW.parent_id;
        IF parent_path IS NULL THEN
            RAISE EXCEPTION 'organization % has unknown parent %', NEW.code, NEW.parent_id;
        END IF;
        IF position('/' || NEW.id || '/' IN parent_path) > 0 THEN
            RAISE EXCEPTION 'organization % cannot be its own ancestor', NEW.code;
        END IF;
        NEW.path := parent_path || NEW.id || '/';
    END IF;
    NEW.depth := length(NEW.path) - length(replace(NEW.path, '/', '')) - 2;
    RETURN NEW;
END $$""",
    """
CREATE TRIGGER organization_path BEFORE INSERT OR UPDATE OF parent_id ON organization
    FOR EACH ROW EXECUTE FUNCTION organization_set_path()""",
    """
CREATE FUNCTION organization_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organization
       SET path = NEW.path || substr(path, length(OLD.path) + 1),
           depth = depth + (NEW.depth - OLD.depth)
     WHERE path LIKE OLD.path || '%' AND id <> NEW.id;
    RETURN NULL;
END $$""",
    """
CREATE TRIGGER organization_move AFTER UPDATE OF parent_id ON organization
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION organization_move_subtree()""",
)
