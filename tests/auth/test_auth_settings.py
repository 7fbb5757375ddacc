"""The auth settings from the environment: mistakes are refused at start, naming the setting."""

from __future__ import annotations

import json

import pytest

from gateway.settings import Settings, SettingsError


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


def issuers(*items: dict[str, object]) -> str:
    return json.dumps(list(items))


def test_defaults_give_short_lived_tokens_and_a_loopback_issuer() -> None:
    default = settings()
    assert (default.access_token_ttl, default.clock_skew) == (600, 30)
    assert default.issuer_url() == "http://127.0.0.1:8000"
    assert default.audience_value() == "http://127.0.0.1:8000/graphql"
    assert default.demo is False


def test_demo_mode_cannot_be_switched_on_from_the_environment() -> None:
    assert settings(CBCCVC_DEMO="true").demo is False


def test_a_trusted_issuer_is_read_with_its_audience_and_levels() -> None:
    (issuer,) = settings(
        CBCCVC_TRUSTED_ISSUERS=issuers(
            {
                "issuer": "https://idp.hanoi.test",
                "jwks_url": "https://idp.hanoi.test/jwks",
                "audience": "cbccvc",
                "levels": ["province", "commune"],
                "organizations": ["000.00.00.H24"],
            }
        )
    ).trusted_issuers
    assert (issuer.audience, issuer.levels) == ("cbccvc", frozenset({"province", "commune"}))
    assert issuer.organizations == frozenset({"000.00.00.H24"})
    assert issuer.algorithms == ("ES256", "Ed25519")


@pytest.mark.parametrize("missing", ["levels", "organizations"])
def test_a_trusted_issuer_must_say_which_levels_and_subtrees_it_speaks_for(missing: str) -> None:
    issuer = {
        "issuer": "https://idp.hanoi.test",
        "jwks_url": "https://idp.hanoi.test/jwks",
        "levels": ["province"],
        "organizations": ["000.00.00.H24"],
    }
    del issuer[missing]
    with pytest.raises(SettingsError, match=rf"CBCCVC_TRUSTED_ISSUERS\[0\]\.{missing}"):
        settings(CBCCVC_TRUSTED_ISSUERS=issuers(issuer))


def test_a_jwks_address_over_plain_http_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"CBCCVC_TRUSTED_ISSUERS\[0\].jwks_url"):
        settings(
            CBCCVC_TRUSTED_ISSUERS=issuers({"issuer": "x", "jwks_url": "http://idp.test/jwks"})
        )


def test_hmac_cannot_be_configured_for_a_trusted_issuer() -> None:
    with pytest.raises(SettingsError, match="algorithms"):
        settings(
            CBCCVC_TRUSTED_ISSUERS=issuers(
                {"issuer": "x", "jwks_url": "https://idp.test/jwks", "algorithms": ["HS256"]}
            )
        )


def test_a_key_encryption_key_must_be_32_bytes() -> None:
    with pytest.raises(SettingsError, match="CBCCVC_KEY_ENCRYPTION_KEY"):
        settings(CBCCVC_KEY_ENCRYPTION_KEY="c2hvcnQ")


def test_the_key_encryption_key_never_shows_in_the_settings_repr() -> None:
    key = "A" * 43
    assert key not in repr(settings(CBCCVC_KEY_ENCRYPTION_KEY=key))


def test_an_issuer_over_plain_http_is_refused_unless_on_loopback() -> None:
    with pytest.raises(SettingsError, match="CBCCVC_ISSUER"):
        settings(CBCCVC_ISSUER="http://cbccvc.gov.vn")
    assert settings(CBCCVC_ISSUER="http://localhost:8000/").issuer_url() == "http://localhost:8000"
