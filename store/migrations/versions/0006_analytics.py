"""Analysis: person-count summary tables with their triggers, and the staffing quota change log.

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from analytics.cubes import CUBES, drop_statements, trigger_statements

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "organization_id": sa.BigInteger(),
    "category": sa.String(32),
    "gender": sa.String(8),
    "birth_year": sa.SmallInteger(),
    "ethnicity": sa.String(2),
    "education": sa.String(16),
    "political_theory": sa.String(16),
    "grade": sa.String(16),
    "salary_scale": sa.String(8),
    "status": sa.String(16),
}


def upgrade() -> None:
    for cube in CUBES:
        op.create_table(
            cube.table,
            *(sa.Column(name, _TYPES[name], nullable=False) for name in cube.dimensions),
            sa.Column("people", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint(*cube.dimensions, name=op.f(f"pk_{cube.table}")),
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
    for statement in trigger_statements():
        op.execute(statement)
    op.execute("SELECT refresh_summaries()")  # a store that already holds people


def downgrade() -> None:
    for statement in drop_statements():
        op.execute(statement)
    op.drop_index("ix_staffing_quota_change_organization_id", "staffing_quota_change")
    op.drop_table("staffing_quota_change")
    for cube in reversed(CUBES):
        op.drop_table(cube.table)
