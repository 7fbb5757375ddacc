"""The GraphQL endpoint refuses bad tokens with 401, and answers the public without one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from policies.types import Caller, Level

QUERY = {"query": "{ me { level organization } }"}
COMMUNE = "000.00.00070.H24"  # a commune of Hà Nội in the seeded tree


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
    commune = as_caller(Caller(Level.COMMUNE, organization=COMMUNE))
    response = await client.post("/graphql", json=QUERY, headers=commune.headers)
    assert response.json() == {"data": {"me": {"level": "commune", "organization": COMMUNE}}}


@pytest.mark.parametrize(
    ("caller", "reason"),
    [
        # a unit naming the national root would read everything
        (Caller(Level.UNIT, organization="000.00.00.A00"), "must name a unit organisation"),
        (Caller(Level.COMMUNE, organization="000.00.00.G09"), "must name a commune"),
        (Caller(Level.PROVINCE, organization="000.00.00.H99"), "not in the national tree"),
        (Caller(Level.PROVINCE, organization="000.00.00.H29"), "merged into 000.00.00.H44"),
        (Caller(Level.PARTNER, organization="999.99.99.Z99"), "not in the national tree"),
        # a self token acting for an organisation
        (
            Caller(Level.SELF, organization="000.00.00.H24", subject="001085012345"),
            "never an organisation",
        ),
    ],
)
async def test_a_token_outside_what_it_may_name_is_401_with_the_reason(
    client: httpx.AsyncClient,
    as_caller: Callable[[Caller | None], Any],
    caller: Caller,
    reason: str,
) -> None:
    response = await client.post("/graphql", json=QUERY, headers=as_caller(caller).headers)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"')
    assert reason in challenge
    assert "001085012345" not in response.text  # a reason never names the subject


async def test_without_a_token_the_caller_is_the_public(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=QUERY)
    assert response.json() == {"data": {"me": {"level": "public", "organization": None}}}
