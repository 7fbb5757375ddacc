"""The envelope's checks, pure: every forged, stale or tampered message is refused, with why."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwe, jws
from joserfc.jwk import OctKey

from exchange import envelope as ev
from exchange.keys import MOHA_ID, PartyKeys, TrustedKeys

NOW = 1_790_000_000.0
WHEN = datetime.fromtimestamp(NOW, UTC)
AGENCY = "VN:GOV:000.00.00.G18:HRM"
TARGET = "/v1/changes?limit=500"
PAYLOAD = b'{"protocol":"moha-exchange","version":"1.0","records":[]}'


@dataclass
class Parties:
    moha: PartyKeys
    agency: PartyKeys

    def moha_trusted(self) -> TrustedKeys:
        return TrustedKeys.of(self.moha, WHEN)

    def agency_trusted(self) -> TrustedKeys:
        return TrustedKeys.of(self.agency, WHEN)


@pytest.fixture(scope="module", params=["ES256", "Ed25519"])
def parties(request: pytest.FixtureRequest) -> Parties:
    return Parties(
        PartyKeys.generate(MOHA_ID, WHEN, algorithm=request.param, encryption=True),
        PartyKeys.generate(AGENCY, WHEN, algorithm=request.param),
    )


def assertion(parties: Parties, **overrides: object) -> str:
    options: dict[str, object] = {"method": "GET", "target": TARGET, "body": b"", "now": NOW}
    options |= overrides
    return ev.sign_request(
        parties.moha,
        str(options.pop("audience", AGENCY)),
        **options,  # type: ignore[arg-type]
    )


def verify(parties: Parties, token: str, *, now: float = NOW, replay: ev.ReplayCache | None = None,
           trusted: TrustedKeys | None = None, body: bytes = b"") -> ev.RequestClaims:  # fmt: skip
    return ev.verify_request(
        token,
        trusted=trusted or parties.moha_trusted(),
        issuer=MOHA_ID,
        audience=AGENCY,
        method="GET",
        target=TARGET,
        body=body,
        now=now,
        replay=replay if replay is not None else ev.ReplayCache(),
    )


def seal(
    parties: Parties, answers: str, *, now: float = NOW, signer: PartyKeys | None = None
) -> str:
    return ev.seal_response(PAYLOAD, signer or parties.agency, parties.moha_trusted(), answers, now)


def open_(parties: Parties, token: str, answers: str, *, now: float = NOW,
          trusted: TrustedKeys | None = None) -> ev.OpenedResponse:  # fmt: skip
    return ev.open_response(
        token,
        decrypter=lambda kid: parties.moha.decryption_key(kid, WHEN),
        trusted=trusted or parties.agency_trusted(),
        issuer=AGENCY,
        audience=MOHA_ID,
        answers=answers,
        now=now,
    )


def refused(reason: str) -> pytest.RaisesContext[ev.EnvelopeError]:
    return pytest.raises(ev.EnvelopeError, match=f"^{reason}:")


def b64(data: dict[str, object] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def claims_of(token: str) -> dict[str, object]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


# --- the round trip ---------------------------------------------------------------------------


def test_a_signed_request_and_its_sealed_response_round_trip(parties: Parties) -> None:
    token = assertion(parties)
    claims = verify(parties, token)
    sealed = seal(parties, claims.request_hash)
    opened = open_(parties, sealed, ev.request_hash(token))
    assert opened.payload == PAYLOAD
    assert (claims.issuer, claims.audience, opened.issuer) == (MOHA_ID, AGENCY, AGENCY)
    assert opened.digest == ev.digest(sealed)


def test_the_response_is_unreadable_without_mohas_private_key(parties: Parties) -> None:
    sealed = seal(parties, "h")
    assert b'moha-exchange"' not in sealed.encode()
    assert sealed.count(".") == 4  # a compact JWE, not a JWS anyone can read


# --- requests refused ---------------------------------------------------------------------------


def test_a_request_with_a_bad_signature_is_refused(parties: Parties) -> None:
    head, _, signature = assertion(parties).split(".")
    forged = f"{head}.{b64({**claims_of(assertion(parties)), 'htu': TARGET})}.{signature}"
    with refused("bad_signature"):
        verify(parties, forged)


def test_a_request_signed_by_an_unknown_key_is_refused(parties: Parties) -> None:
    stranger = PartyKeys.generate(MOHA_ID, WHEN, encryption=True)
    with refused("unknown_kid"):
        verify(parties, ev.sign_request(stranger, AGENCY, "GET", TARGET, b"", NOW))


def test_a_request_signed_with_a_revoked_key_is_refused_at_once(parties: Parties) -> None:
    token = assertion(parties)
    kid = parties.moha.signer(WHEN)[0].kid
    revoked = TrustedKeys.of(parties.moha.revoke(kid, WHEN), WHEN)
    with refused("revoked_kid"):
        verify(parties, token, trusted=revoked)


def test_a_request_for_another_agency_is_refused(parties: Parties) -> None:
    with refused("wrong_audience"):
        verify(parties, assertion(parties, audience="VN:GOV:000.00.00.G12:HRM"))


def test_an_expired_request_is_refused_beyond_the_skew(parties: Parties) -> None:
    token = assertion(parties, lifetime_s=60)
    verify(parties, token, now=NOW + 60 + 59)  # within the 60 s skew
    with refused("expired"):
        verify(parties, token, now=NOW + 60 + 61)


def test_a_request_from_the_future_is_refused_beyond_the_skew(parties: Parties) -> None:
    with refused("not_yet_valid"):
        verify(parties, assertion(parties, now=NOW + 120))


def test_a_replayed_request_is_refused(parties: Parties) -> None:
    token, cache = assertion(parties), ev.ReplayCache()
    verify(parties, token, replay=cache)
    with refused("replayed"):
        verify(parties, token, replay=cache)


def test_a_request_with_alg_none_is_refused(parties: Parties) -> None:
    kid = parties.moha.signer(WHEN)[0].kid
    header = b64({"alg": "none", "kid": kid, "typ": ev.REQUEST_TYPE})
    with refused("algorithm"):
        verify(parties, f"{header}.{b64(claims_of(assertion(parties)))}.")


def test_a_request_signed_with_hmac_over_the_public_key_is_refused(parties: Parties) -> None:
    record = parties.moha.signer(WHEN)[0]
    secret = OctKey.import_key(json.dumps(record.public_jwk).encode())
    header = {"alg": "HS256", "kid": record.kid, "typ": ev.REQUEST_TYPE}
    forged = jws.serialize_compact(
        header, json.dumps(claims_of(assertion(parties))), secret, algorithms=["HS256"]
    )
    with refused("algorithm"):
        verify(parties, forged)


def test_a_request_whose_body_differs_from_the_signed_one_is_refused(parties: Parties) -> None:
    with refused("wrong_request"):
        verify(parties, assertion(parties), body=b'{"personal_ids":["001090000001"]}')


@pytest.mark.parametrize("cut", [1, 2, 40])
def test_a_truncated_request_is_refused(parties: Parties, cut: int) -> None:
    token = assertion(parties)
    with pytest.raises(ev.EnvelopeError) as caught:
        verify(parties, token[:-cut] if cut != 40 else ".".join(token.split(".")[:2]))
    assert caught.value.reason in {"bad_signature", "malformed"}


def test_an_oversized_request_is_refused_before_it_is_parsed(parties: Parties) -> None:
    with refused("too_large"):
        verify(parties, "a" * (ev.MAX_ASSERTION_BYTES + 1))


# --- responses refused --------------------------------------------------------------------------


def test_a_tampered_ciphertext_is_refused(parties: Parties) -> None:
    parts = seal(parties, "h").split(".")
    flipped = parts[3][:10] + ("A" if parts[3][10] != "A" else "B") + parts[3][11:]
    with refused("tampered"):
        open_(parties, ".".join([*parts[:3], flipped, parts[4]]), "h")


def test_a_response_signed_by_a_key_the_agency_does_not_publish_is_refused(
    parties: Parties,
) -> None:
    impostor = PartyKeys.generate(AGENCY, WHEN)
    with refused("unknown_kid"):
        open_(parties, seal(parties, "h", signer=impostor), "h")


def test_a_response_signed_with_a_revoked_key_is_refused(parties: Parties) -> None:
    kid = parties.agency.signer(WHEN)[0].kid
    revoked = TrustedKeys.of(parties.agency.revoke(kid, WHEN), WHEN)
    with refused("revoked_kid"):
        open_(parties, seal(parties, "h"), "h", trusted=revoked)


def test_a_response_to_another_request_is_refused(parties: Parties) -> None:
    with refused("wrong_request"):
        open_(parties, seal(parties, ev.request_hash(assertion(parties))), "another request")


def test_a_stale_response_is_refused(parties: Parties) -> None:
    with refused("expired"):
        open_(parties, seal(parties, "h"), "h", now=NOW + 3600)


def test_a_response_encrypted_with_another_algorithm_is_refused(parties: Parties) -> None:
    parts = seal(parties, "h").split(".")
    header = b64({"alg": "dir", "enc": "A256GCM", "kid": "x"})
    with refused("algorithm"):
        open_(parties, ".".join([header, *parts[1:]]), "h")


def test_a_truncated_response_is_refused(parties: Parties) -> None:
    sealed = seal(parties, "h")
    with pytest.raises(ev.EnvelopeError) as caught:
        open_(parties, sealed[: len(sealed) // 2], "h")
    assert caught.value.reason in {"malformed", "tampered"}


def test_an_oversized_response_is_refused(parties: Parties) -> None:
    with refused("too_large"):
        open_(parties, "a" * (ev.MAX_ENVELOPE_BYTES + 1), "h")


# --- keys ---------------------------------------------------------------------------------------


def test_a_rotated_key_still_verifies_during_the_overlap_and_no_longer_signs(
    parties: Parties,
) -> None:
    old_token = assertion(parties)
    rotated, fresh = parties.moha.rotate("sig", WHEN, overlap=timedelta(days=1))
    trusted = TrustedKeys.of(rotated, WHEN)
    verify(parties, old_token, trusted=trusted)
    assert rotated.signer(WHEN)[0].kid == fresh.kid
    assert {k["kid"] for k in rotated.jwks(WHEN)["keys"]} >= {fresh.kid, claims_kid(old_token)}
    later = WHEN + timedelta(days=2)
    assert claims_kid(old_token) not in {k["kid"] for k in rotated.jwks(later)["keys"]}


def claims_kid(token: str) -> str:
    part = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["kid"])


def test_a_key_file_round_trips_sealed_and_opens_only_with_its_key(parties: Parties) -> None:
    kek = bytes(range(32))
    text = parties.agency.to_json(kek)
    assert b'"d"' not in text
    again = PartyKeys.from_json(text, kek)
    assert again.signer(WHEN)[0].kid == parties.agency.signer(WHEN)[0].kid
    with pytest.raises(Exception, match="does not open"):
        PartyKeys.from_json(text, bytes(32))


def test_a_response_forged_under_the_agencys_kid_and_encrypted_to_moha_is_refused(
    parties: Parties,
) -> None:
    # anyone can encrypt to MOHA's public key: the inner signature is what proves the sender
    record = parties.agency.signer(WHEN)[0]
    impostor = PartyKeys.generate(AGENCY, WHEN, algorithm=record.algorithm)
    _, impostor_key = impostor.signer(WHEN)
    header = {
        "alg": record.algorithm, "kid": record.kid, "typ": ev.RESPONSE_TYPE, "iss": AGENCY,
        "aud": MOHA_ID, "iat": int(NOW), "rid": "r", "req": "h",
    }  # fmt: skip
    forged = jws.serialize_compact(
        header, PAYLOAD, impostor_key, registry=ev._REGISTRIES[record.algorithm]
    )
    target = parties.moha_trusted().encryption_key()
    sealed = jwe.encrypt_compact(
        {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": target.kid, "cty": ev.RESPONSE_TYPE},
        forged.encode(),
        target.key,
        registry=ev._JWE_REGISTRY,
    )
    with refused("bad_signature"):
        open_(parties, sealed, "h")
