"""The gateway's signing keys as records, and the ring a process holds.

No I/O here; `keystore` reads and writes the `signing_key` table, and the key's lifecycle and
sealing are keymaterial's. The ring answers the two questions of the hot path from memory:
which key verifies a token with this `kid` now, and which key signs a new token now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc import jwk

from keymaterial.lifecycle import KeyLifecycle
from keymaterial.sealing import KeyMaterialError


@dataclass(frozen=True)
class KeyRecord(KeyLifecycle):
    """One signing key as the store holds it, without its private half."""

    kid: str
    algorithm: str
    public_jwk: dict[str, Any]


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
        self.records = tuple(sorted(records, key=lambda r: r.active_from, reverse=True))
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
