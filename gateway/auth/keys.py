"""Signing keys: generating them, sealing their private halves, and the ring a process holds.

No I/O here; `keystore` reads and writes the `signing_key` table. The ring answers the two
questions of the hot path from memory: which key verifies a token with this `kid` now, and which
key signs a new token now.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jwk

ALGORITHMS = ("ES256", "Ed25519")
"""What our keys sign with: ECDSA P-256, or Ed25519 (RFC 9864's name for EdDSA on Ed25519)."""
DEFAULT_ALGORITHM = "ES256"
SEALED = "A256GCM"
PLAIN = "none"


class KeyMaterialError(Exception):
    """A signing key's private half cannot be used (missing or wrong key-encryption key)."""


def decode_kek(text: str) -> bytes:
    """The 32-byte key-encryption key from its base64url text (as in CBCCVC_KEY_ENCRYPTION_KEY)."""
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyMaterialError("the key-encryption key is not base64url") from exc
    if len(key) != 32:
        raise KeyMaterialError("the key-encryption key must be 32 bytes")
    return key


def new_kek() -> str:
    """A fresh key-encryption key, as the text CBCCVC_KEY_ENCRYPTION_KEY takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


def seal(private_pem: bytes, kek: bytes | None, kid: str) -> tuple[bytes, str]:
    """The stored form of a private key, and how it is stored.

    AES-256-GCM with the kid as associated data: a sealed key copied onto another row (another
    kid) does not open.
    """
    if kek is None:
        return private_pem, PLAIN
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(kek).encrypt(nonce, private_pem, kid.encode("utf-8")), SEALED


def unseal(stored: bytes, encryption: str, kek: bytes | None, kid: str) -> bytes:
    if encryption == PLAIN:
        return stored
    if kek is None:
        raise KeyMaterialError(
            f"signing key {kid} is sealed: set CBCCVC_KEY_ENCRYPTION_KEY to the key that sealed it"
        )
    try:
        return AESGCM(kek).decrypt(stored[:12], stored[12:], kid.encode("utf-8"))
    except InvalidTag as exc:
        raise KeyMaterialError(
            f"signing key {kid} does not open with CBCCVC_KEY_ENCRYPTION_KEY (a different key?)"
        ) from exc


@dataclass(frozen=True)
class NewKey:
    kid: str
    algorithm: str
    public_jwk: dict[str, Any]
    private_pem: bytes


def generate_key(algorithm: str = DEFAULT_ALGORITHM) -> NewKey:
    """A new key pair; its kid is the RFC 7638 thumbprint, so it names the key and nothing else."""
    key: jwk.ECKey | jwk.OKPKey
    if algorithm == "ES256":
        key = jwk.generate_key("EC", "P-256", private=True)
    elif algorithm == "Ed25519":
        key = jwk.generate_key("OKP", "Ed25519", private=True)
    else:
        raise ValueError(f"signing algorithm must be one of {', '.join(ALGORITHMS)}")
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "alg": algorithm, "use": "sig"}
    return NewKey(kid, algorithm, public, key.as_pem(private=True))


@dataclass(frozen=True)
class KeyRecord:
    """One signing key as the store holds it, without its private half."""

    kid: str
    algorithm: str
    public_jwk: dict[str, Any]
    created_at: datetime
    activated_at: datetime
    retired_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def published(self, now: datetime) -> bool:
        """In the JWKS and verifying: until revoked, or until the overlap after retirement ends."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def may_sign(self, now: datetime) -> bool:
        return self.published(now) and self.retired_at is None and self.activated_at <= now

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if not self.published(now):
            return "expired"
        if self.retired_at is not None:
            return "retired"
        return "active" if self.activated_at <= now else "pending"


@dataclass(frozen=True)
class Signer:
    kid: str
    algorithm: str
    key: jwk.Key


def _private_key(record: KeyRecord, pem: bytes) -> jwk.Key:
    kty = record.public_jwk["kty"]
    if kty == "EC":
        return jwk.import_key(pem, "EC", {"kid": record.kid, "alg": record.algorithm})
    if kty == "OKP":
        return jwk.import_key(pem, "OKP", {"kid": record.kid, "alg": record.algorithm})
    raise KeyMaterialError(f"signing key {record.kid} has an unexpected key type {kty!r}")


class KeyRing:
    """The published keys of our authorization server, and the private halves that may sign.

    Immutable: a reload builds a new ring and swaps it in, so readers never see half an update.
    """

    def __init__(
        self, records: Iterable[KeyRecord], private_pems: dict[str, bytes] | None = None
    ) -> None:
        self.records = tuple(sorted(records, key=lambda r: r.activated_at, reverse=True))
        self._public = {r.kid: jwk.import_key(r.public_jwk) for r in self.records}
        self._by_kid = {r.kid: r for r in self.records}
        self._signers = {
            kid: Signer(kid, self._by_kid[kid].algorithm, _private_key(self._by_kid[kid], pem))
            for kid, pem in (private_pems or {}).items()
            if kid in self._by_kid
        }

    def fingerprint(self) -> tuple[tuple[str, datetime | None, datetime | None], ...]:
        """What decides verification and signing: a changed fingerprint means a changed ring."""
        return tuple((r.kid, r.retired_at, r.expires_at) for r in self.records)

    def verification_key(self, kid: str, now: datetime) -> tuple[jwk.Key, str] | None:
        """The public key named `kid` and its algorithm, if it is published now."""
        record = self._by_kid.get(kid)
        if record is None or not record.published(now):
            return None
        return self._public[kid], record.algorithm

    def signer(self, now: datetime) -> Signer | None:
        """The newest key that may sign now (its private half loaded), if any."""
        for record in self.records:
            if record.may_sign(now) and record.kid in self._signers:
                return self._signers[record.kid]
        return None

    def jwks(self, now: datetime) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [dict(r.public_jwk) for r in self.records if r.published(now)]}
