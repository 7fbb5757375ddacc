"""SQLAlchemy models of the gateway's authorization server: signing keys, clients, used assertions.

They live on the store's one `Base` (so Alembic sees them) but in their own module: the store's
data model does not depend on how callers authenticate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from keymaterial.lifecycle import SIGNING_ALGORITHMS
from keymaterial.sealing import ENCRYPTIONS
from store.models import Base

CLIENT_AUTH_METHODS = ("client_secret_basic", "private_key_jwt")

CLIENT_LEVELS = ("central", "ministry", "province", "commune", "unit", "partner")
"""Levels a client (a system) may be registered at; `self` is a person, `public` has no token."""


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class SigningKey(Base):
    """A key the authorization server signs access tokens with.

    Lifecycle: created → active from `activated_at` (the newest active key signs) → retired (no
    longer signs, still published and verifying until `expires_at`, so tokens it signed live out
    their lifetime) → gone. `revoked_at` ends it at once: unpublished, and its tokens refused.
    """

    __tablename__ = "signing_key"
    __table_args__ = (
        CheckConstraint(_one_of("algorithm", SIGNING_ALGORITHMS), name="algorithm"),
        CheckConstraint(_one_of("private_key_encryption", ENCRYPTIONS), name="encryption"),
        CheckConstraint("retired_at IS NULL OR expires_at IS NOT NULL", name="retired_expires"),
    )
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    """PKCS#8 PEM, sealed with AES-256-GCM when `private_key_encryption` says so."""
    private_key_encryption: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OAuthClient(Base):
    """A system allowed to obtain access tokens with the client-credentials grant.

    The tokens it gets carry the level, organisation and purposes registered here. Revoking sets
    `revoked_at`; the row stays, so audit records keep naming a known client.
    """

    __tablename__ = "oauth_client"
    __table_args__ = (
        CheckConstraint(_one_of("token_endpoint_auth_method", CLIENT_AUTH_METHODS), name="method"),
        CheckConstraint(_one_of("level", CLIENT_LEVELS), name="level"),
        CheckConstraint(
            "(token_endpoint_auth_method = 'client_secret_basic') = (secret_hash IS NOT NULL)",
            name="secret",
        ),
        CheckConstraint(
            "(token_endpoint_auth_method = 'private_key_jwt') = (jwks IS NOT NULL)", name="jwks"
        ),
    )
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    secret_hash: Mapped[str | None] = mapped_column(Text)
    """scrypt$N$r$p$salt$hash (base64): never the secret itself."""
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    """The client's public keys, for private_key_jwt."""
    level: Mapped[str] = mapped_column(String(16))
    organization_code: Mapped[str] = mapped_column(String(35))
    purposes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClientAssertion(Base):
    """A private_key_jwt assertion already used, kept until it expires so it cannot be replayed.

    The primary key makes the check atomic across gateway replicas.
    """

    __tablename__ = "oauth_client_assertion"
    __table_args__ = (Index("ix_oauth_client_assertion_expires_at", "expires_at"),)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_client.client_id", ondelete="CASCADE"), primary_key=True
    )
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
