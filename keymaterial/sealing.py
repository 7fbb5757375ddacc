"""Sealing private halves of keys with the key-encryption key (CBCCVC_KEY_ENCRYPTION_KEY).

A private key at rest is either stored as is (no key-encryption key configured) or sealed with
AES-256-GCM under the key-encryption key, with the key's kid as associated data. No I/O here:
the gateway seals into the signing_key table, the exchange into its key files.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED = "A256GCM"
PLAIN = "none"
ENCRYPTIONS = (PLAIN, SEALED)
"""How a private half is stored: as is, or sealed with the key-encryption key."""


class KeyMaterialError(Exception):
    """A key's private half cannot be used (missing or wrong key-encryption key)."""


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


def seal(private: bytes, kek: bytes | None, kid: str) -> tuple[bytes, str]:
    """The stored form of a private key, and how it is stored (`SEALED` or `PLAIN`).

    The kid is the associated data: a sealed key copied onto another kid does not open.
    """
    if kek is None:
        return private, PLAIN
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(kek).encrypt(nonce, private, kid.encode("utf-8")), SEALED


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
