"""The sync pipeline's state: bookmarks, runs, rejects, conflicts, concurrent appointments,
person history and reconciliation flags.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.text("now()")


def _ts(name: str, *, default: bool = True, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=_NOW if default else None,
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "sync_bookmark",
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_sync_bookmark")),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        _ts("started_at"),
        _ts("finished_at", default=False, nullable=True),
        sa.Column("status", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("full_resync", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *(
            sa.Column(name, sa.Integer(), server_default="0", nullable=False)
            for name in ("inserted", "updated", "unchanged", "rejected", "deleted", "conflicts")
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'ok', 'failed', 'interrupted')",
            name=op.f("ck_sync_run_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_run")),
    )
    op.create_index("ix_sync_run_source", "sync_run", ["source_id", "id"])
    op.create_table(
        "sync_reject",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_version", sa.Text(), nullable=False),
        sa.Column("personal_id", sa.Text(), nullable=True),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        _ts("first_seen"),
        _ts("last_seen"),
        _ts("resolved_at", default=False, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_reject")),
    )
    op.create_index(
        "uq_sync_reject_open",
        "sync_reject",
        ["source_id", "source_record_id", "field", "rule"],
        unique=True,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index("ix_sync_reject_rule", "sync_reject", ["rule", "source_id"])
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("owner_source_id", sa.Text(), nullable=False),
        sa.Column("other_source_id", sa.Text(), nullable=False),
        sa.Column("other_record_id", sa.Text(), nullable=False),
        _ts("since"),
        sa.Column("pending", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        _ts("resolved_at", default=False, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    op.create_index(
        op.f("ix_sync_conflict_personal_id"), "sync_conflict", ["personal_id"], unique=False
    )
    op.create_index(
        "uq_sync_conflict_open",
        "sync_conflict",
        ["personal_id", "other_source_id"],
        unique=True,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_table(
        "concurrent_appointment",
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        _ts("since"),
        sa.PrimaryKeyConstraint("personal_id", "source_id", name=op.f("pk_concurrent_appointment")),
    )
    op.create_table(
        "person_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        _ts("valid_from", default=False),
        _ts("valid_to"),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_history_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_history")),
    )
    op.create_index(
        op.f("ix_person_history_person_id"), "person_history", ["person_id"], unique=False
    )
    op.create_table(
        "reconciliation",
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("differing_fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _ts("checked_at"),
        sa.PrimaryKeyConstraint("personal_id", name=op.f("pk_reconciliation")),
    )


def downgrade() -> None:
    for table in (
        "reconciliation",
        "person_history",
        "concurrent_appointment",
        "sync_conflict",
        "sync_reject",
        "sync_run",
        "sync_bookmark",
    ):
        op.drop_table(table)
