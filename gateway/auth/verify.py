"""The Authenticator: from an `Authorization` header to the Caller the policies decide for.

The hot path touches no database. Our own keys are in memory (a ring reloaded on change, and on
a kid we do not know); a trusted issuer's keys come from its JWKS, cached. A token verified once
is remembered, by its full text, until it expires (bounded LRU), so a portal sending the same
token with every request pays one signature check, not one per request.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import Key

from gateway.auth.claims import caller_from_claims, check_header, check_registered_claims
from gateway.auth.errors import AuthenticationError
from gateway.auth.jwks import JwksUnavailable, RemoteJwks
from gateway.auth.keys import KeyRing
from gateway.auth.organisations import OrganisationLookup, naming_refusal
from policies.containment import Organisation, Trust
from policies.types import PUBLIC_CALLER, Caller, Level

MAX_TOKEN_LENGTH = 8192
# three base64url segments; the last may be empty (an unsigned "alg: none" token, refused with
# a message that says so rather than "malformed")
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class LocalKeys(Protocol):
    """Our authorization server's keys, as the process holds them."""

    @property
    def ring(self) -> KeyRing: ...

    async def refresh_for_unknown_kid(self) -> None: ...


@dataclass(frozen=True)
class IssuerPolicy:
    """How the tokens of one issuer are checked."""

    issuer: str
    audience: str
    algorithms: frozenset[str]
    levels: frozenset[str] | None = None
    """The levels its tokens may claim; None for any."""
    organizations: frozenset[str] | None = None
    """The codes of the organisations under which every organisation its tokens name must
    lie; None for anywhere (our own issuer, whose clients were checked at registration)."""


@dataclass(frozen=True)
class _Verified:
    caller: Caller
    expires: float
    issuer: str
    kid: str


def _segment(text: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return None


def bearer_token(authorization_header: str) -> str:
    """The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1)."""
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationError("send the access token as `Authorization: Bearer <token>`")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH or not _COMPACT_JWS.fullmatch(token):
        raise AuthenticationError("the access token is malformed (expected a signed JWT)")
    return token


class Authenticator:
    def __init__(
        self,
        *,
        own: IssuerPolicy,
        local_keys: LocalKeys,
        organisations: OrganisationLookup | None,
        trusted: Collection[tuple[IssuerPolicy, RemoteJwks]] = (),
        leeway: int = 30,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._own = own
        self._local = local_keys
        self._organisations = organisations
        """None only where no organisation tree exists (unit tests of signatures and claims)."""
        self._trusted = {policy.issuer: (policy, jwks) for policy, jwks in trusted}
        self._leeway = leeway
        self._cache_size = cache_size
        self._cache: OrderedDict[str, _Verified] = OrderedDict()
        self._clock = clock

    async def authenticate(self, authorization_header: str | None) -> Caller:
        """The caller a request's `Authorization` header speaks for; the public without one.

        Raises AuthenticationError for any header that is there but not a valid access token.
        """
        if authorization_header is None:
            return PUBLIC_CALLER
        token = bearer_token(authorization_header)
        now = self._clock()
        cached = self._cache.get(token)
        if cached is not None:
            if cached.expires > now - self._leeway and self._key_still_trusted(cached, now):
                self._cache.move_to_end(token)
                # the tree may have changed since (a merger): contain on every request
                await self._contain(cached.caller, cached.issuer)
                return cached.caller
            del self._cache[token]
        verified = await self._verify(token, now)
        await self._contain(verified.caller, verified.issuer)
        if self._cache_size:
            self._cache[token] = verified
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return verified.caller

    async def _contain(self, caller: Caller, issuer: str) -> None:
        """Refuse a caller outside what its issuer may name (policies/containment.py)."""
        if self._organisations is None:
            return
        policy = self._own if issuer == self._own.issuer else self._trusted[issuer][0]
        reason = await naming_refusal(self._organisations, caller, await self._trust(policy))
        if reason is not None:
            raise AuthenticationError(reason)

    async def _trust(self, policy: IssuerPolicy) -> Trust:
        levels = None if policy.levels is None else frozenset(Level(v) for v in policy.levels)
        if policy.organizations is None or self._organisations is None:
            return Trust(levels=levels)
        roots: list[Organisation] = []
        for code in sorted(policy.organizations):
            found = await self._organisations.get(code)
            if found is not None:  # a trusted subtree no longer in the tree trusts nothing
                roots.append(found)
        return Trust(levels=levels, subtrees=tuple(roots))

    def _key_still_trusted(self, verified: _Verified, now: float) -> bool:
        # A key revoked (or a JWKS that dropped it) after the token was cached must not keep
        # the token alive: check the key is still there, which costs a dict lookup.
        if verified.issuer == self._own.issuer:
            return self._local.ring.verification_key(verified.kid, _utc(now)) is not None
        entry = self._trusted.get(verified.issuer)
        return entry is not None and entry[1].has(verified.kid)

    async def _verify(self, token: str, now: float) -> _Verified:
        encoded_header, encoded_payload, _ = token.split(".")
        header, unverified = _segment(encoded_header), _segment(encoded_payload)
        if not isinstance(header, dict) or not isinstance(unverified, dict):
            raise AuthenticationError("the access token is malformed (expected a signed JWT)")
        # The unverified `iss` only picks where to look for the key; the signature and every
        # claim are checked against that issuer's policy before anything is believed.
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or not issuer:
            raise AuthenticationError("the access token lacks the `iss` claim")
        if issuer == self._own.issuer:
            policy = self._own
        elif issuer in self._trusted:
            policy = self._trusted[issuer][0]
        else:
            raise AuthenticationError("the access token's issuer is not trusted")
        kid = check_header(header, policy.algorithms)
        key = await self._key(policy, kid, header["alg"], now)
        try:
            claims = jwt.decode(token, key, algorithms=[header["alg"]]).claims
        except BadSignatureError as error:
            raise AuthenticationError("the access token's signature does not verify") from error
        except JoseError as error:
            raise AuthenticationError("the access token is malformed") from error
        check_registered_claims(
            claims, issuer=policy.issuer, audience=policy.audience, now=now, leeway=self._leeway
        )
        caller = caller_from_claims(claims, allowed_levels=policy.levels)
        return _Verified(caller, float(claims["exp"]), issuer, kid)

    async def _key(self, policy: IssuerPolicy, kid: str, alg: str, now: float) -> Key:
        if policy is self._own:
            found = self._local.ring.verification_key(kid, _utc(now))
            if found is None:
                # a key made by another replica or by `cbccvc keys` moments ago
                await self._local.refresh_for_unknown_kid()
                found = self._local.ring.verification_key(kid, _utc(now))
            if found is None:
                raise AuthenticationError("the access token's signing key is unknown or revoked")
            key, key_alg = found
        else:
            try:
                remote = await self._trusted[policy.issuer][1].key(kid)
            except JwksUnavailable as error:
                raise AuthenticationError(
                    "the issuer's signing keys cannot be fetched now; try again later"
                ) from error
            if remote is None:
                raise AuthenticationError("the access token's signing key is unknown or revoked")
            key, key_alg = remote, remote.alg or alg
        if key_alg != alg:
            raise AuthenticationError("the access token's algorithm does not match its key")
        return key


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
