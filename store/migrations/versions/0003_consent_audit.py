"""Consents and the hash-chained audit log.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from store.models_access import AUDIT_APPEND_ONLY, DROP_AUDIT_APPEND_ONLY

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("organization_code", sa.String(length=35), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "granted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_consent_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_index("ix_consent_grantee", "consent", ["organization_code", "person_id"])
    op.create_index(op.f("ix_consent_person_id"), "consent", ["person_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("organization", sa.String(length=35), nullable=True),
        sa.Column("purposes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("person_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("fields", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_index("ix_audit_log_person_ids", "audit_log", ["person_ids"], postgresql_using="gin")
    for statement in AUDIT_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_AUDIT_APPEND_ONLY:
        op.execute(statement)
    op.drop_index("ix_audit_log_person_ids", table_name="audit_log", postgresql_using="gin")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_consent_person_id"), table_name="consent")
    op.drop_index("ix_consent_grantee", table_name="consent")
    op.drop_table("consent")
