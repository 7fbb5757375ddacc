"""Consents people give, and the audit trail of who saw whose data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class Consent(Base):
    """A person lets an organisation see their personal-class fields, for a purpose and period.

    Revoking sets `revoked_at`; rows are never deleted, so the history of consent stays.
    """

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_grantee", "organization_code", "person_id"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    organization_code: Mapped[str] = mapped_column(String(35))
    purpose: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One response that carried personal or sensitive fields: who, whose, which, why, when.

    Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained: each row's
    hash covers its content and the previous row's hash, so `cbccvc audit verify` finds a row
    altered, removed or moved even by someone who got past the trigger.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_person_ids", "person_ids", postgresql_using="gin"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    request_id: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    organization: Mapped[str | None] = mapped_column(String(35))
    purposes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    person_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


# Declared here as the tables are (migration 0003 holds the text it ran; a test checks that a
# migrated store has exactly these, so a change here is a new migration).
AUDIT_APPEND_ONLY = (
    # Chains one row in one statement: under a transaction-scoped advisory lock (one writer at
    # a time across every gateway replica), take the last hash, the next id, and link the row
    # as store/audit_chain.chain_hash defines. The content digest comes from the caller.
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
