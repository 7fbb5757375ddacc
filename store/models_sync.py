"""SQLAlchemy models of the sync pipeline's state: bookmarks, runs, rejects, conflicts, history.

On the store's one `Base` so that Alembic sees them (migration 0005). A person is never deleted:
every replaced version of a person row goes to person_history first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

RUN_STATUSES = ("running", "ok", "failed", "interrupted")


class SyncBookmark(Base):
    """Where a source's change feed was last read to; moved in the same transaction as the
    records it covers."""

    __tablename__ = "sync_bookmark"
    source_id: Mapped[str] = mapped_column(Text, primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SyncRun(Base):
    """One sync of one source, with counts by outcome (updated batch by batch)."""

    __tablename__ = "sync_run"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in RUN_STATUSES) + ")", name="status"
        ),
        Index("ix_sync_run_source", "source_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source_id: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    full_resync: Mapped[bool] = mapped_column(server_default=text("false"))
    inserted: Mapped[int] = mapped_column(Integer, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, server_default="0")
    deleted: Mapped[int] = mapped_column(Integer, server_default="0")
    conflicts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    lists_kept: Mapped[int] = mapped_column(Integer, server_default="0")
    """Records whose dossier lists came as last stored: neither read nor rewritten (0020)."""


class DossierListsReceived(Base):
    """The dossier lists one source's record last stored cleanly for a person, as digests: what
    the source sent (`received`) and what the store holds (`lists_digest`, part of the row's
    content hash). A record sending the same lists again keeps them unread (sync/assess.py);
    a record whose lists were rejected or repaired stores none, so they are read again."""

    __tablename__ = "dossier_lists_received"
    __table_args__ = (Index("ix_dossier_lists_received_record", "source_id", "source_record_id"),)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source_record_id: Mapped[str] = mapped_column(Text)
    received: Mapped[str] = mapped_column(Text)
    lists_digest: Mapped[str] = mapped_column(Text)


class SyncReject(Base):
    """One failed rule of one source record; resolved when a later version passes."""

    __tablename__ = "sync_reject"
    __table_args__ = (
        Index(
            "uq_sync_reject_open",
            "source_id",
            "source_record_id",
            "field",
            "rule",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_sync_reject_rule", "rule", "source_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source_id: Mapped[str] = mapped_column(Text)
    source_record_id: Mapped[str] = mapped_column(Text)
    source_version: Mapped[str] = mapped_column(Text)
    personal_id: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    # the form the standard expects, and where the agency finds the record ("<file>#<row>")
    expected: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SyncCorrection(Base):
    """A repair the sync made to a value it stored (rule per field), for the agency to see."""

    __tablename__ = "sync_correction"
    source_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source_record_id: Mapped[str] = mapped_column(Text, primary_key=True)
    field: Mapped[str] = mapped_column(Text, primary_key=True)
    rule: Mapped[str] = mapped_column(Text, primary_key=True)
    source_version: Mapped[str] = mapped_column(Text)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # migration 0019: the key GraphQL pages on; the text as the source wrote it (personal data
    # as much as the field is); a drop's "<file>#<row>"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    value: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)


class SyncConflict(Base):
    """The same personal ID active at two sources. `pending` holds the second source's
    normalised row, applied when the first owner lets the person go."""

    __tablename__ = "sync_conflict"
    __table_args__ = (
        Index(
            "uq_sync_conflict_open",
            "personal_id",
            "other_source_id",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    personal_id: Mapped[str] = mapped_column(String(12), index=True)
    owner_source_id: Mapped[str] = mapped_column(Text)
    other_source_id: Mapped[str] = mapped_column(Text)
    other_record_id: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConcurrentAppointment(Base):
    """A recorded concurrent appointment (kiêm nhiệm): the person may be active at this source
    as well as at the owner without a conflict."""

    __tablename__ = "concurrent_appointment"
    personal_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    source_id: Mapped[str] = mapped_column(Text, primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PersonHistory(Base):
    """A previous version of a person row (never a hard delete)."""

    __tablename__ = "person_history"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source_id: Mapped[str] = mapped_column(Text)
    change: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Reconciliation(Base):
    """A person whose identity fields differ from the population database (flagged only)."""

    __tablename__ = "reconciliation"
    personal_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    source_id: Mapped[str] = mapped_column(Text)
    differing_fields: Mapped[list[str]] = mapped_column(JSONB)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
