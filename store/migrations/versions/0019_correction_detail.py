"""Corrections a clerk can find: the value as the source wrote it and where the record is.

`sync_correction.value` is the text the sync repaired (personal data whenever the field is:
shown only to callers whom the policy engine lets see that field of that person, as a reject's
value); `location` is a drop's "<file name>#<row>"; `id` orders and pages the corrections
(GraphQL `syncCorrections`), newest first, as the rejects are.

Revision ID: 0019
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "sync_correction",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
    )
    op.create_unique_constraint(op.f("uq_sync_correction_id"), "sync_correction", ["id"])
    op.add_column("sync_correction", sa.Column("value", sa.Text(), nullable=True))
    op.add_column("sync_correction", sa.Column("location", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("sync_correction", "location")
    op.drop_column("sync_correction", "value")
    op.drop_constraint(op.f("uq_sync_correction_id"), "sync_correction", type_="unique")
    op.drop_column("sync_correction", "id")
