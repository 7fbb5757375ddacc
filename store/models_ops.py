"""SQLAlchemy models of the gateway's operational state: persisted queries, safelists, rate limits.

They live on the store's one `Base` (so Alembic sees them) in their own module: none of it is
national data, and every replica of the gateway shares it through the store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    Identity,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class PersistedQuery(Base):
    """A GraphQL document known by the sha256 of its text.

    `client_id` NULL: registered automatically (Apollo APQ) and shared by every caller, like a
    cache. `client_id` set: registered for that client with `cbccvc queries add`: one of the only
    operations a safelist-only client may run. The same text may be both, and registered for
    several clients, hence two partial unique indexes rather than one key.
    """

    __tablename__ = "persisted_query"
    __table_args__ = (
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        Index(
            "uq_persisted_query_shared",
            "sha256",
            unique=True,
            postgresql_where=text("client_id IS NULL"),
        ),
        Index(
            "uq_persisted_query_client",
            "client_id",
            "sha256",
            unique=True,
            postgresql_where=text("client_id IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SafelistClient(Base):
    """A client that may run only the operations registered for it (`cbccvc queries add`).

    Kept apart from the OAuth client registry on purpose: a client stays safelist-only even
    after its last operation is removed (it then runs nothing), never silently open again.
    """

    __tablename__ = "safelist_client"
    client_id: Mapped[str] = mapped_column(Text, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RateLimitBucket(Base):
    """A token bucket of the PostgreSQL rate limiter (used when no Redis is configured).

    `allowed` is the decision of the last take: the one-statement UPSERT returns it, so no
    second round trip or lock is needed to tell a refusal from a success.
    """

    __tablename__ = "rate_limit_bucket"
    __table_args__ = (Index("ix_rate_limit_bucket_updated_at", "updated_at"),)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    tokens: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    allowed: Mapped[bool] = mapped_column(Boolean)
