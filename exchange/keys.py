"""Exchange keys: each party's signing and encryption keys, their JWKS, and the keys a verifier
trusts for its peer. No network I/O; `load`/`save` read and write one party's key file.

    moha = PartyKeys.generate("VN:GOV:000.00.00.G09:GATEWAY", now, encryption=True)
    agency = PartyKeys.generate("VN:GOV:000.00.00.G18:HRM", now)
    agency.jwks(now)                    # what GET /agencies/<code>/v1/jwks publishes
    trusted = TrustedKeys.from_jwks(agency.jwks(now), revoked=agency.revoked_kids())

A party holds signing keys (`use: sig`, ES256 or Ed25519) and, for MOHA, encryption keys
(`use: enc`, ECDH-ES+A256KW on P-256). Rotation adds a new key and keeps the old one published
(verifying, decrypting, never signing or encrypted to) for the overlap; revocation drops a key at
once, everywhere it is looked up: the lifecycle the gateway's token keys share
(keymaterial/lifecycle.py). Private halves live only in key files (mode 0600, optionally sealed
with CBCCVC_KEY_ENCRYPTION_KEY, keymaterial/sealing.py); nothing here is committed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc import jwk
from joserfc.errors import JoseError

from keymaterial.lifecycle import (
    DEFAULT_SIGNING_ALGORITHM,
    KEY_WRAP_ALGORITHM,
    SIGNING_ALGORITHMS,
    AnyKey,
    KeyLifecycle,
    Use,
    generate,
)
from keymaterial.sealing import PLAIN, seal, unseal

CONTENT_ALGORITHM = "A256GCM"
DEFAULT_OVERLAP = timedelta(days=7)
MOHA_ID = "VN:GOV:000.00.00.G09:GATEWAY"
"""MOHA's identifier as a party of the exchange (the issuer of requests, receiver of responses)."""


