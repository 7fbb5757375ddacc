"""The exchange envelope: signed requests from MOHA, signed-then-encrypted responses from agencies.

Pure (no I/O; the clock is an argument), built on joserfc with every algorithm pinned:

    request   Authorization: Bearer <client assertion>
              a JWS (ES256 or Ed25519) by MOHA's signing key over
              {iss: MOHA, aud: agency, iat, exp, jti, htm: method, htu: path?query, bh: body hash}
    response  Content-Type: application/jose
              JWE (ECDH-ES+A256KW, A256GCM) to MOHA's encryption key, whose plaintext is
              a JWS (ES256 or Ed25519) by the agency's signing key over the protocol payload,
              its protected header naming {iss: agency, aud: MOHA, iat, rid, req: request hash}

    assertion = sign_request(moha_keys, agency_id, "GET", "/v1/changes?limit=500", b"", now)
    claims = verify_request(assertion, ...)            # the connector; raises EnvelopeError
    token = seal_response(payload, agency_keys, moha_trusted, request_hash(assertion), now)
    opened = open_response(token, ...)                 # MOHA; raises EnvelopeError

Every check runs before the payload is parsed: a token that fails any of them is refused with
an EnvelopeError whose `reason` is one of REASONS, and nothing of it goes further.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.registry import HeaderParameter

from exchange.keys import CONTENT_ALGORITHM, PartyKeys, TrustedKeys
from keymaterial.lifecycle import KEY_WRAP_ALGORITHM, SIGNING_ALGORITHMS, AnyKey

REQUEST_TYPE = "moha-exchange-request+jwt"
RESPONSE_TYPE = "moha-exchange+jws"
MEDIA_TYPE = "application/jose"
MAX_ASSERTION_BYTES = 8 * 1024
MAX_ENVELOPE_BYTES = 48 * 1024 * 1024  # a page of 1000 records is a few MB; 32 MiB of payload
_KEY_TYPES = {"ES256": ("EC", "P-256"), "Ed25519": ("OKP", "Ed25519")}

REASONS = frozenset(
    {
        "malformed",  # not a compact JWS/JWE, header not JSON, claims missing
        "too_large",  # longer than the limit for its kind
        "algorithm",  # alg/enc other than the pinned ones: none, HS256, RS256, zip, ...
        "unknown_kid",  # no trusted key of that kid
        "revoked_kid",  # the kid was revoked
        "bad_signature",  # the signature does not verify
        "tampered",  # the ciphertext, tag or protected header was changed
        "wrong_audience",  # addressed to someone else
        "wrong_issuer",  # signed by someone else than expected
        "expired",  # past exp (with skew), or issued too long ago
        "not_yet_valid",  # iat in the future beyond the skew
        "replayed",  # the jti was seen within its window
        "wrong_request",  # the assertion does not match the request, or the response another
    }
)


class EnvelopeError(Exception):
    """A message refused by the envelope checks; `reason` is one of REASONS."""

    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {message}")
        self.reason = reason


@dataclass(frozen=True)
class Policy:
    """The tunables of the checks.

    Attributes:
        skew_s: how far the peers' clocks may disagree (seconds), both ways.
        max_lifetime_s: the longest an assertion may live (exp - iat).
        max_response_age_s: how old a response's iat may be when opened.
    """

    skew_s: float = 60.0
    max_lifetime_s: float = 300.0
    max_response_age_s: float = 300.0
    max_assertion_bytes: int = MAX_ASSERTION_BYTES
    max_envelope_bytes: int = MAX_ENVELOPE_BYTES


DEFAULT_POLICY = Policy()


def _registry(algorithms: list[str]) -> jws.JWSRegistry:
    """joserfc's JWS registry, pinned to `algorithms`, that also admits the response header's
    own members (which the signature covers like any protected header member)."""
    ours = {
        "iss": HeaderParameter("issuer", "str"),
        "aud": HeaderParameter("audience", "str"),
        "iat": HeaderParameter("issued at", "int"),
        "rid": HeaderParameter("response id", "str"),
        "req": HeaderParameter("hash of the request answered", "str"),
    }
    registry = jws.JWSRegistry(header_registry=ours, algorithms=algorithms)
    # joserfc caps payloads at 125 kB by default; a page of records is larger, and our own
    # limit (checked before joserfc sees the token) is what bounds it
    registry.max_payload_length = MAX_ENVELOPE_BYTES
    registry.max_header_length = 2048
    return registry


def _jwe_registry() -> jwe.JWERegistry:
    registry = jwe.JWERegistry(algorithms=[KEY_WRAP_ALGORITHM, CONTENT_ALGORITHM])
    registry.max_ciphertext_length = MAX_ENVELOPE_BYTES
    return registry


_REGISTRIES = {alg: _registry([alg]) for alg in SIGNING_ALGORITHMS}
_JWE_REGISTRY = _jwe_registry()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def digest(data: bytes | str) -> str:
    """SHA-256, base64url: the digest of a body, a token or a record."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    return b64url(hashlib.sha256(raw).digest())


