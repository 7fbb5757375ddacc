"""The signed exchange: MOHA's hash-chained message log and the monthly approval manifests.

Revision ID: 0007
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HEX64 = "~ '^[0-9a-f]{64}$'"


def upgrade() -> None:
    op.create_table(
        "exchange_message",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("sender", sa.String(length=120), nullable=False),
        sa.Column("receiver", sa.String(length=120), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("prev", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('request', 'response')", name=op.f("ck_exchange_message_kind_known")
        ),
        sa.CheckConstraint(f"hash {_HEX64}", name=op.f("ck_exchange_message_hash_hex")),
        sa.CheckConstraint(f"prev {_HEX64}", name=op.f("ck_exchange_message_prev_hex")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_message")),
        sa.UniqueConstraint("hash", name=op.f("uq_exchange_message_hash")),
    )
    op.create_index("ix_exchange_message_digest", "exchange_message", ["digest"])
    op.create_index("ix_exchange_message_request_id", "exchange_message", ["request_id"])
    op.create_table(
        "approval_manifest",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("agency_code", sa.String(length=35), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=128), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'", name=op.f("ck_approval_manifest_period_month")
        ),
        sa.CheckConstraint(f"root {_HEX64}", name=op.f("ck_approval_manifest_root_hex")),
        sa.CheckConstraint("records >= 0", name=op.f("ck_approval_manifest_records_counted")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_manifest")),
        sa.UniqueConstraint(
            "agency_code", "period", "root", name=op.f("uq_approval_manifest_agency_code")
        ),
    )
    op.create_table(
        "approval_leaf",
        sa.Column("manifest_id", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint(f"digest {_HEX64}", name=op.f("ck_approval_leaf_digest_hex")),
        sa.ForeignKeyConstraint(
            ["manifest_id"],
            ["approval_manifest.id"],
            name=op.f("fk_approval_leaf_manifest_id_approval_manifest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manifest_id", "digest", name=op.f("pk_approval_leaf")),
    )
    op.create_index("ix_approval_leaf_digest", "approval_leaf", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_approval_leaf_digest", table_name="approval_leaf")
    op.drop_table("approval_leaf")
    op.drop_table("approval_manifest")
    op.drop_index("ix_exchange_message_request_id", table_name="exchange_message")
    op.drop_index("ix_exchange_message_digest", table_name="exchange_message")
    op.drop_table("exchange_message")