class ExchangeKeyError(Exception):
    """A key file or key operation is unusable (missing, malformed, unknown kid)."""


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class PartyKey(KeyLifecycle):
    """One key of a party: its public half, and where it stands in its life (it signs, or is
    encrypted to, from its creation: exchange keys have no pending phase)."""

    kid: str
    use: Use
    algorithm: str
    public_jwk: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "use": self.use,
            "alg": self.algorithm,
            "public_jwk": self.public_jwk,
            "created_at": _iso(self.created_at),
            "retired_at": _iso(self.retired_at),
            "expires_at": _iso(self.expires_at),
            "revoked_at": _iso(self.revoked_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PartyKey:
        use = data["use"]
        if use not in ("sig", "enc"):
            raise ExchangeKeyError(f"key {data.get('kid')!r} has an unknown use {use!r}")
        created = _time(data["created_at"])
        assert created is not None
        return cls(
            kid=str(data["kid"]),
            use=use,
            algorithm=str(data["alg"]),
            public_jwk=dict(data["public_jwk"]),
            created_at=created,
            retired_at=_time(data.get("retired_at")),
            expires_at=_time(data.get("expires_at")),
            revoked_at=_time(data.get("revoked_at")),
        )


def new_key(use: Use, algorithm: str, now: datetime) -> tuple[PartyKey, dict[str, Any]]:
    """A fresh key pair: its public record and its private JWK."""
    new = generate(algorithm, use)
    return PartyKey(new.kid, use, algorithm, new.public_jwk, created_at=now), new.private_jwk


@dataclass(frozen=True)
class PartyKeys:
    """One party's keys with their private halves: what its own process signs and decrypts with.

    Immutable: generate, rotate and revoke return a new value (save it to make it stick).
    """

    party: str
    keys: tuple[PartyKey, ...]
    private: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def generate(
        cls,
        party: str,
        now: datetime,
        *,
        algorithm: str = DEFAULT_SIGNING_ALGORITHM,
        encryption: bool = False,
    ) -> PartyKeys:
        """A party with one signing key (and one encryption key when `encryption`)."""
        sig, sig_private = new_key("sig", algorithm, now)
        keys, private = [sig], {sig.kid: sig_private}
        if encryption:
            enc, enc_private = new_key("enc", KEY_WRAP_ALGORITHM, now)
            keys.append(enc)
            private[enc.kid] = enc_private
        return cls(party, tuple(keys), private)

    def find(self, kid: str) -> PartyKey:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise ExchangeKeyError(f"{self.party} has no key {kid!r}")

    def jwks(self, now: datetime) -> dict[str, list[dict[str, Any]]]:
        """The public JWKS: every published key, newest first."""
        published = sorted(
            (k for k in self.keys if k.published(now)), key=lambda k: k.created_at, reverse=True
        )
        return {"keys": [dict(k.public_jwk) for k in published]}

    def revoked_kids(self) -> frozenset[str]:
        return frozenset(k.kid for k in self.keys if k.revoked_at is not None)

    def _current(self, use: Use, now: datetime) -> PartyKey:
        current = [k for k in self.keys if k.use == use and k.may_sign(now)]
        if not current:
            raise ExchangeKeyError(f"{self.party} has no current {use} key (rotate to make one)")
        return max(current, key=lambda k: k.created_at)

    def private_key(self, kid: str) -> AnyKey:
        data = self.private.get(kid)
        if data is None:
            raise ExchangeKeyError(f"{self.party} holds no private half of key {kid!r}")
        key = jwk.import_key(dict(data))
        if not isinstance(key, jwk.ECKey | jwk.OKPKey):
            raise ExchangeKeyError(f"key {kid!r} is not an EC or OKP key")
        return key

    def signer(self, now: datetime) -> tuple[PartyKey, AnyKey]:
        """The newest current signing key and its private half."""
        record = self._current("sig", now)
        return record, self.private_key(record.kid)

    def encryption_key(self, now: datetime) -> PartyKey:
        """The newest current encryption key (what peers encrypt to)."""
        return self._current("enc", now)

    def decryption_key(self, kid: str, now: datetime) -> AnyKey | None:
        """The private half of a published encryption key, if `kid` names one."""
        record = next((k for k in self.keys if k.kid == kid and k.use == "enc"), None)
        if record is None or not record.published(now) or kid not in self.private:
            return None
        return self.private_key(kid)

    def rotate(
        self, use: Use, now: datetime, *, overlap: timedelta = DEFAULT_OVERLAP,
        algorithm: str | None = None,
    ) -> tuple[PartyKeys, PartyKey]:  # fmt: skip
        """A new current key of `use`; the old current ones stay published for `overlap`."""
        old = [k for k in self.keys if k.use == use and k.may_sign(now)]
        chosen = algorithm or (old[-1].algorithm if old else None)
        chosen = chosen or (DEFAULT_SIGNING_ALGORITHM if use == "sig" else KEY_WRAP_ALGORITHM)
        fresh, private = new_key(use, chosen, now)
        keys = tuple(k.retire(now, overlap) if k in old else k for k in self.keys)
        return replace(
            self, keys=(*keys, fresh), private={**self.private, fresh.kid: private}
        ), fresh

    def revoke(self, kid: str, now: datetime) -> PartyKeys:
        """Revoked at once: out of the JWKS, refused by every verifier that reads this party.

        The private half is destroyed with it.
        """
        self.find(kid)
        keys = tuple(k.revoke(now) if k.kid == kid else k for k in self.keys)
        private = {k: v for k, v in self.private.items() if k != kid}
        return replace(self, keys=keys, private=private)

    # --- the key file -----------------------------------------------------------------------

    def to_json(self, kek: bytes | None = None) -> bytes:
        private: dict[str, Any] = {}
        for kid, data in self.private.items():
            sealed, how = seal(json.dumps(dict(data)).encode(), kek, kid)
            private[kid] = {"sealed": how, "value": sealed.hex() if kek else sealed.decode()}
        document = {
            "party": self.party,
            "keys": [k.as_dict() for k in self.keys],
            "private": private,
        }
        return json.dumps(document, indent=2).encode()

    @classmethod
    def from_json(cls, text: bytes | str, kek: bytes | None = None) -> PartyKeys:
        try:
            document = json.loads(text)
            keys = tuple(PartyKey.from_dict(k) for k in document["keys"])
            private: dict[str, Mapping[str, Any]] = {}
            for kid, stored in document.get("private", {}).items():
                how = stored["sealed"]
                raw = bytes.fromhex(stored["value"]) if how != PLAIN else stored["value"].encode()
                private[kid] = json.loads(unseal(raw, how, kek, kid))
            return cls(str(document["party"]), keys, private)
        except (ValueError, KeyError, TypeError) as error:
            raise ExchangeKeyError(f"not a key file: {error}") from error

    def public(self) -> PartyKeys:
        """The same keys without any private half (what a peer may hold)."""
        return replace(self, private={})


def save(keys: PartyKeys, path: Path, kek: bytes | None = None) -> None:
    """Writes a key file readable by its owner only (it holds private halves)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(keys.to_json(kek))
    path.chmod(0o600)


def load(path: Path, kek: bytes | None = None) -> PartyKeys:
    return PartyKeys.from_json(path.read_bytes(), kek)


def write_jwks(keys: PartyKeys, path: Path, now: datetime | None = None) -> None:
    """A party's public JWKS as a file, with its revocations (what its peers trust)."""
    document = {
        **keys.jwks(now or datetime.now(UTC)),
        "party": keys.party,
        "revoked": sorted(keys.revoked_kids()),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    use: str
    algorithm: str
    key: AnyKey


class TrustedKeys:
    """The public keys a verifier accepts from one peer, and the kids it must refuse.

    Built from the peer's JWKS as registered out of band (a file, or the gateway's JWKS for
    MOHA): never from whatever the peer's server says during the exchange itself. Symmetric
    keys, keys with private parts and keys without a kid or alg are dropped: a published
    secret is no secret, and a key without a pinned algorithm invites confusion attacks.
    """

    def __init__(self, party: str, keys: Iterable[TrustedKey], revoked: Iterable[str] = ()) -> None:
        self.party = party
        self.revoked = frozenset(revoked)
        self._keys = {k.kid: k for k in keys if k.kid not in self.revoked}

    @classmethod
    def from_jwks(
        cls, document: Mapping[str, Any], *, party: str | None = None, revoked: Iterable[str] = ()
    ) -> TrustedKeys:
        keys = []
        for entry in document.get("keys", []):
            if not isinstance(entry, dict) or "d" in entry:
                continue
            kid, alg, use = entry.get("kid"), entry.get("alg"), entry.get("use", "sig")
            allowed = SIGNING_ALGORITHMS if use == "sig" else (KEY_WRAP_ALGORITHM,)
            if (
                entry.get("kty") not in ("EC", "OKP")
                or not isinstance(kid, str)
                or not isinstance(alg, str)
                or alg not in allowed
            ):
                continue
            try:
                key = jwk.import_key(entry)
            except (JoseError, ValueError, TypeError):
                continue
            if isinstance(key, jwk.ECKey | jwk.OKPKey):
                keys.append(TrustedKey(kid, use, alg, key))
        stated = document.get("revoked", [])
        name = party or str(document.get("party", ""))
        return cls(name, keys, {*revoked, *(k for k in stated if isinstance(k, str))})

    @classmethod
    def of(cls, keys: PartyKeys, now: datetime) -> TrustedKeys:
        return cls.from_jwks(keys.jwks(now), party=keys.party, revoked=keys.revoked_kids())

    def get(self, kid: str) -> TrustedKey | None:
        return self._keys.get(kid)

    def encryption_key(self) -> TrustedKey:
        """The peer's encryption key to encrypt to: the first one its JWKS lists (the newest)."""
        for key in self._keys.values():
            if key.use == "enc":
                return key
        raise ExchangeKeyError(f"{self.party or 'the peer'} publishes no encryption key")


class TrustedKeysFile:
    """TrustedKeys read from a JWKS file, read again whenever the file changes (a revocation
    written by `cbccvc agency-keys revoke` takes effect on the next message)."""

    def __init__(self, path: Path, party: str | None = None) -> None:
        self.path = path
        self.party = party
        self._stamp: tuple[int, int] | None = None
        self._keys: TrustedKeys | None = None

    def current(self) -> TrustedKeys:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._keys is None or stamp != self._stamp:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            self._keys = TrustedKeys.from_jwks(document, party=self.party)
            self._stamp = stamp
        return self._keys
