"""POST /oauth/token with private_key_jwt (RFC 7523): the client proves itself with its key."""

from __future__ import annotations

import time

import httpx
import pytest
from auth_helpers import ISSUER, ClientKey, assertion_form, whoami
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.clients import add_client

FINANCE = "000.00.00.G12"


@pytest.fixture
def client_key() -> ClientKey:
    return ClientKey()


async def register(engine: AsyncEngine, key: ClientKey) -> str:
    new = await add_client(
        engine,
        name="Hệ thống đối soát BHXH",
        level="partner",
        organization=FINANCE,
        purposes=("insurance-reconciliation",),
        auth_method="private_key_jwt",
        jwks=key.jwks,
    )
    assert new.secret is None
    return new.record.client_id


async def test_a_client_signing_with_its_registered_key_gets_a_token(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    client_id = await register(auth_engine, client_key)
    response = await http.post("/oauth/token", data=assertion_form(client_key.assertion(client_id)))
    assert response.status_code == 200, response.text
    me = (await whoami(http, response.json()["access_token"])).json()
    assert (me["level"], me["organization"], me["purposes"]) == (
        "partner",
        FINANCE,
        ["insurance-reconciliation"],
    )


async def test_the_issuer_identifier_is_an_accepted_audience_too(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    client_id = await register(auth_engine, client_key)
    assertion = client_key.assertion(client_id, audience=ISSUER)
    response = await http.post("/oauth/token", data=assertion_form(assertion))
    assert response.status_code == 200, response.text


async def test_an_assertion_signed_with_another_key_is_refused(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    client_id = await register(auth_engine, client_key)
    impostor = ClientKey(kid=client_key.kid)  # same kid, different key pair
    response = await http.post("/oauth/token", data=assertion_form(impostor.assertion(client_id)))
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


async def test_a_replayed_assertion_is_refused(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    client_id = await register(auth_engine, client_key)
    assertion = client_key.assertion(client_id)
    first = await http.post("/oauth/token", data=assertion_form(assertion))
    assert first.status_code == 200, first.text
    again = await http.post("/oauth/token", data=assertion_form(assertion))
    assert again.status_code in (400, 401)
    assert again.json() == {
        "error": "invalid_client",
        "error_description": "the client assertion was used before",
    }


async def test_an_assertion_for_another_audience_is_refused(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    client_id = await register(auth_engine, client_key)
    assertion = client_key.assertion(client_id, audience="https://other-server.test/token")
    response = await http.post("/oauth/token", data=assertion_form(assertion))
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


async def test_an_expired_assertion_is_refused(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    client_id = await register(auth_engine, client_key)
    assertion = client_key.assertion(client_id, lifetime=60, now=time.time() - 600)
    response = await http.post("/oauth/token", data=assertion_form(assertion))
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


async def test_an_assertion_valid_for_hours_is_refused(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    client_id = await register(auth_engine, client_key)
    assertion = client_key.assertion(client_id, lifetime=6 * 3600)
    response = await http.post("/oauth/token", data=assertion_form(assertion))
    assert response.status_code in (400, 401)
    assert "at most" in response.json()["error_description"]


async def test_a_secret_client_cannot_authenticate_with_an_assertion(
    http: httpx.AsyncClient, auth_engine: AsyncEngine, client_key: ClientKey
) -> None:
    new = await add_client(auth_engine, name="secret client", level="partner", organization=FINANCE)
    assertion = client_key.assertion(new.record.client_id)
    response = await http.post("/oauth/token", data=assertion_form(assertion))
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
