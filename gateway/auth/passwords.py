"""Client secrets: generated with enough entropy, stored only as salted scrypt hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

# scrypt's cost: N=2^14, r=8 takes 16 MiB and tens of milliseconds, so a stolen table is slow
# to attack, yet a token request pays it once. The parameters are stored with each hash, so
# they can be raised later without invalidating the secrets already issued.
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_MAXMEM = 64 * 1024 * 1024


def new_secret() -> str:
    """A client secret: 32 random bytes, URL-safe, shown to the operator once."""
    return secrets.token_urlsafe(32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash`: what the store keeps instead of the secret."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=_HASH_BYTES
    )
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    """True when `secret` hashes to `stored`; False for any other secret or a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(
            secret.encode("utf-8"),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


@cache
def _dummy_hash() -> str:
    return hash_secret("not a secret anyone holds", salt=b"\0" * _SALT_BYTES)


def burn_time_like_a_check(secret: str) -> None:
    """Spend what a real check spends, for unknown clients: timing must not reveal which exist."""
    verify_secret(secret, _dummy_hash())
