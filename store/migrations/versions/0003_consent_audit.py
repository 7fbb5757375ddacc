"""Consents and the hash-chained audit log.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The DDL this revision ran, kept here as text: migrations are history, so a later change to
# audit_append or the append-only triggers is a new revision, never an edit of this one.
_AUDIT_APPEND_ONLY = (
    """
CREATE FUNCTION audit_append(
    p_at timestamptz, p_request_id text, p_client_id text, p_subject text, p_level text,
    p_organization text, p_purposes text[], p_person_ids bigint[], p_fields text[],
    p_digest text
) RETURNS TABLE (id bigint, hash text) LANGUAGE plpgsql AS $$
DECLARE
    previous text;
    new_id bigint;
    new_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(1635083369);
    SELECT a.hash INTO previous FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    previous := coalesce(previous, repeat('0', 64));
    new_id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    new_hash := encode(sha256(convert_to(previous || ':' || new_id || ':' || p_digest, 'UTF8')),
                       'hex');
    INSERT INTO audit_log (id, at, request_id, client_id, subject, level, organization,
                           purposes, person_ids, fields, prev_hash, hash)
    VALUES (new_id, p_at, p_request_id, p_client_id, p_subject, p_level, p_organization,
            p_purposes, p_person_ids, p_fields, previous, new_hash);
    RETURN QUERY SELECT new_id, new_hash;
END $$""",
    """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$""",
    """
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
)

_DROP_AUDIT_APPEND_ONLY = (
    """DROP FUNCTION IF EXISTS audit_append(timestamptz, text, text, text, text, text, text[], bigint[], text[], text)""",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
)


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
    for statement in _AUDIT_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    for statement in _DROP_AUDIT_APPEND_ONLY:
        op.execute(statement)
    op.drop_index("ix_audit_log_person_ids", table_name="audit_log", postgresql_using="gin")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_consent_person_id"), table_name="consent")
    op.drop_index("ix_consent_grantee", table_name="consent")
    op.drop_table("consent")
