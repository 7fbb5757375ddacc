"""What an access token says, and the checks every token passes: pure functions, no I/O.

Tokens follow the JWT profile for OAuth 2.0 access tokens (RFC 9068): header `typ` "at+jwt",
claims iss, aud, exp, iat, jti, sub and client_id. Three claims of ours say who the caller is
to the policies: their management level, their organisation scope and their purposes.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.auth.errors import AuthenticationError
from policies.types import TOKEN_LEVELS, Caller, Level

CLAIM_LEVEL = "cbccvc_level"
"""The caller's management level: central, ministry, province, commune, unit, self or partner."""
CLAIM_ORG = "cbccvc_org"
"""The electronic code of the caller's organisation scope (QĐ 20/2020), e.g. 000.00.00.G09."""
CLAIM_PURPOSES = "cbccvc_purposes"
"""The purposes the caller acts for (a list of strings); partners see fields by purpose."""

TOKEN_TYPE = "at+jwt"  # noqa: S105 - a media type, not a password
_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})  # RFC 9068 §4: either spelling
REGISTERED_CLAIMS = ("iss", "aud", "exp", "iat", "jti", "sub", "client_id")
"""Claims RFC 9068 requires in every access token (`aud` and `exp` above all)."""
_LEVELS_WITHOUT_ORG = frozenset({Level.SELF})
"""Every level but self acts for an organisation, so its token must name one."""


@dataclass(frozen=True)
class Grant:
    """Who a token will speak for: registered with a client, or chosen for a development token."""

    level: Level
    organization: str | None
    subject: str
    client_id: str
    purposes: tuple[str, ...] = field(default_factory=tuple)


def access_token_claims(
    grant: Grant, *, issuer: str, audience: str, lifetime: int, now: float
) -> dict[str, Any]:
    """The claims of a new access token for `grant`, valid `lifetime` seconds from `now`."""
    issued = int(now)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": grant.subject,
        "client_id": grant.client_id,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "jti": uuid.uuid4().hex,
        CLAIM_LEVEL: grant.level.value,
        CLAIM_PURPOSES: list(grant.purposes),
    }
    if grant.organization is not None:
        claims[CLAIM_ORG] = grant.organization
    return claims


def check_header(header: Mapping[str, Any], algorithms: Collection[str]) -> str:
    """The key id of a token whose protected header is acceptable; refuses the rest.

    The algorithm is pinned by us, never taken on the token's word: `none` and HMAC are
    refused before any key is looked at, which closes the "alg: none" and the HS256-with-the-
    public-key confusions.
    """
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise AuthenticationError("the access token is not signed")
    if alg not in algorithms:
        allowed = ", ".join(sorted(algorithms))
        raise AuthenticationError(f"the access token's signing algorithm is not one of {allowed}")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in _TOKEN_TYPES:
        raise AuthenticationError(f"the token is not a JWT access token (typ must be {TOKEN_TYPE})")
    if "crit" in header:
        raise AuthenticationError("the access token has critical header parameters we do not know")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise AuthenticationError("the access token does not name its signing key (kid)")
    return kid


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims[name]
    # bool is an int in Python, and NaN compares false with everything (it would never expire)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AuthenticationError(f"the access token's `{name}` claim is not a time")
    return float(value)


def check_registered_claims(
    claims: Mapping[str, Any], *, issuer: str, audience: str, now: float, leeway: int
) -> None:
    """The RFC 9068 claims are present and say the token is for us, from `issuer`, valid now."""
    for name in REGISTERED_CLAIMS:
        if claims.get(name) in (None, "", []):
            raise AuthenticationError(f"the access token lacks the `{name}` claim")
    if claims["iss"] != issuer:
        raise AuthenticationError("the access token's issuer is not trusted")
    audiences = claims["aud"]
    if isinstance(audiences, str):
        audiences = [audiences]
    if not isinstance(audiences, list) or audience not in audiences:
        raise AuthenticationError("the access token is not meant for this gateway (aud)")
    for name in ("sub", "jti", "client_id"):
        if not isinstance(claims[name], str):
            raise AuthenticationError(f"the access token's `{name}` claim is not a string")
    if _number(claims, "exp") <= now - leeway:
        raise AuthenticationError("the access token has expired")
    if "nbf" in claims and _number(claims, "nbf") > now + leeway:
        raise AuthenticationError("the access token is not valid yet (nbf)")
    if _number(claims, "iat") > now + leeway:
        raise AuthenticationError("the access token was issued in the future (iat): check clocks")


def caller_from_claims(
    claims: Mapping[str, Any], *, allowed_levels: Collection[str] | None = None
) -> Caller:
    """The caller a verified token speaks for; refuses tokens whose claims of ours are wrong."""
    raw_level = claims.get(CLAIM_LEVEL)
    if raw_level is None:
        raise AuthenticationError(f"the access token lacks the `{CLAIM_LEVEL}` claim")
    try:
        level = Level(raw_level) if isinstance(raw_level, str) else None
    except ValueError:
        level = None
    if level is None or level not in TOKEN_LEVELS:
        known = ", ".join(sorted(TOKEN_LEVELS))
        raise AuthenticationError(f"the access token's `{CLAIM_LEVEL}` is not one of {known}")
    if allowed_levels is not None and level.value not in allowed_levels:
        raise AuthenticationError(f"the access token's issuer may not grant the {level} level")
    organization = claims.get(CLAIM_ORG)
    if organization is not None and (not isinstance(organization, str) or not organization):
        raise AuthenticationError(f"the access token's `{CLAIM_ORG}` is not an agency code")
    if organization is None and level not in _LEVELS_WITHOUT_ORG:
        raise AuthenticationError(f"the access token lacks the `{CLAIM_ORG}` claim")
    purposes = claims.get(CLAIM_PURPOSES, [])
    if not isinstance(purposes, list) or not all(isinstance(p, str) for p in purposes):
        raise AuthenticationError(f"the access token's `{CLAIM_PURPOSES}` is not a list of strings")
    return Caller(
        level=level,
        organization=organization,
        subject=claims["sub"],
        client_id=claims["client_id"],
        purposes=frozenset(purposes),
        token_id=claims["jti"],
        issuer=claims["iss"],
    )
