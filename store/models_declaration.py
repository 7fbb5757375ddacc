"""SQLAlchemy model of self-declarations (issue 17): what a person declared, and where it stands.

The store keeps the declaration as MOHA signed it (`signed`, the JWS that was sealed to the
agency), the agency's signed receipt and outcome as they came back, and the due date. The
change itself reaches the person's record only through the agency: its next change feed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

STATUSES = ("queued", "sent", "received", "approved", "rejected")
CHANNELS = ("connector", "export")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Declaration(Base):
    __tablename__ = "declaration"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint("kind IN ('field', 'entry')", name="kind_known"),
        # the agency's open declarations, oldest due first (its pending list, the export)
        Index("ix_declaration_source_status", "source_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    declaration_id: Mapped[str] = mapped_column(Text, unique=True)
    """The id on the wire (a UUID): what the agency's receipt and outcome name."""
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str] = mapped_column(Text)
    """The owning agency's source: where the declaration goes."""
    source_record_id: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    """The person field, or the list's store table."""
    change: Mapped[dict[str, Any]] = mapped_column(JSONB)
    note: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    signed: Mapped[str] = mapped_column(Text)
    """MOHA's signed declaration (JWS); sealed to the agency when sent through its connector."""
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    due_on: Mapped[date] = mapped_column(Date)
    token_digest: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    """The agency's reason for a rejection, as it signed it."""
    applied_version: Mapped[str | None] = mapped_column(Text)
    """The version of the agency's record that carries the approved change."""
    attempts: Mapped[int] = mapped_column(BigInteger, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
