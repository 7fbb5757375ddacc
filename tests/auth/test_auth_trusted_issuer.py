"""Tokens from another authorization server, trusted by configuration and verified by its JWKS.

The issuer's JWKS is served by a real HTTP server on loopback; nothing is mocked.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from auth_helpers import AUDIENCE, TRUSTED_ISSUER, JwksServer, StaticKeys, key_record, whoami
from joserfc import jwk, jwt

from gateway.auth import AuthenticationError, Authenticator
from gateway.auth.jwks import RemoteJwks
from gateway.auth.keys import KeyRing
from gateway.auth.verify import IssuerPolicy


def external_token(
    key: jwk.Key, kid: str, *, level: str = "province", issuer: str = TRUSTED_ISSUER
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": "portal-hanoi",
        "client_id": "portal-hanoi",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "cbccvc_level": level,
        "cbccvc_org": "000.00.00.H29",
    }
    header = {"alg": "ES256", "kid": kid, "typ": "at+jwt"}
    return jwt.encode(header, claims, key, algorithms=["ES256"])


async def test_a_token_of_a_trusted_issuer_is_accepted_as_its_caller(
    http: httpx.AsyncClient, trusted_jwks: tuple[JwksServer, jwk.ECKey]
) -> None:
    _, key = trusted_jwks
    response = await whoami(http, external_token(key, "province-1"))
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["issuer"], me["level"], me["organization"]) == (
        TRUSTED_ISSUER,
        "province",
        "000.00.00.H29",
    )


async def test_a_trusted_issuer_cannot_grant_a_level_it_was_not_trusted_with(
    http: httpx.AsyncClient, trusted_jwks: tuple[JwksServer, jwk.ECKey]
) -> None:
    _, key = trusted_jwks
    response = await whoami(http, external_token(key, "province-1", level="central"))
    assert response.status_code == 401
    assert "may not grant" in response.json()["error"]


async def test_a_token_signed_by_a_key_the_issuer_does_not_publish_is_refused(
    http: httpx.AsyncClient, trusted_jwks: tuple[JwksServer, jwk.ECKey]
) -> None:
    stranger = jwk.generate_key("EC", "P-256", private=True)
    response = await whoami(http, external_token(stranger, "province-1"))
    assert response.status_code == 401
    assert "signature" in response.json()["error"]


@pytest.fixture
def issuer_key() -> jwk.ECKey:
    return jwk.generate_key("EC", "P-256", private=True)


def authenticator(remote: RemoteJwks) -> Authenticator:
    record, pem = key_record()
    policy = IssuerPolicy(TRUSTED_ISSUER, AUDIENCE, frozenset({"ES256"}))
    own = IssuerPolicy("https://cbccvc.test", AUDIENCE, frozenset({"ES256"}))
    return Authenticator(
        own=own,
        local_keys=StaticKeys(KeyRing([record], {record.kid: pem})),
        trusted=[(policy, remote)],
    )


async def test_a_rotated_issuer_key_is_fetched_when_a_token_names_it(
    issuer_key: jwk.ECKey,
) -> None:
    server = JwksServer()
    server.publish((issuer_key, "k1", "ES256"))
    with server.running():
        async with httpx.AsyncClient() as client:
            remote = RemoteJwks(server.url, client, ttl=600, min_refetch=0)
            auth = authenticator(remote)
            await auth.authenticate(f"Bearer {external_token(issuer_key, 'k1')}")
            rotated = jwk.generate_key("EC", "P-256", private=True)
            server.publish((issuer_key, "k1", "ES256"), (rotated, "k2", "ES256"))
            caller = await auth.authenticate(f"Bearer {external_token(rotated, 'k2')}")
    assert caller.issuer == TRUSTED_ISSUER
    assert server.requests == 2


async def test_tokens_with_made_up_kids_do_not_flood_the_issuer(issuer_key: jwk.ECKey) -> None:
    server = JwksServer()
    server.publish((issuer_key, "k1", "ES256"))
    with server.running():
        async with httpx.AsyncClient() as client:
            remote = RemoteJwks(server.url, client, ttl=600, min_refetch=30)
            auth = authenticator(remote)
            for attempt in range(20):
                with pytest.raises(AuthenticationError, match="key"):
                    await auth.authenticate(f"Bearer {external_token(issuer_key, f'x{attempt}')}")
    assert server.requests <= 2


async def test_an_unreachable_issuer_is_a_clear_refusal(issuer_key: jwk.ECKey) -> None:
    server = JwksServer()
    server.close()  # nothing listens at its address any more
    url = server.url
    async with httpx.AsyncClient() as client:
        auth = authenticator(RemoteJwks(url, client, ttl=600))
        with pytest.raises(AuthenticationError, match="cannot be fetched"):
            await auth.authenticate(f"Bearer {external_token(issuer_key, 'k1')}")
