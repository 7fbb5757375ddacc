"""POST /oauth/token with client_secret_basic: the client-credentials grant for a system."""

from __future__ import annotations

import httpx
from auth_helpers import basic, token_form, whoami
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.clients import NewClient, add_client, revoke_client

MOHA = "000.00.00.G09"


async def register(engine: AsyncEngine, **overrides: object) -> NewClient:
    fields: dict[str, object] = {
        "name": "Cổng thông tin Bộ Nội vụ",
        "level": "ministry",
        "organization": MOHA,
        "purposes": ("statistics",),
    }
    fields.update(overrides)
    return await add_client(engine, **fields)  # type: ignore[arg-type]


async def test_a_client_with_its_secret_gets_a_token_carrying_its_registration(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    assert client.secret is not None
    response = await http.post(
        "/oauth/token", data=token_form(), headers=basic(client.record.client_id, client.secret)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    me = await whoami(http, body["access_token"])
    assert me.status_code == 200, me.text
    assert me.json() == {
        "level": "ministry",
        "organization": MOHA,
        "subject": client.record.client_id,
        "clientId": client.record.client_id,
        "purposes": ["statistics"],
        "issuer": "https://cbccvc.test",
    }


async def test_the_token_response_must_not_be_cached(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    assert client.secret is not None
    response = await http.post(
        "/oauth/token", data=token_form(), headers=basic(client.record.client_id, client.secret)
    )
    assert response.headers["cache-control"] == "no-store"


async def test_a_wrong_secret_is_refused_with_401_invalid_client(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    response = await http.post(
        "/oauth/token", data=token_form(), headers=basic(client.record.client_id, "guess")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")


async def test_an_unknown_client_gets_the_same_answer_as_a_wrong_secret(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    wrong = await http.post(
        "/oauth/token", data=token_form(), headers=basic(client.record.client_id, "guess")
    )
    unknown = await http.post(
        "/oauth/token", data=token_form(), headers=basic("cbccvc-nobody", "guess")
    )
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())


async def test_a_revoked_client_gets_no_token(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    assert client.secret is not None
    await revoke_client(auth_engine, client.record.client_id)
    response = await http.post(
        "/oauth/token", data=token_form(), headers=basic(client.record.client_id, client.secret)
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_a_secret_in_the_form_is_not_a_way_in(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    assert client.secret is not None
    form = token_form(client_id=client.record.client_id, client_secret=client.secret)
    response = await http.post("/oauth/token", data=form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_asking_for_a_scope_is_refused_because_purposes_come_from_registration(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    assert client.secret is not None
    response = await http.post(
        "/oauth/token",
        data=token_form(scope="everything"),
        headers=basic(client.record.client_id, client.secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_a_grant_other_than_client_credentials_is_unsupported(
    http: httpx.AsyncClient, auth_engine: AsyncEngine
) -> None:
    client = await register(auth_engine)
    assert client.secret is not None
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "a", "password": "b"},
        headers=basic(client.record.client_id, client.secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
