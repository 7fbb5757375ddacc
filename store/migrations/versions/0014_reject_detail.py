"""Rejects a clerk can act on: the form expected and where the record is; corrections recorded.

`sync_reject.expected` is the form the standard expects for the field (personal data only as
much as `value` is: shown to the same callers); `sync_reject.location` is where the agency
finds the record when its record id does not say it (a drop's "<file name>#<row>").
`sync_correction` keeps what the sync repaired in a record it stored (an invisible character
removed, text decoded twice repaired), one row per source record, field and rule, so the
agency can fix its own copy.

Revision ID: 0014
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_reject", sa.Column("expected", sa.Text(), nullable=True))
    op.add_column("sync_reject", sa.Column("location", sa.Text(), nullable=True))
    op.create_table(
        "sync_correction",
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("source_version", sa.Text(), nullable=False),
        sa.Column(
            "last_seen",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "source_id", "source_record_id", "field", "rule", name=op.f("pk_sync_correction")
        ),
    )


def downgrade() -> None:
    op.drop_table("sync_correction")
    op.drop_column("sync_reject", "location")
    op.drop_column("sync_reject", "expected")
