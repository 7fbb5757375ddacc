"""The GraphQL endpoint refuses bad tokens with 401, and answers the public without one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from policies.types import Caller, Level

QUERY = {"query": "{ me { level organization } }"}


async def test_a_bad_token_is_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json=QUERY, headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert "Traceback" not in response.text
    assert response.json()["errors"][0]["message"]


async def test_a_tampered_token_is_401(
    client: httpx.AsyncClient, as_caller: Callable[[Caller | None], Any]
) -> None:
    token = (
        as_caller(Caller(Level.PROVINCE, organization="000.00.00.G09"))
        .headers["Authorization"]
        .removeprefix("Bearer ")
    )
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload[:-4]}AAAA.{signature}"
    response = await client.post(
        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


async def test_a_real_token_names_its_caller(
    client: httpx.AsyncClient, as_caller: Callable[[Caller | None], Any]
) -> None:
    commune = as_caller(Caller(Level.COMMUNE, organization="000.00.00.G09"))
    response = await client.post("/graphql", json=QUERY, headers=commune.headers)
    assert response.json() == {
        "data": {"me": {"level": "commune", "organization": "000.00.00.G09"}}
    }


async def test_without_a_token_the_caller_is_the_public(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=QUERY)
    assert response.json() == {"data": {"me": {"level": "public", "organization": None}}}
