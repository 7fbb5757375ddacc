"""SQLAlchemy models of the signed exchange: MOHA's message log and the monthly approvals.

In their own module (like models_auth): the store's data model does not depend on how agencies
deliver it. Key files stay outside the store (exchange/provision.py): an agency's private keys
never reach MOHA, and MOHA's private keys are sealed in a 0600 file like a TLS key.
"""

from __future__ import annotations

from datetime import datetime

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
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

HEX64 = "~ '^[0-9a-f]{64}$'"


class ExchangeMessage(Base):
    """One envelope MOHA sent or received, hash-chained to the one before (exchange/msglog.py):
    `hash` = SHA-256 over (seq, request_id, kind, sender, receiver, digest, at, prev)."""

    __tablename__ = "exchange_message"
    __table_args__ = (
        CheckConstraint("kind IN ('request', 'response')", name="kind_known"),
        CheckConstraint(f"hash {HEX64}", name="hash_hex"),
        CheckConstraint(f"prev {HEX64}", name="prev_hex"),
        Index("ix_exchange_message_digest", "digest"),
        Index("ix_exchange_message_request_id", "request_id"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    request_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))
    sender: Mapped[str] = mapped_column(String(120))
    receiver: Mapped[str] = mapped_column(String(120))
    digest: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 as hashed, not re-rendered
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ApprovalManifest(Base):
    """An agency's signed monthly approval (TT 06/2023): the Merkle root over its records'
    digests, and the compact JWS its authorised person signed (exchange/approval.py)."""

    __tablename__ = "approval_manifest"
    __table_args__ = (
        UniqueConstraint("agency_code", "period", "root"),
        CheckConstraint("period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'", name="period_month"),
        CheckConstraint(f"root {HEX64}", name="root_hex"),
        CheckConstraint("records >= 0", name="records_counted"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    period: Mapped[str] = mapped_column(String(7))
    root: Mapped[str] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[str] = mapped_column(Text)
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kid: Mapped[str] = mapped_column(String(128))
    token: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ApprovalLeaf(Base):
    """One record digest listed by a manifest: what inclusion proofs are built from."""

    __tablename__ = "approval_leaf"
    __table_args__ = (
        CheckConstraint(f"digest {HEX64}", name="digest_hex"),
        Index("ix_approval_leaf_digest", "digest"),
    )

    manifest_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("approval_manifest.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class RecordDigest(Base):
    """The digest of each source record's version the store holds (exchange/approval.py's
    `record_digest`), recorded by the sync: what an agency's approval manifest is checked
    against to say whether the store's current version is approved."""

    __tablename__ = "record_digest"
    __table_args__ = (CheckConstraint(f"digest {HEX64}", name="digest_hex"),)

    source_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source_record_id: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
