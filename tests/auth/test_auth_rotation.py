"""Key rotation without downtime, and revocation that takes effect at once.

The keys change in the store (as `cbccvc keys` changes them, from another process); the running
gateway hears of it by NOTIFY and reloads its ring: no restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from auth_helpers import A_COMMUNE, key_record, token_header, whoami
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth import AuthState
from gateway.auth.claims import Grant
from gateway.auth.keys import KeyRing
from gateway.auth.keystore import add_key, revoke_key, rotate_keys
from keymaterial.sealing import decode_kek, new_kek, unseal
from policies.types import Level
from store.models_auth import SigningKey

GRANT = Grant(Level.COMMUNE, A_COMMUNE, "svc", "svc")


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the gateway did not reload its keys"
        await asyncio.sleep(0.05)


def signs_with(state: AuthState, kid: str) -> Callable[[], bool]:
    def check() -> bool:
        signer = state.keys.ring.signer(datetime.now(UTC))
        return signer is not None and signer.kid == kid

    return check


async def jwks_kids(http: httpx.AsyncClient) -> set[str]:
    return {key["kid"] for key in (await http.get("/.well-known/jwks.json")).json()["keys"]}


async def test_after_rotation_old_and_new_tokens_both_verify_during_the_overlap(
    http: httpx.AsyncClient, auth_state: AuthState, auth_engine: AsyncEngine
) -> None:
    old_token, _ = auth_state.issue(GRANT)
    new_key, _ = await rotate_keys(auth_engine, None, overlap=timedelta(hours=1))
    await until(signs_with(auth_state, new_key.kid))
    new_token, _ = auth_state.issue(GRANT)
    assert token_header(new_token)["kid"] == new_key.kid != token_header(old_token)["kid"]
    assert (await whoami(http, old_token)).status_code == 200
    assert (await whoami(http, new_token)).status_code == 200
    assert {new_key.kid, token_header(old_token)["kid"]} <= await jwks_kids(http)


async def test_a_revoked_key_leaves_the_jwks_and_its_tokens_are_refused(
    http: httpx.AsyncClient, auth_state: AuthState, auth_engine: AsyncEngine
) -> None:
    old_token, _ = auth_state.issue(GRANT)
    old_kid = token_header(old_token)["kid"]
    assert (await whoami(http, old_token)).status_code == 200  # verified, and so cached
    new_key, _ = await rotate_keys(auth_engine, None, overlap=timedelta(hours=1))
    await revoke_key(auth_engine, old_kid)
    await until(lambda: auth_state.keys.ring.verification_key(old_kid, datetime.now(UTC)) is None)
    refused = await whoami(http, old_token)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert old_kid not in await jwks_kids(http)
    await until(signs_with(auth_state, new_key.kid))
    assert (await whoami(http, auth_state.issue(GRANT)[0])).status_code == 200


async def test_a_key_made_by_another_process_is_used_without_a_restart(
    auth_state: AuthState, auth_engine: AsyncEngine
) -> None:
    made = await add_key(auth_engine, None, algorithm="Ed25519")
    await until(signs_with(auth_state, made.kid))
    token, _ = auth_state.issue(GRANT)
    assert token_header(token)["alg"] == "Ed25519"
    assert (await auth_state.authenticator.authenticate(f"Bearer {token}")).level is Level.COMMUNE


async def test_a_key_published_ahead_does_not_sign_until_its_time(
    auth_state: AuthState, auth_engine: AsyncEngine
) -> None:
    pending = await add_key(auth_engine, None, activate_after=timedelta(hours=1))
    await until(lambda: any(r.kid == pending.kid for r in auth_state.keys.ring.records))
    published = auth_state.keys.ring.jwks(datetime.now(UTC))["keys"]
    assert pending.kid in {key["kid"] for key in published}
    token, _ = auth_state.issue(GRANT)
    assert token_header(token)["kid"] != pending.kid
    await revoke_key(auth_engine, pending.kid)  # leave the store as it was


async def test_a_retired_key_stops_verifying_when_its_overlap_ends() -> None:
    now = datetime.now(UTC)
    record, pem = key_record(retired_at=now - timedelta(hours=2), expires_at=now - timedelta(1))
    ring = KeyRing([record], {record.kid: pem})
    assert ring.verification_key(record.kid, now - timedelta(days=2)) is not None
    assert ring.verification_key(record.kid, now) is None
    assert ring.jwks(now) == {"keys": []}


async def test_with_a_key_encryption_key_the_store_holds_no_readable_private_key(
    auth_engine: AsyncEngine,
) -> None:
    kek_text = new_kek()
    kek = decode_kek(kek_text)
    made = await add_key(auth_engine, kek, activate_after=timedelta(days=365))
    async with auth_engine.connect() as conn:
        row = (
            await conn.execute(
                select(SigningKey.private_key, SigningKey.private_key_encryption).where(
                    SigningKey.kid == made.kid
                )
            )
        ).one()
    await revoke_key(auth_engine, made.kid)
    assert row.private_key_encryption == "A256GCM"
    assert b"PRIVATE KEY" not in row.private_key
    assert b"PRIVATE KEY" in unseal(row.private_key, "A256GCM", kek, made.kid)
