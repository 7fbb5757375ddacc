"""Registered OAuth clients: the systems that may ask our token endpoint for access tokens.

A client is registered with the management level, organisation and purposes its tokens will
carry; it proves who it is with a secret (client_secret_basic, stored as a scrypt hash) or with
a key pair (private_key_jwt, of which we keep only the public JWKS).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.claims import Grant
from gateway.auth.organisations import OrganisationDirectory, naming_refusal
from gateway.auth.passwords import hash_secret, new_secret, verify_secret
from policies.types import Caller, Level
from store.models import table_of
from store.models_auth import CLIENT_AUTH_METHODS, CLIENT_LEVELS, OAuthClient

SECRET = "client_secret_basic"  # noqa: S105 - a method name, not a password
PRIVATE_KEY_JWT = "private_key_jwt"
_table = table_of(OAuthClient)


class ClientError(ValueError):
    """A client cannot be registered as asked; the message says why."""


def public_jwks(document: object) -> dict[str, Any]:
    """A client's public keys as a JWKS, checked: asymmetric, public only, each with a kid.

    Accepts a JWKS (`{"keys": [...]}`) or a single JWK.
    """
    if isinstance(document, dict) and "keys" not in document:
        document = {"keys": [document]}
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ClientError("the JWKS must hold at least one key")
    for key in keys:
        if not isinstance(key, dict) or key.get("kty") not in ("EC", "OKP", "RSA"):
            raise ClientError("JWKS keys must be EC, OKP or RSA public keys")
        if "d" in key or any(part in key for part in ("p", "q", "dp", "dq", "qi")):
            raise ClientError("the JWKS holds a private key: register only the public half")
        if not isinstance(key.get("kid"), str) or not key["kid"]:
            raise ClientError("every JWKS key needs a kid")
    try:
        KeySet.import_key_set({"keys": keys})
    except (JoseError, ValueError, TypeError) as exc:
        raise ClientError("the JWKS does not parse as public keys") from exc
    return {"keys": keys}


@dataclass(frozen=True)
class ClientRecord:
    """One registered client, with the methods authlib's server asks a client model for."""

    client_id: str
    name: str
    auth_method: str
    level: Level
    organization: str
    purposes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    secret_hash: str | None = field(default=None, repr=False)
    jwks: dict[str, Any] | None = None

    @property
    def key_set(self) -> KeySet:
        """The registered public keys (private_key_jwt clients only)."""
        assert self.jwks is not None, "only private_key_jwt clients have keys"
        return KeySet.import_key_set(self.jwks)  # type: ignore[arg-type]

    def grant(self) -> Grant:
        """What its access tokens say: for client credentials, `sub` is the client itself."""
        return Grant(self.level, self.organization, self.client_id, self.client_id, self.purposes)

    # --- authlib's ClientMixin ------------------------------------------------------------------

    def get_client_id(self) -> str:
        return self.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret_hash is not None and verify_secret(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method == self.auth_method

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

    def get_allowed_scope(self, scope: str) -> str:
        return ""


def _record(row: Row[Any]) -> ClientRecord:
    return ClientRecord(
        client_id=row.client_id,
        name=row.name,
        auth_method=row.token_endpoint_auth_method,
        level=Level(row.level),
        organization=row.organization_code,
        purposes=tuple(row.purposes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        secret_hash=row.secret_hash,
        jwks=row.jwks,
    )


@dataclass(frozen=True)
class NewClient:
    record: ClientRecord
    secret: str | None
    """The client secret, in clear: shown once, never stored."""


async def add_client(
    engine: AsyncEngine,
    *,
    name: str,
    level: str,
    organization: str,
    purposes: tuple[str, ...] = (),
    auth_method: str = SECRET,
    jwks: object = None,
) -> NewClient:
    if level not in CLIENT_LEVELS:
        raise ClientError(f"a client's level is one of {', '.join(CLIENT_LEVELS)}, not {level!r}")
    if auth_method not in CLIENT_AUTH_METHODS:
        raise ClientError(f"authentication is one of {', '.join(CLIENT_AUTH_METHODS)}")
    if not name.strip():
        raise ClientError("a client needs a name")
    secret = new_secret() if auth_method == SECRET else None
    keys = None
    if auth_method == PRIVATE_KEY_JWT:
        if jwks is None:
            raise ClientError("private_key_jwt needs the client's public JWKS")
        keys = public_jwks(jwks)
    # a client's tokens will name this level and organisation: refuse what the gateway would
    reason = await naming_refusal(
        OrganisationDirectory(engine, ttl_seconds=0),
        Caller(Level(level), organization=organization, subject=name),
    )
    if reason is not None:
        raise ClientError(reason)
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                insert(_table)
                .values(
                    client_id=f"cbccvc-{secrets.token_urlsafe(12)}",
                    name=name.strip(),
                    secret_hash=None if secret is None else hash_secret(secret),
                    token_endpoint_auth_method=auth_method,
                    jwks=keys,
                    level=level,
                    organization_code=organization,
                    purposes=sorted(set(purposes)),
                )
                .returning(_table)
            )
        ).one()
    return NewClient(_record(row), secret)


async def find_client(engine: AsyncEngine, client_id: str) -> ClientRecord | None:
    """The client with this id, unless it is revoked (a revoked client is no client at all)."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(_table).where(
                    OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None)
                )
            )
        ).one_or_none()
    return None if row is None else _record(row)


async def list_clients(engine: AsyncEngine) -> list[ClientRecord]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(_table).order_by(OAuthClient.created_at))).all()
    return [_record(row) for row in rows]


async def revoke_client(engine: AsyncEngine, client_id: str) -> ClientRecord | None:
    """Stop a client getting new tokens. Tokens it already holds expire on their own (minutes)."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                update(_table)
                .where(OAuthClient.client_id == client_id, OAuthClient.revoked_at.is_(None))
                .values(revoked_at=func.now())
                .returning(_table)
            )
        ).one_or_none()
    return None if row is None else _record(row)
