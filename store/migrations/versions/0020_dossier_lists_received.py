"""The dossier lists a record last stored cleanly, as digests, so that the same lists sent again
are neither read nor rewritten (issue 12); and the run's count of such records.

`dossier_lists_received` holds, per person and source, the digest of the lists as the source's
record sent them and the digest of the rows stored. A store from before this migration has
none: every record reads its lists as before, once, and then has its digest.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_lists_received",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("received", sa.Text(), nullable=False),
        sa.Column("lists_digest", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_dossier_lists_received_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "source_id", name=op.f("pk_dossier_lists_received")),
    )
    op.create_index(
        "ix_dossier_lists_received_record",
        "dossier_lists_received",
        ["source_id", "source_record_id"],
    )
    op.add_column(
        "sync_run",
        sa.Column("lists_kept", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("sync_run", "lists_kept")
    op.drop_index("ix_dossier_lists_received_record", table_name="dossier_lists_received")
    op.drop_table("dossier_lists_received")
