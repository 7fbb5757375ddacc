"""OAuth: signing keys, clients, used client assertions

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_client",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=True),
        sa.Column("token_endpoint_auth_method", sa.String(length=32), nullable=False),
        sa.Column("jwks", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("organization_code", sa.String(length=35), nullable=False),
        sa.Column("purposes", sa.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(token_endpoint_auth_method = 'client_secret_basic') = (secret_hash IS NOT NULL)",
            name=op.f("ck_oauth_client_secret"),
        ),
        sa.CheckConstraint(
            "(token_endpoint_auth_method = 'private_key_jwt') = (jwks IS NOT NULL)",
            name=op.f("ck_oauth_client_jwks"),
        ),
        sa.CheckConstraint(
            "level IN ('central', 'ministry', 'province', 'commune', 'unit', 'partner')",
            name=op.f("ck_oauth_client_level"),
        ),
        sa.CheckConstraint(
            "token_endpoint_auth_method IN ('client_secret_basic', 'private_key_jwt')",
            name=op.f("ck_oauth_client_method"),
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_client")),
    )
    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("private_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key_encryption", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "algorithm IN ('ES256', 'Ed25519')", name=op.f("ck_signing_key_algorithm")
        ),
        sa.CheckConstraint(
            "private_key_encryption IN ('none', 'A256GCM')", name=op.f("ck_signing_key_encryption")
        ),
        sa.CheckConstraint(
            "retired_at IS NULL OR expires_at IS NOT NULL",
            name=op.f("ck_signing_key_retired_expires"),
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_key")),
    )
    op.create_table(
        "oauth_client_assertion",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_client.client_id"],
            name=op.f("fk_oauth_client_assertion_client_id_oauth_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "jti", name=op.f("pk_oauth_client_assertion")),
    )
    op.create_index(
        "ix_oauth_client_assertion_expires_at",
        "oauth_client_assertion",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_oauth_client_assertion_expires_at", table_name="oauth_client_assertion")
    op.drop_table("oauth_client_assertion")
    op.drop_table("signing_key")
    op.drop_table("oauth_client")
