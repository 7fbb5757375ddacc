"""The signing keys in the store: load the ring, add, rotate, revoke, list.

Every change ends with `NOTIFY cbccvc_signing_keys` in the same transaction, so running gateways
reload their ring as soon as the change commits (see `state.KeyWatcher`), whichever process
made it: the `cbccvc keys` command or another replica.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, and_, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.auth.keys import KeyRecord, KeyRing
from keymaterial.lifecycle import DEFAULT_SIGNING_ALGORITHM, generate
from keymaterial.sealing import seal, unseal
from store.models import table_of
from store.models_auth import SigningKey

log = logging.getLogger(__name__)

CHANNEL = "cbccvc_signing_keys"
_table = table_of(SigningKey)
# Two gateways starting on an empty store must not both create a first key.
_FIRST_KEY_LOCK = 0x63626B65  # "cbke"


def _record(row: Row[Any]) -> KeyRecord:
    return KeyRecord(
        kid=row.kid,
        algorithm=row.algorithm,
        public_jwk=dict(row.public_jwk),
        created_at=row.created_at,
        activated_at=row.activated_at,
        retired_at=row.retired_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


async def _notify(conn: AsyncConnection, kid: str) -> None:
    await conn.execute(select(func.pg_notify(CHANNEL, kid)))


async def load_ring(engine: AsyncEngine, kek: bytes | None) -> KeyRing:
    """The published keys, with the private halves of those that may still sign."""
    query = select(_table).where(
        SigningKey.revoked_at.is_(None),
        or_(SigningKey.expires_at.is_(None), SigningKey.expires_at > func.now()),
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    records = [_record(row) for row in rows]
    private = {
        row.kid: unseal(row.private_key, row.private_key_encryption, kek, row.kid)
        for row in rows
        if row.retired_at is None
    }
    return KeyRing(records, private)


async def _insert_key(
    conn: AsyncConnection, algorithm: str, kek: bytes | None, activate_after: timedelta
) -> KeyRecord:
    new = generate(algorithm)
    stored, encryption = seal(new.private_pem, kek, new.kid)
    row = (
        await conn.execute(
            insert(_table)
            .values(
                kid=new.kid,
                algorithm=new.algorithm,
                public_jwk=new.public_jwk,
                private_key=stored,
                private_key_encryption=encryption,
                activated_at=func.now() + activate_after,
            )
            .returning(_table)
        )
    ).one()
    await _notify(conn, new.kid)
    return _record(row)


async def add_key(
    engine: AsyncEngine,
    kek: bytes | None,
    *,
    algorithm: str = DEFAULT_SIGNING_ALGORITHM,
    activate_after: timedelta = timedelta(0),
) -> KeyRecord:
    """A new key, published at once and signing from `activate_after` on.

    Publishing before signing lets relying parties that cache our JWKS learn the key before
    the first token signed with it reaches them.
    """
    async with engine.begin() as conn:
        return await _insert_key(conn, algorithm, kek, activate_after)


async def rotate_keys(
    engine: AsyncEngine,
    kek: bytes | None,
    *,
    overlap: timedelta,
    algorithm: str = DEFAULT_SIGNING_ALGORITHM,
) -> tuple[KeyRecord, list[KeyRecord]]:
    """A new signing key; the keys that signed until now retire but verify for `overlap` more.

    The overlap must outlast the tokens they signed (the access-token lifetime plus clock skew),
    so no token in flight is refused: rotation without downtime.
    """
    async with engine.begin() as conn:
        retired = (
            await conn.execute(
                update(_table)
                .where(
                    SigningKey.retired_at.is_(None),
                    SigningKey.revoked_at.is_(None),
                    SigningKey.activated_at <= func.now(),
                )
                .values(retired_at=func.now(), expires_at=func.now() + overlap)
                .returning(_table)
            )
        ).all()
        new = await _insert_key(conn, algorithm, kek, timedelta(0))
    return new, [_record(row) for row in retired]


async def revoke_key(engine: AsyncEngine, kid: str) -> KeyRecord | None:
    """Unpublish a key at once: tokens it signed are refused from the next reload (immediate
    on gateways that hear the NOTIFY). For a key that leaked."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                update(_table)
                .where(SigningKey.kid == kid, SigningKey.revoked_at.is_(None))
                .values(revoked_at=func.now())
                .returning(_table)
            )
        ).one_or_none()
        if row is not None:
            await _notify(conn, kid)
    return None if row is None else _record(row)


async def list_keys(engine: AsyncEngine) -> list[KeyRecord]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(_table).order_by(SigningKey.created_at))).all()
    return [_record(row) for row in rows]


async def ensure_signing_key(engine: AsyncEngine, kek: bytes | None) -> KeyRecord | None:
    """Create a first key when none may sign (a new store); returns it, or None if one could.

    Keys are never shipped with the code: each store makes its own on first start.
    """
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _FIRST_KEY_LOCK})
        usable = (
            await conn.execute(
                select(func.count()).where(
                    and_(
                        SigningKey.revoked_at.is_(None),
                        SigningKey.retired_at.is_(None),
                        SigningKey.activated_at <= func.now(),
                    )
                )
            )
        ).scalar_one()
        if usable:
            return None
        record = await _insert_key(conn, DEFAULT_SIGNING_ALGORITHM, kek, timedelta(0))
    log.info("created signing key %s (%s)", record.kid, record.algorithm)
    return record
