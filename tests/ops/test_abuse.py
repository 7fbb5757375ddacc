"""What GraphQL security scanners send, refused at the endpoint, while normal requests go on.

The payloads are those of graphql-cop and similar scanners: alias overloading (101 aliases),
array batching (10+ operations), field duplication (500 fields), directive overloading,
circular introspection, a mutation over GET (CSRF), a URL-encoded POST (CSRF). Refusals that
need gateway/limits.py wired into the endpoint skip, saying so, until it is.
"""

from __future__ import annotations

import httpx
import pytest

from gateway.http_negotiation import GRAPHQL_RESPONSE
from gateway.limits import LIMIT_EXCEEDED

NORMAL = "{ persons(first: 2) { totalCount edges { node { fullName } } } }"
HEADERS = {"Accept": GRAPHQL_RESPONSE}

ALIASES_101 = "query cop { " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"
FIELDS_500 = "query cop { " + "__typename " * 500 + "}"
DIRECTIVES = "query cop { " + "__typename @include(if: true) " * 60 + "}"
CIRCULAR_INTROSPECTION = (
    "query cop { __schema { types { fields { type { fields { type { fields { type { fields"
    " { type { name } } } } } } } } } } }"
)
NESTED_PAGES = (
    "{ organizations(first: 100) { edges { node { "
    "persons(first: 100) { edges { node { fullName } } } } } } }"
)


async def still_served(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": NORMAL}, headers=HEADERS)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["persons"]["edges"]) == 2


async def test_a_batch_of_twelve_operations_is_refused(client: httpx.AsyncClient) -> None:
    batch = [{"query": "query cop { __typename }"} for _ in range(12)]
    response = await client.post("/graphql", json=batch, headers=HEADERS)
    assert response.status_code == 400
    assert "batch" in response.json()["errors"][0]["message"]
    await still_served(client)


async def test_a_mutation_over_get_is_refused(client: httpx.AsyncClient) -> None:
    mutation = 'mutation cop { revokeConsent(id: "x") { id } }'
    response = await client.get("/graphql", params={"query": mutation}, headers=HEADERS)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    await still_served(client)


async def test_a_url_encoded_post_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content="query=query+cop+%7B+__typename+%7D",
        headers={**HEADERS, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    await still_served(client)


async def test_duplicated_unknown_directives_fail_validation(client: httpx.AsyncClient) -> None:
    # graphql-cop's directive overloading: refused before execution (and so is each repeat)
    response = await client.post(
        "/graphql", json={"query": "query cop { __typename " + "@aa" * 10 + " }"}, headers=HEADERS
    )
    assert response.status_code == 422
    await still_served(client)


async def test_circular_introspection_is_refused(client: httpx.AsyncClient) -> None:
    # graphql-core's own MaxIntrospectionDepthRule refuses it in validation, before our depth
    # limit (which refuses it too: tests/ops/test_limits.py)
    response = await client.post(
        "/graphql", json={"query": CIRCULAR_INTROSPECTION}, headers=HEADERS
    )
    assert response.status_code == 422
    assert "introspection depth" in response.json()["errors"][0]["message"]
    await still_served(client)


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        (ALIASES_101, "aliases"),
        (FIELDS_500, "fields"),
        (DIRECTIVES, "directives"),
        (NESTED_PAGES, "cost"),
    ],
)
async def test_limit_payloads_are_refused_naming_the_limit(
    client: httpx.AsyncClient, query: str, limit: str
) -> None:
    response = await client.post("/graphql", json={"query": query}, headers=HEADERS)
    assert 400 <= response.status_code < 500, response.text
    body = response.json()
    assert "data" not in body or body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == LIMIT_EXCEEDED
    assert error["extensions"]["limit"] == limit
    assert "limit of" in error["message"]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    await still_served(client)


async def test_an_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    huge = b'{"query": "' + b" " * (1 << 20) + b'{ __typename }"}'
    response = await client.post(
        "/graphql", content=huge, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    await still_served(client)
