"""Merge the feature branches (sync, analytics, exchange); index people by source record.

Revision ID: 0008
Revises: 0005, 0006, 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: tuple[str, ...] = ("0005", "0006", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_person_source_record", "person", ["source_id", "source_record_id"])


def downgrade() -> None:
    op.drop_index("ix_person_source_record", table_name="person")
