"""One key lifecycle for the gateway's token keys and the exchange's party keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwk

from exchange.keys import PartyKey
from gateway.auth.keys import KeyRecord
from keymaterial.lifecycle import KeyLifecycle, generate
from keymaterial.sealing import KeyMaterialError, decode_kek, new_kek, seal, unseal

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def token_key() -> KeyLifecycle:
    return KeyRecord(
        kid="k", algorithm="ES256", public_jwk={}, created_at=NOW - HOUR, activated_at=NOW - HOUR
    )


def party_key() -> KeyLifecycle:
    return PartyKey("k", "sig", "ES256", {}, created_at=NOW - HOUR)


KINDS = pytest.mark.parametrize("make", [token_key, party_key], ids=["token", "exchange"])


@KINDS
def test_a_retired_key_verifies_for_its_overlap_but_never_signs_again(
    make: Callable[[], KeyLifecycle],
) -> None:
    retired = make().retire(NOW, HOUR)
    assert retired.published(NOW + HOUR - timedelta(seconds=1))
    assert not retired.may_sign(NOW)
    assert retired.state(NOW) == "retired"
    assert not retired.published(NOW + HOUR)
    assert retired.state(NOW + HOUR) == "expired"


@KINDS
def test_a_revoked_key_leaves_at_once_and_stays_revoked(make: Callable[[], KeyLifecycle]) -> None:
    revoked = make().revoke(NOW)
    assert not revoked.published(NOW)
    assert not revoked.may_sign(NOW)
    assert revoked.revoke(NOW + HOUR).revoked_at == NOW
    assert revoked.state(NOW + HOUR) == "revoked"


def test_a_token_key_published_ahead_is_pending_until_it_may_sign() -> None:
    key = KeyRecord(
        kid="k", algorithm="ES256", public_jwk={}, created_at=NOW, activated_at=NOW + HOUR
    )
    assert key.published(NOW)
    assert (key.may_sign(NOW), key.state(NOW)) == (False, "pending")
    assert (key.may_sign(NOW + HOUR), key.state(NOW + HOUR)) == (True, "active")


@pytest.mark.parametrize(
    ("algorithm", "use"), [("ES256", "sig"), ("Ed25519", "sig"), ("ECDH-ES+A256KW", "enc")]
)
def test_a_new_key_is_named_by_its_thumbprint_and_publishes_no_secret(
    algorithm: str, use: str
) -> None:
    new = generate(algorithm, use)  # type: ignore[arg-type]
    public = new.public_jwk
    assert "d" not in public
    assert (public["kid"], public["alg"], public["use"]) == (new.kid, algorithm, use)
    assert jwk.import_key(public).thumbprint() == new.kid


def test_signing_keys_refuse_an_algorithm_we_do_not_sign_with() -> None:
    with pytest.raises(ValueError, match="ES256, Ed25519"):
        generate("RS256")


def test_a_sealed_key_opens_only_under_its_own_kid_and_key_encryption_key() -> None:
    kek = decode_kek(new_kek())
    stored, how = seal(b"private", kek, "kid-1")
    assert b"private" not in stored
    assert unseal(stored, how, kek, "kid-1") == b"private"
    with pytest.raises(KeyMaterialError, match="does not open"):
        unseal(stored, how, kek, "kid-2")
    with pytest.raises(KeyMaterialError, match="is sealed"):
        unseal(stored, how, None, "kid-1")
