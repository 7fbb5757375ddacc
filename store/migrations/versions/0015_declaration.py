"""Self-declarations (issue 17): a person's declared change, sent to the owning agency, its
receipt, outcome and due date (store/models_declaration.py).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "declaration",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("declaration_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("change", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("signed", sa.Text(), nullable=False),
        sa.Column(
            "sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("token_digest", sa.Text(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("applied_version", sa.Text(), nullable=True),
        sa.Column("attempts", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'received', 'approved', 'rejected')",
            name=op.f("ck_declaration_status_known"),
        ),
        sa.CheckConstraint(
            "channel IN ('connector', 'export')", name=op.f("ck_declaration_channel_known")
        ),
        sa.CheckConstraint("kind IN ('field', 'entry')", name=op.f("ck_declaration_kind_known")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_declaration_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_declaration_declaration_id")),
    )
    op.create_index(op.f("ix_declaration_person_id"), "declaration", ["person_id"], unique=False)
    op.create_index(
        "ix_declaration_source_status",
        "declaration",
        ["source_id", "status", "due_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_declaration_source_status", table_name="declaration")
    op.drop_index(op.f("ix_declaration_person_id"), table_name="declaration")
    op.drop_table("declaration")
