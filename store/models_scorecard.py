"""SQLAlchemy models of MOHA's scorecard: when each change arrived, and the daily snapshots.

`sync_arrival` is the one fact the other tables do not keep: a source's own stamp of when a
record changed beside the moment the store first saw that version. The lag between the two is
what Decree 27/2026's 3 working days are measured on. `agency_scorecard` holds one row per
agency per day (analytics/scorecard.py computes it), so the national table and the trends read
snapshots, never the people (migration 0011).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Index, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class SyncArrival(Base):
    """A record version a source stamped with its change time, and when the store first saw it.

    Kept for stored and rejected versions alike: a rejected version is a change still
    outstanding until a later version of the record passes."""

    __tablename__ = "sync_arrival"
    __table_args__ = (Index("ix_sync_arrival_source_arrived", "source_id", "arrived_at"),)
    source_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source_record_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source_version: Mapped[str] = mapped_column(Text, primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    arrived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AgencyScorecardSnapshot(Base):
    """One agency's scorecard on one day. The headline figures are columns (the national table
    sorts and filters on them); the breakdowns (rejects by rule, completeness by data group,
    connection history) are `detail`."""

    __tablename__ = "agency_scorecard"
    __table_args__ = (Index("ix_agency_scorecard_agency_day", "agency_code", "day"),)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[str] = mapped_column(String(16))
    connected: Mapped[bool]
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_runs: Mapped[int] = mapped_column(Integer)
    changes: Mapped[int] = mapped_column(Integer)
    within_deadline_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    oldest_outstanding_days: Mapped[int | None] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    complete_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    reject_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    identity_mismatches: Mapped[int] = mapped_column(Integer)
    cross_field_violations: Mapped[int] = mapped_column(Integer)
    open_conflicts: Mapped[int] = mapped_column(Integer)
    open_rejects: Mapped[int] = mapped_column(Integer)
    oldest_reject_days: Mapped[int | None] = mapped_column(Integer)
    unmapped_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    breaches: Mapped[list[str]] = mapped_column(ARRAY(Text))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
