"""Persisted queries, safelist-only clients and the PostgreSQL rate-limit buckets.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_query",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_persisted_query_sha256_hex")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persisted_query")),
    )
    op.create_index(
        "uq_persisted_query_shared",
        "persisted_query",
        ["sha256"],
        unique=True,
        postgresql_where=sa.text("client_id IS NULL"),
    )
    op.create_index(
        "uq_persisted_query_client",
        "persisted_query",
        ["client_id", "sha256"],
        unique=True,
        postgresql_where=sa.text("client_id IS NOT NULL"),
    )
    op.create_table(
        "safelist_client",
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_safelist_client")),
    )
    op.create_table(
        "rate_limit_bucket",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_bucket")),
    )
    op.create_index(
        "ix_rate_limit_bucket_updated_at", "rate_limit_bucket", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rate_limit_bucket_updated_at", table_name="rate_limit_bucket")
    op.drop_table("rate_limit_bucket")
    op.drop_table("safelist_client")
    op.drop_index("uq_persisted_query_client", table_name="persisted_query")
    op.drop_index("uq_persisted_query_shared", table_name="persisted_query")
    op.drop_table("persisted_query")
