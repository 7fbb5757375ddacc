"""Analysis: person-count summary tables with their triggers, and the staffing quota change log.

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The DDL this revision ran, kept here as text: migrations are history, so a later change to
# the cubes or their triggers is a new revision, never an edit of this one.
_SUMMARY_TRIGGERS = (
    """CREATE FUNCTION person_summary_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO person_summary_org (organization_id, category, gender, status, people) SELECT organization_id, category, gender, status, count(*) FROM new_rows GROUP BY organization_id, category, gender, status ORDER BY organization_id, category, gender, status ON CONFLICT (organization_id, category, gender, status) DO UPDATE SET people = person_summary_org.people + EXCLUDED.people;
INSERT INTO person_summary_org_age (organization_id, category, gender, birth_year, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, status, count(*) FROM new_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ON CONFLICT (organization_id, category, gender, birth_year, status) DO UPDATE SET people = person_summary_org_age.people + EXCLUDED.people;
INSERT INTO person_summary_nation (category, gender, birth_year, ethnicity, education, political_theory, status, people) SELECT category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status, count(*) FROM new_rows GROUP BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ORDER BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ON CONFLICT (category, gender, birth_year, ethnicity, education, political_theory, status) DO UPDATE SET people = person_summary_nation.people + EXCLUDED.people;
INSERT INTO person_summary_full (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status, count(*) FROM new_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ON CONFLICT (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status) DO UPDATE SET people = person_summary_full.people + EXCLUDED.people;
RETURN NULL;
END $$""",
    """CREATE TRIGGER person_summary_insert AFTER INSERT ON person REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_summary_insert()""",
    """CREATE FUNCTION person_summary_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO person_summary_org (organization_id, category, gender, status, people) SELECT organization_id, category, gender, status, -count(*) FROM old_rows GROUP BY organization_id, category, gender, status ORDER BY organization_id, category, gender, status ON CONFLICT (organization_id, category, gender, status) DO UPDATE SET people = person_summary_org.people + EXCLUDED.people;
INSERT INTO person_summary_org_age (organization_id, category, gender, birth_year, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, status, -count(*) FROM old_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ON CONFLICT (organization_id, category, gender, birth_year, status) DO UPDATE SET people = person_summary_org_age.people + EXCLUDED.people;
INSERT INTO person_summary_nation (category, gender, birth_year, ethnicity, education, political_theory, status, people) SELECT category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status, -count(*) FROM old_rows GROUP BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ORDER BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ON CONFLICT (category, gender, birth_year, ethnicity, education, political_theory, status) DO UPDATE SET people = person_summary_nation.people + EXCLUDED.people;
INSERT INTO person_summary_full (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status, -count(*) FROM old_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ON CONFLICT (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status) DO UPDATE SET people = person_summary_full.people + EXCLUDED.people;
RETURN NULL;
END $$""",
    """CREATE TRIGGER person_summary_delete AFTER DELETE ON person REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION person_summary_delete()""",
    """CREATE FUNCTION person_summary_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
INSERT INTO person_summary_org (organization_id, category, gender, status, people) SELECT organization_id, category, gender, status, -count(*) FROM old_rows GROUP BY organization_id, category, gender, status ORDER BY organization_id, category, gender, status ON CONFLICT (organization_id, category, gender, status) DO UPDATE SET people = person_summary_org.people + EXCLUDED.people;
INSERT INTO person_summary_org (organization_id, category, gender, status, people) SELECT organization_id, category, gender, status, count(*) FROM new_rows GROUP BY organization_id, category, gender, status ORDER BY organization_id, category, gender, status ON CONFLICT (organization_id, category, gender, status) DO UPDATE SET people = person_summary_org.people + EXCLUDED.people;
INSERT INTO person_summary_org_age (organization_id, category, gender, birth_year, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, status, -count(*) FROM old_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ON CONFLICT (organization_id, category, gender, birth_year, status) DO UPDATE SET people = person_summary_org_age.people + EXCLUDED.people;
INSERT INTO person_summary_org_age (organization_id, category, gender, birth_year, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, status, count(*) FROM new_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ON CONFLICT (organization_id, category, gender, birth_year, status) DO UPDATE SET people = person_summary_org_age.people + EXCLUDED.people;
INSERT INTO person_summary_nation (category, gender, birth_year, ethnicity, education, political_theory, status, people) SELECT category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status, -count(*) FROM old_rows GROUP BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ORDER BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ON CONFLICT (category, gender, birth_year, ethnicity, education, political_theory, status) DO UPDATE SET people = person_summary_nation.people + EXCLUDED.people;
INSERT INTO person_summary_nation (category, gender, birth_year, ethnicity, education, political_theory, status, people) SELECT category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status, count(*) FROM new_rows GROUP BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ORDER BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ON CONFLICT (category, gender, birth_year, ethnicity, education, political_theory, status) DO UPDATE SET people = person_summary_nation.people + EXCLUDED.people;
INSERT INTO person_summary_full (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status, -count(*) FROM old_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ON CONFLICT (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status) DO UPDATE SET people = person_summary_full.people + EXCLUDED.people;
INSERT INTO person_summary_full (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status, count(*) FROM new_rows GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ON CONFLICT (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status) DO UPDATE SET people = person_summary_full.people + EXCLUDED.people;
RETURN NULL;
END $$""",
    """CREATE TRIGGER person_summary_update AFTER UPDATE ON person REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_summary_update()""",
    """CREATE FUNCTION person_summary_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
TRUNCATE person_summary_org, person_summary_org_age, person_summary_nation, person_summary_full;
RETURN NULL;
END $$""",
    """CREATE TRIGGER person_summary_truncate AFTER TRUNCATE ON person FOR EACH STATEMENT EXECUTE FUNCTION person_summary_truncate()""",
    """CREATE FUNCTION refresh_summaries() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
LOCK TABLE person IN SHARE MODE;
TRUNCATE person_summary_org, person_summary_org_age, person_summary_nation, person_summary_full;
INSERT INTO person_summary_org (organization_id, category, gender, status, people) SELECT organization_id, category, gender, status, count(*) FROM person GROUP BY organization_id, category, gender, status ORDER BY organization_id, category, gender, status ON CONFLICT (organization_id, category, gender, status) DO UPDATE SET people = person_summary_org.people + EXCLUDED.people;
INSERT INTO person_summary_org_age (organization_id, category, gender, birth_year, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, status, count(*) FROM person GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, status ON CONFLICT (organization_id, category, gender, birth_year, status) DO UPDATE SET people = person_summary_org_age.people + EXCLUDED.people;
INSERT INTO person_summary_nation (category, gender, birth_year, ethnicity, education, political_theory, status, people) SELECT category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status, count(*) FROM person GROUP BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ORDER BY category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, status ON CONFLICT (category, gender, birth_year, ethnicity, education, political_theory, status) DO UPDATE SET people = person_summary_nation.people + EXCLUDED.people;
INSERT INTO person_summary_full (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status, people) SELECT organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status, count(*) FROM person GROUP BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ORDER BY organization_id, category, gender, extract(year FROM birth_date)::smallint, ethnicity_code, professional_level, political_theory, coalesce(grade_code, ''), coalesce(salary_scale_code, ''), status ON CONFLICT (organization_id, category, gender, birth_year, ethnicity, education, political_theory, grade, salary_scale, status) DO UPDATE SET people = person_summary_full.people + EXCLUDED.people;
ANALYZE person_summary_org, person_summary_org_age, person_summary_nation, person_summary_full;
END $$""",
)

_DROP_SUMMARY_TRIGGERS = (
    "DROP FUNCTION IF EXISTS refresh_summaries()",
    "DROP TRIGGER IF EXISTS person_summary_insert ON person",
    "DROP FUNCTION IF EXISTS person_summary_insert()",
    "DROP TRIGGER IF EXISTS person_summary_delete ON person",
    "DROP FUNCTION IF EXISTS person_summary_delete()",
    "DROP TRIGGER IF EXISTS person_summary_update ON person",
    "DROP FUNCTION IF EXISTS person_summary_update()",
    "DROP TRIGGER IF EXISTS person_summary_truncate ON person",
    "DROP FUNCTION IF EXISTS person_summary_truncate()",
)


def upgrade() -> None:
    op.create_table(
        "person_summary_org",
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id", "category", "gender", "status", name=op.f("pk_person_summary_org")
        ),
    )
    op.create_table(
        "person_summary_org_age",
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "category",
            "gender",
            "birth_year",
            "status",
            name=op.f("pk_person_summary_org_age"),
        ),
    )
    op.create_table(
        "person_summary_nation",
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("ethnicity", sa.String(2), nullable=False),
        sa.Column("education", sa.String(16), nullable=False),
        sa.Column("political_theory", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "category",
            "gender",
            "birth_year",
            "ethnicity",
            "education",
            "political_theory",
            "status",
            name=op.f("pk_person_summary_nation"),
        ),
    )
    op.create_table(
        "person_summary_full",
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("ethnicity", sa.String(2), nullable=False),
        sa.Column("education", sa.String(16), nullable=False),
        sa.Column("political_theory", sa.String(16), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("salary_scale", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "category",
            "gender",
            "birth_year",
            "ethnicity",
            "education",
            "political_theory",
            "grade",
            "salary_scale",
            "status",
            name=op.f("pk_person_summary_full"),
        ),
    )
    op.create_table(
        "staffing_quota_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("civil_servants", sa.Integer(), nullable=False),
        sa.Column("public_employees", sa.Integer(), nullable=False),
        sa.Column("contract_staff", sa.Integer(), nullable=False),
        sa.Column("previous_civil_servants", sa.Integer(), nullable=True),
        sa.Column("previous_public_employees", sa.Integer(), nullable=True),
        sa.Column("previous_contract_staff", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("organization", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_staffing_quota_change_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_quota_change")),
    )  # fmt: skip
    op.create_index(
        "ix_staffing_quota_change_organization_id", "staffing_quota_change", ["organization_id"]
    )
    for statement in _SUMMARY_TRIGGERS:
        op.execute(statement)
    op.execute("SELECT refresh_summaries()")  # a store that already holds people


def downgrade() -> None:
    for statement in _DROP_SUMMARY_TRIGGERS:
        op.execute(statement)
    op.drop_index("ix_staffing_quota_change_organization_id", "staffing_quota_change")
    op.drop_table("staffing_quota_change")
    op.drop_table("person_summary_full")
    op.drop_table("person_summary_nation")
    op.drop_table("person_summary_org_age")
    op.drop_table("person_summary_org")