def request_hash(assertion: str) -> str:
    """What a response carries in `req` to say which request it answers."""
    return digest(assertion)


def protected_header(token: str, parts: int) -> dict[str, Any]:
    """The decoded protected header of a compact JWS (3 parts) or JWE (5 parts)."""
    # count, not split: a sealed page is a megabyte, and only its first part is needed here
    first = token[: token.find(".")]
    if token.count(".") != parts - 1 or not first:
        raise EnvelopeError("malformed", f"expected {parts} dot-separated parts")
    try:
        padded = first + "=" * (-len(first) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError) as error:
        raise EnvelopeError("malformed", "the protected header is not base64url JSON") from error
    if not isinstance(header, dict):
        raise EnvelopeError("malformed", "the protected header is not a JSON object")
    return header


def compact_text(token: bytes | str, limit: int) -> str:
    if len(token) > limit:
        raise EnvelopeError("too_large", f"{len(token)} bytes, at most {limit}")
    if isinstance(token, bytes):
        try:
            return token.decode("ascii").strip()
        except UnicodeDecodeError as error:
            raise EnvelopeError("malformed", "a compact token is ASCII") from error
    return token.strip()


def signature_key(header: Mapping[str, Any], trusted: TrustedKeys) -> tuple[AnyKey, str]:
    """The key to verify with: pinned algorithm, known and unrevoked kid, matching key type."""
    alg = header.get("alg")
    if alg not in SIGNING_ALGORITHMS:
        raise EnvelopeError("algorithm", f"signature algorithm {alg!r} is not allowed")
    if header.get("crit") is not None or "jku" in header or "jwk" in header or "x5u" in header:
        raise EnvelopeError("algorithm", "keys are never taken from the message itself")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise EnvelopeError("unknown_kid", "the header names no kid")
    if kid in trusted.revoked:
        raise EnvelopeError("revoked_kid", f"key {kid} was revoked")
    key = trusted.get(kid)
    if key is None or key.use != "sig":
        raise EnvelopeError("unknown_kid", f"no trusted signing key {kid}")
    if key.algorithm != alg:
        raise EnvelopeError("algorithm", f"key {kid} signs with {key.algorithm}, not {alg}")
    kty, crv = _KEY_TYPES[alg]
    if key.key.key_type != kty or key.key.as_dict(private=False).get("crv") != crv:
        raise EnvelopeError("algorithm", f"key {kid} is not a {kty} {crv} key")
    return key.key, alg


def _verify_jws(token: str, key: AnyKey, alg: str) -> tuple[dict[str, Any], bytes]:
    try:
        signed = jws.deserialize_compact(token, key, registry=_REGISTRIES[alg])
    except JoseError as error:
        raise EnvelopeError(
            "bad_signature", f"the signature does not verify ({error.error})"
        ) from error
    return dict(signed.headers()), signed.payload


