"""What a relying party reads before it talks to us: the server metadata and the JWKS."""

from __future__ import annotations

import httpx
from auth_helpers import token_header

from gateway.auth import AuthState
from gateway.auth.claims import Grant
from policies.types import Level


async def test_the_metadata_says_where_to_get_tokens_and_how_to_authenticate(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == "https://cbccvc.test"
    assert metadata["token_endpoint"] == "https://cbccvc.test/oauth/token"
    assert metadata["jwks_uri"] == "https://cbccvc.test/.well-known/jwks.json"
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "private_key_jwt",
    }
    algorithms = metadata["token_endpoint_auth_signing_alg_values_supported"]
    assert "ES256" in algorithms
    assert not {"none", "HS256", "HS384", "HS512"} & set(algorithms)


async def test_the_jwks_publishes_public_signing_keys_each_with_a_kid(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert key["kid"]
        assert key["use"] == "sig"
        assert key["alg"] in ("ES256", "Ed25519")
        assert key["kty"] in ("EC", "OKP")
        assert "d" not in key  # never the private half


async def test_the_jwks_names_the_key_that_signs_tokens(
    http: httpx.AsyncClient, auth_state: AuthState
) -> None:
    token, _ = auth_state.issue(Grant(Level.CENTRAL, "000.00.00.G09", "x", "x"))
    header = token_header(token)
    kids = {key["kid"] for key in (await http.get("/.well-known/jwks.json")).json()["keys"]}
    assert header["kid"] in kids
    assert header["typ"] == "at+jwt"
