"""The Authenticator refuses every token that is not a valid access token for this gateway.

Real keys and real signatures throughout; only the ring is built in memory instead of loaded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest
from auth_helpers import AUDIENCE, ISSUER, StaticKeys, b64json, key_record
from joserfc import jwk, jwt

from gateway.auth import AuthenticationError, Authenticator, www_authenticate
from gateway.auth.claims import Grant, access_token_claims
from gateway.auth.keys import KeyRing, Signer
from gateway.auth.tokens import sign_access_token
from gateway.auth.verify import IssuerPolicy
from policies.types import PUBLIC_CALLER, Caller, Level

PROVINCE = Grant(Level.PROVINCE, "000.00.00.H29", "svc-hanoi", "svc-hanoi", ("statistics",))


class World:
    """A ring with one key, an Authenticator trusting it, and a clock the test can move."""

    def __init__(self) -> None:
        record, pem = key_record()
        self.ring = KeyRing([record], {record.kid: pem})
        self.keys = StaticKeys(self.ring)
        self.now = time.time()
        self.authenticator = Authenticator(
            own=IssuerPolicy(ISSUER, AUDIENCE, frozenset({"ES256", "Ed25519"})),
            local_keys=self.keys,
            organisations=None,  # signatures and claims only: containment is tested apart
            leeway=30,
            clock=lambda: self.now,
        )
        signer = self.ring.signer(record.activated_at)
        assert signer is not None
        self.signer: Signer = signer

    def claims(self, grant: Grant = PROVINCE, **changes: Any) -> dict[str, Any]:
        claims = access_token_claims(
            grant, issuer=ISSUER, audience=AUDIENCE, lifetime=600, now=self.now
        )
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def token(self, **changes: Any) -> str:
        return sign_access_token(self.claims(**changes), self.signer)

    def signed(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        return jwt.encode(header, claims, self.signer.key, algorithms=[header["alg"]])

    async def caller(self, token: str) -> Caller:
        return await self.authenticator.authenticate(f"Bearer {token}")


@pytest.fixture
def world() -> World:
    return World()


async def refused(world: World, token: str) -> str:
    with pytest.raises(AuthenticationError) as raised:
        await world.caller(token)
    return raised.value.message


async def test_no_authorization_header_is_the_public(world: World) -> None:
    assert await world.authenticator.authenticate(None) is PUBLIC_CALLER


async def test_a_valid_token_becomes_the_caller_it_names(world: World) -> None:
    caller = await world.caller(world.token())
    assert caller.level is Level.PROVINCE
    assert caller.organization == "000.00.00.H29"
    assert caller.purposes == frozenset({"statistics"})
    assert (caller.subject, caller.client_id, caller.issuer) == ("svc-hanoi", "svc-hanoi", ISSUER)
    assert caller.token_id


async def test_an_expired_token_is_refused(world: World) -> None:
    assert "expired" in await refused(world, world.token(exp=int(world.now) - 60))


async def test_a_token_expired_within_the_clock_skew_still_passes(world: World) -> None:
    caller = await world.caller(world.token(exp=int(world.now) - 10))
    assert caller.level is Level.PROVINCE


async def test_a_token_not_yet_valid_is_refused(world: World) -> None:
    assert "not valid yet" in await refused(world, world.token(nbf=int(world.now) + 300))


async def test_a_token_issued_in_the_future_is_refused(world: World) -> None:
    assert "future" in await refused(world, world.token(iat=int(world.now) + 300))


async def test_a_token_for_another_audience_is_refused(world: World) -> None:
    assert "aud" in await refused(world, world.token(aud="https://other.test/api"))


async def test_a_token_from_an_unknown_issuer_is_refused(world: World) -> None:
    assert "issuer" in await refused(world, world.token(iss="https://evil.test"))


async def test_an_unsigned_alg_none_token_is_refused(world: World) -> None:
    header = {"alg": "none", "typ": "at+jwt", "kid": world.signer.kid}
    token = f"{b64json(header)}.{b64json(world.claims())}."
    assert "not signed" in await refused(world, token)


async def test_hs256_signed_with_the_public_key_as_secret_is_refused(world: World) -> None:
    # the classic confusion: a verifier that let the token pick HMAC would use our public key,
    # which anyone can download, as the shared secret
    public = world.ring.jwks(world.ring.records[0].activated_at)["keys"][0]
    key = world.signer.key
    assert isinstance(key, jwk.ECKey)
    for secret in (key.as_pem(private=False), b64json(public).encode()):
        header = {"alg": "HS256", "typ": "at+jwt", "kid": world.signer.kid}
        signing_input = f"{b64json(header)}.{b64json(world.claims())}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
        assert "algorithm" in await refused(world, token)


async def test_a_token_that_is_not_an_access_token_is_refused(world: World) -> None:
    header = {"alg": "ES256", "typ": "JWT", "kid": world.signer.kid}
    assert "typ" in await refused(world, world.signed(header, world.claims()))


async def test_a_token_signed_by_an_unknown_key_is_refused(world: World) -> None:
    other = World()
    message = await refused(world, other.token())
    assert "key" in message
    assert world.keys.refreshes == 1  # it asked for our newest keys before refusing


async def test_a_tampered_payload_is_refused(world: World) -> None:
    header, _, signature = world.token().split(".")
    forged = b64json(world.claims(cbccvc_level="central", cbccvc_org="000.00.00.G09"))
    assert "signature" in await refused(world, f"{header}.{forged}.{signature}")


async def test_a_tampered_payload_is_refused_even_after_the_real_token_was_cached(
    world: World,
) -> None:
    token = world.token()
    await world.caller(token)
    header, _, signature = token.split(".")
    forged = b64json(world.claims(cbccvc_level="central", cbccvc_org="000.00.00.G09"))
    assert "signature" in await refused(world, f"{header}.{forged}.{signature}")


@pytest.mark.parametrize(
    "garbage",
    ["", "not-a-token", "a.b", "a.b.c.d.e", "!!!.???.###", "eyJhbGciOiJFUzI1NiJ9.e30.e30"],
)
async def test_garbage_is_refused(world: World, garbage: str) -> None:
    await refused(world, garbage)


async def test_another_authorization_scheme_is_refused(world: World) -> None:
    with pytest.raises(AuthenticationError, match="Bearer"):
        await world.authenticator.authenticate("Basic dXNlcjpwYXNz")


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "sub", "client_id", "aud", "iss"])
async def test_a_token_missing_a_required_claim_is_refused(world: World, claim: str) -> None:
    assert claim in await refused(world, world.token(**{claim: None}))


async def test_an_unknown_level_is_refused(world: World) -> None:
    assert "cbccvc_level" in await refused(world, world.token(cbccvc_level="district"))


async def test_the_public_level_cannot_be_claimed(world: World) -> None:
    assert "cbccvc_level" in await refused(world, world.token(cbccvc_level="public"))


async def test_an_organisation_level_without_an_organisation_is_refused(world: World) -> None:
    assert "cbccvc_org" in await refused(world, world.token(cbccvc_org=None))


async def test_a_cached_token_is_refused_once_it_expires(world: World) -> None:
    token = world.token()
    await world.caller(token)
    world.now += 600 + 31
    assert "expired" in await refused(world, token)


async def test_a_repeated_token_is_answered_from_the_cache(world: World) -> None:
    token = world.token()
    assert await world.caller(token) is await world.caller(token)


def test_the_401_header_follows_rfc_6750() -> None:
    header = www_authenticate(AuthenticationError('the access token has "expired"'))
    assert header == (
        'Bearer error="invalid_token", error_description="the access token has ?expired?"'
    )
