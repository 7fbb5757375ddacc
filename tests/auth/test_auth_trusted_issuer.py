"""Tokens from another authorization server, trusted by configuration and verified by its JWKS.

The issuer's JWKS is served by a real HTTP server on loopback; nothing is mocked.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from auth_helpers import (
    A_COMMUNE,
    AUDIENCE,
    TRUSTED_ISSUER,
    TRUSTED_PROVINCE,
    JwksServer,
    StaticKeys,
    key_record,
    whoami,
)
from joserfc import jwk, jwt

from gateway.auth import AuthenticationError, Authenticator
from gateway.auth.jwks import RemoteJwks
from gateway.auth.keys import KeyRing
from gateway.auth.verify import IssuerPolicy


def external_token(
    key: jwk.Key,
    kid: str,
    *,
    level: str = "province",
    issuer: str = TRUSTED_ISSUER,
    org: str | None = TRUSTED_PROVINCE,
    subject: str = "portal-hanoi",
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": subject,
        "client_id": "portal-hanoi",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "cbccvc_level": level,
    }
    if org is not None:
        claims["cbccvc_org"] = org
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
        TRUSTED_PROVINCE,
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
        organisations=None,  # JWKS fetching only: containment is tested with the store
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


async def refusal_of(http: httpx.AsyncClient, token: str) -> str:
    response = await whoami(http, token)
    assert response.status_code == 401, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"'), challenge
    return challenge


@pytest.mark.parametrize(
    ("level", "org", "reason"),
    [
        # the national root, a ministry and another province: outside its subtree or levels
        ("central", "000.00.00.A00", "may not grant the central level"),
        ("province", "000.00.00.H13", "outside the organisations the issuer is trusted for"),
        ("unit", "000.00.01.H13", "outside the organisations the issuer is trusted for"),
        ("ministry", "000.00.00.G12", "may not grant the ministry level"),
        # inside its subtree, but a level that does not fit the organisation
        ("unit", TRUSTED_PROVINCE, "a unit-level token must name a unit organisation"),
        ("province", A_COMMUNE, "a province-level token must name a province organisation"),
        # organisations that do not exist, or no longer do
        ("province", "000.00.00.H99", "000.00.00.H99 is not in the national tree"),
        ("province", "000.00.00.H29", "was merged into 000.00.00.H44"),
    ],
)
async def test_a_province_issuer_cannot_name_anything_outside_its_subtrees(
    http: httpx.AsyncClient,
    trusted_jwks: tuple[JwksServer, jwk.ECKey],
    level: str,
    org: str,
    reason: str,
) -> None:
    _, key = trusted_jwks
    challenge = await refusal_of(http, external_token(key, "province-1", level=level, org=org))
    assert reason in challenge


async def test_inside_its_subtree_a_province_issuer_names_communes_and_units(
    http: httpx.AsyncClient, trusted_jwks: tuple[JwksServer, jwk.ECKey]
) -> None:
    _, key = trusted_jwks
    for level, org in (("commune", A_COMMUNE), ("unit", "000.00.01.H24")):
        response = await whoami(http, external_token(key, "province-1", level=level, org=org))
        assert response.status_code == 200, response.text
        assert response.json()["organization"] == org
