"""Minting access tokens: the claims of a grant, signed by the ring's current key."""

from __future__ import annotations

from typing import Any

from joserfc import jwt

from gateway.auth.claims import TOKEN_TYPE
from gateway.auth.keys import Signer


class NoSigningKey(Exception):
    """No key may sign now (all retired or revoked): run `cbccvc keys rotate`."""


def sign_access_token(claims: dict[str, Any], signer: Signer | None) -> str:
    """A compact JWS with the RFC 9068 header: typ at+jwt, the signer's alg and kid."""
    if signer is None:
        raise NoSigningKey("no signing key is active: run `cbccvc keys rotate`")
    header = {"typ": TOKEN_TYPE, "alg": signer.algorithm, "kid": signer.kid}
    return jwt.encode(header, claims, signer.key, algorithms=[signer.algorithm], default_type=None)
