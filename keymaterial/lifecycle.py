"""One key lifecycle, for every key we hold: generate, publish, sign, retire, revoke.

    generate ──> pending ──(activated_at)──> active ──retire(now, overlap)──> retired
                                                                                │ (expires_at)
    revoke(now), from any state ──> revoked                                     v
                                                                             expired

A key is published (in its JWKS, verifying or decrypting) from its creation until it is revoked
or its overlap after retirement ends; it may sign (or be encrypted to) while published, not
retired and activated. Publishing before signing lets peers that cache the JWKS learn a key
before the first message signed with it reaches them; the overlap lets messages in flight
verify after a rotation. Kids are RFC 7638 thumbprints, so a kid names the key and nothing
else. Keys are asymmetric (ECDSA P-256 or Ed25519 to sign, ECDH-ES on P-256 to be encrypted to),
so the JWKS that publishes them can be public.

No I/O: the gateway keeps its token keys in the signing_key table (gateway/auth/keystore.py),
each exchange party its keys in a key file (exchange/keys.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Self

from joserfc import jwk

SIGNING_ALGORITHMS = ("ES256", "Ed25519")
"""ECDSA P-256, or Ed25519 (RFC 9864's name for EdDSA on Ed25519)."""
DEFAULT_SIGNING_ALGORITHM = "ES256"
KEY_WRAP_ALGORITHM = "ECDH-ES+A256KW"
"""What an encryption key (`use: enc`) is for: wrapping content keys to it, on P-256."""

Use = Literal["sig", "enc"]
AnyKey = jwk.ECKey | jwk.OKPKey


@dataclass(frozen=True)
class NewKey:
    """A key pair just generated: the private key, and the names it is published under."""

    kid: str
    use: Use
    algorithm: str
    key: AnyKey

    @property
    def public_jwk(self) -> dict[str, Any]:
        return {**self.key.as_dict(private=False), **self._names()}

    @property
    def private_jwk(self) -> dict[str, Any]:
        return {**self.key.as_dict(private=True), **self._names()}

    @property
    def private_pem(self) -> bytes:
        return self.key.as_pem(private=True)

    def _names(self) -> dict[str, str]:
        return {"kid": self.kid, "alg": self.algorithm, "use": self.use}


def generate(algorithm: str = DEFAULT_SIGNING_ALGORITHM, use: Use = "sig") -> NewKey:
    """A new key pair for `use`, named by its RFC 7638 thumbprint."""
    key: AnyKey
    if use == "enc":
        if algorithm != KEY_WRAP_ALGORITHM:
            raise ValueError(f"encryption keys use {KEY_WRAP_ALGORITHM}")
        key = jwk.generate_key("EC", "P-256", private=True)
    elif algorithm == "ES256":
        key = jwk.generate_key("EC", "P-256", private=True)
    elif algorithm == "Ed25519":
        key = jwk.generate_key("OKP", "Ed25519", private=True)
    else:
        raise ValueError(f"signing keys use one of {', '.join(SIGNING_ALGORITHMS)}")
    return NewKey(key.thumbprint(), use, algorithm, key)


@dataclass(frozen=True, kw_only=True)
class KeyLifecycle:
    """Where one key stands in its life; the key records of each store extend it.

    `activated_at` None: the key may sign from its creation (it has no pending phase).
    """

    created_at: datetime
    activated_at: datetime | None = None
    retired_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active_from(self) -> datetime:
        return self.created_at if self.activated_at is None else self.activated_at

    def activated(self, now: datetime) -> bool:
        return self.activated_at is None or self.activated_at <= now

    def published(self, now: datetime) -> bool:
        """In the JWKS, verifying or decrypting: until revoked, or until the overlap ends."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def may_sign(self, now: datetime) -> bool:
        """May sign (a `sig` key) or be encrypted to (an `enc` key) now."""
        return self.published(now) and self.retired_at is None and self.activated(now)

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if not self.published(now):
            return "expired"
        if self.retired_at is not None:
            return "retired"
        return "active" if self.activated(now) else "pending"

    def retire(self, now: datetime, overlap: timedelta) -> Self:
        """Signs no more; still published for `overlap`, which must outlast what it signed."""
        return replace(self, retired_at=now, expires_at=now + overlap)

    def revoke(self, now: datetime) -> Self:
        """Unpublished at once: for a key that leaked."""
        return self if self.revoked_at is not None else replace(self, revoked_at=now)