def _timestamp(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EnvelopeError("malformed", f"{name} must be a number of seconds")
    return float(value)


# --- requests: MOHA's client assertion ---------------------------------------------------------


@dataclass(frozen=True)
class RequestClaims:
    issuer: str
    audience: str
    jti: str
    issued_at: float
    expires_at: float
    kid: str
    request_hash: str


def sign_request(
    keys: PartyKeys,
    audience: str,
    method: str,
    target: str,
    body: bytes,
    now: float,
    *,
    lifetime_s: float = 120.0,
    jti: str | None = None,
) -> str:
    """MOHA's assertion for one call: `target` is the path and query below the agency's base URL
    (`/v1/changes?limit=500`), `body` what is sent (b"" for a GET)."""
    record, key = keys.signer(datetime.fromtimestamp(now, UTC))
    header = {"alg": record.algorithm, "kid": record.kid, "typ": REQUEST_TYPE}
    claims = {
        "iss": keys.party,
        "aud": audience,
        "iat": int(now),
        "exp": int(now + lifetime_s),
        "jti": jti or secrets.token_urlsafe(18),
        "htm": method.upper(),
        "htu": target,
        "bh": digest(body),
    }
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return jws.serialize_compact(header, payload, key, algorithms=[record.algorithm])


def claims_jti(assertion: str) -> str:
    """The jti of an assertion we made ourselves (not verified: for logging our own calls)."""
    part = assertion.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return str(claims.get("jti", ""))


@dataclass
class ReplayCache:
    """Jtis seen, each until its assertion expires (plus skew): a replay within the window fails.

    In memory, per process; one connector process per agency database is the supported setup
    (several replicas would share this through the store, like gateway/auth/replay.py).
    """

    max_entries: int = 100_000
    _seen: dict[str, float] = field(default_factory=dict)

    def first_use(self, key: str, until: float, now: float) -> bool:
        if len(self._seen) >= self.max_entries:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
        if key in self._seen and self._seen[key] > now:
            return False
        self._seen[key] = until
        return True


def verify_request(
    assertion: bytes | str,
    *,
    trusted: TrustedKeys,
    issuer: str,
    audience: str,
    method: str,
    target: str,
    body: bytes,
    now: float,
    replay: ReplayCache | None,
    policy: Policy = DEFAULT_POLICY,
) -> RequestClaims:
    """The assertion's claims when every check passes; EnvelopeError (with its reason) otherwise.

    Checks, in order: size, shape, pinned algorithm, kid known and unrevoked, signature,
    issuer, audience, times (with skew), binding to this method, target and body, and last the
    jti (so that a forged assertion cannot burn a real jti).
    """
    token = compact_text(assertion, policy.max_assertion_bytes)
    header = protected_header(token, 3)
    if header.get("typ") != REQUEST_TYPE:
        raise EnvelopeError("malformed", f"typ must be {REQUEST_TYPE}")
    key, alg = signature_key(header, trusted)
    _, payload = _verify_jws(token, key, alg)
    try:
        claims = json.loads(payload)
    except ValueError as error:
        raise EnvelopeError("malformed", "the claims are not JSON") from error
    if not isinstance(claims, dict):
        raise EnvelopeError("malformed", "the claims are not a JSON object")
    if claims.get("iss") != issuer:
        raise EnvelopeError("wrong_issuer", f"issued by {str(claims.get('iss'))[:80]!r}")
    if claims.get("aud") != audience:
        raise EnvelopeError("wrong_audience", f"addressed to {str(claims.get('aud'))[:80]!r}")
    iat = _timestamp(claims.get("iat"), "iat")
    exp = _timestamp(claims.get("exp"), "exp")
    if iat > now + policy.skew_s:
        raise EnvelopeError("not_yet_valid", "issued in the future")
    if exp <= now - policy.skew_s:
        raise EnvelopeError("expired", "the assertion has expired")
    if exp - iat > policy.max_lifetime_s:
        raise EnvelopeError("expired", f"lives longer than {policy.max_lifetime_s:.0f} s")
    if claims.get("htm") != method.upper() or claims.get("htu") != target:
        raise EnvelopeError("wrong_request", "the assertion was made for another call")
    if claims.get("bh") != digest(body):
        raise EnvelopeError("wrong_request", "the body is not the one the assertion signed")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 128:
        raise EnvelopeError("malformed", "jti must be a string of 8 to 128 characters")
    if replay is not None and not replay.first_use(f"{issuer} {jti}", exp + policy.skew_s, now):
        raise EnvelopeError("replayed", f"jti {jti} was already used")
    return RequestClaims(issuer, audience, jti, iat, exp, str(header["kid"]), request_hash(token))


# --- responses: signed by the agency, encrypted to MOHA ----------------------------------------


def seal_response(
    payload: bytes,
    keys: PartyKeys,
    recipient: TrustedKeys,
    answers: str,
    now: float,
    *,
    response_id: str | None = None,
) -> str:
    """The agency's response: `payload` signed with its current key, then encrypted to the
    recipient's current encryption key; `answers` is request_hash(assertion)."""
    record, key = keys.signer(datetime.fromtimestamp(now, UTC))
    header = {
        "alg": record.algorithm,
        "kid": record.kid,
        "typ": RESPONSE_TYPE,
        "iss": keys.party,
        "aud": recipient.party,
        "iat": int(now),
        "rid": response_id or secrets.token_urlsafe(18),
        "req": answers,
    }
    signed = jws.serialize_compact(header, payload, key, registry=_REGISTRIES[record.algorithm])
    target = recipient.encryption_key()
    protected = {
        "alg": KEY_WRAP_ALGORITHM,
        "enc": CONTENT_ALGORITHM,
        "kid": target.kid,
        "cty": RESPONSE_TYPE,
    }
    return jwe.encrypt_compact(
        protected, signed.encode("ascii"), target.key, registry=_JWE_REGISTRY
    )


@dataclass(frozen=True)
class OpenedResponse:
    payload: bytes
    issuer: str
    kid: str
    response_id: str
    issued_at: float
    digest: str  # of the envelope as received: what the message log records


Decrypter = Callable[[str], AnyKey | None]
"""kid -> the private half of our published encryption key of that kid, or None."""


def open_response(
    token: bytes | str,
    *,
    decrypter: Decrypter,
    trusted: TrustedKeys,
    issuer: str,
    audience: str,
    answers: str,
    now: float,
    policy: Policy = DEFAULT_POLICY,
) -> OpenedResponse:
    """The payload of a response when every check passes; EnvelopeError otherwise.

    Checks, in order: size, JWE shape, pinned key wrap and content algorithms (no compression),
    our encryption kid, decryption (the GCM tag covers ciphertext and header), the inner JWS's
    pinned algorithm, trusted and unrevoked kid, signature, issuer, audience, age, and that it
    answers our request.
    """
    text = compact_text(token, policy.max_envelope_bytes)
    outer = protected_header(text, 5)
    if outer.get("alg") != KEY_WRAP_ALGORITHM or outer.get("enc") != CONTENT_ALGORITHM:
        raise EnvelopeError(
            "algorithm", f"encryption {outer.get('alg')!r}/{outer.get('enc')!r} is not allowed"
        )
    if "zip" in outer or outer.get("crit") is not None:
        raise EnvelopeError("algorithm", "compression and critical extensions are not allowed")
    kid = outer.get("kid")
    key = decrypter(kid) if isinstance(kid, str) else None
    if key is None:
        raise EnvelopeError("unknown_kid", f"not encrypted to a key of ours ({str(kid)[:80]!r})")
    try:
        decrypted = jwe.decrypt_compact(text, key, registry=_JWE_REGISTRY)
    except JoseError as error:
        raise EnvelopeError("tampered", f"does not decrypt ({error.error})") from error
    except (ValueError, binascii.Error) as error:
        raise EnvelopeError("tampered", "does not decrypt") from error
    inner = compact_text(decrypted.plaintext or b"", policy.max_envelope_bytes)
    header = protected_header(inner, 3)
    if header.get("typ") != RESPONSE_TYPE:
        raise EnvelopeError("malformed", f"typ must be {RESPONSE_TYPE}")
    signing_key, alg = signature_key(header, trusted)
    signed_header, payload = _verify_jws(inner, signing_key, alg)
    if signed_header.get("iss") != issuer:
        raise EnvelopeError("wrong_issuer", f"signed for {str(signed_header.get('iss'))[:80]!r}")
    if signed_header.get("aud") != audience:
        raise EnvelopeError(
            "wrong_audience", f"addressed to {str(signed_header.get('aud'))[:80]!r}"
        )
    iat = _timestamp(signed_header.get("iat"), "iat")
    if iat > now + policy.skew_s:
        raise EnvelopeError("not_yet_valid", "signed in the future")
    if iat < now - policy.max_response_age_s - policy.skew_s:
        raise EnvelopeError("expired", "the response is too old")
    if signed_header.get("req") != answers:
        raise EnvelopeError("wrong_request", "the response answers another request")
    return OpenedResponse(
        payload,
        issuer,
        str(signed_header["kid"]),
        str(signed_header.get("rid", "")),
        iat,
        digest(text),
    )
