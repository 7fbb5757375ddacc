"""Issue 8 through the real endpoint: 429 shared by two gateway processes, the deadline, APQ,
production mode, the operations routes.

Each test skips, naming what is missing, until the lead has wired the module it needs into
gateway/app.py and gateway/graphql_http.py; the modules themselves are tested beside this file.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from ops_helpers import REDIS_URL, redis_problem
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.http_negotiation import GRAPHQL_RESPONSE
from gateway.persisted import sha256_hex
from gateway.settings import Settings

ROOT = Path(__file__).parents[2]
REPLICA = Path(__file__).with_name("gateway_replica.py")
HEADERS = {"Accept": GRAPHQL_RESPONSE}
TYPENAME = {"query": "{ __typename }"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_replicas(seeded_store_url: URL) -> Iterator[list[str]]:
    """Two gateway processes over one store, sharing rate limits through the real Redis."""
    if reason := redis_problem():
        pytest.skip(reason)
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    redis.delete("cbccvc:ratelimit:address:127.0.0.1")  # a bucket left by an earlier run
    store = seeded_store_url.render_as_string(hide_password=False)
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen([sys.executable, str(REPLICA), str(port), store, REDIS_URL], cwd=ROOT)
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "a replica did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
        redis.delete("cbccvc:ratelimit:address:127.0.0.1")
        redis.close()


def test_429_is_shared_by_two_gateway_processes(two_replicas: list[str]) -> None:
    first, second = two_replicas
    statuses = []
    retry_after = []
    for i in range(6):  # alternate: each replica alone would allow all of its 3
        response = httpx.post(
            f"{(first, second)[i % 2]}/graphql", json=TYPENAME, headers=HEADERS, timeout=5
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            retry_after.append(int(response.headers["retry-after"]))
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert all(seconds >= 1 for seconds in retry_after)


@asynccontextmanager
async def serving(
    settings: Settings, store_url: URL, engine: AsyncEngine | None
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process gateway with these settings, started, and a client for it."""
    app: Starlette = create_app(settings, store_url, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            yield client


async def test_a_request_past_its_deadline_is_504(
    seeded_store_url: URL, engine: AsyncEngine
) -> None:
    async with serving(Settings(request_deadline=0.000_001), seeded_store_url, engine) as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ persons(first: 50) { edges { node { fullName } } } }"},
            headers=HEADERS,
        )
    assert response.status_code == 504
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DEADLINE_EXCEEDED"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_production_mode_refuses_introspection_and_hides_suggestions(
    seeded_store_url: URL, engine: AsyncEngine
) -> None:
    production = Settings(production=True)  # GraphiQL: off by default in production
    async with serving(production, seeded_store_url, engine) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        variable_typo = await client.post(
            "/graphql",
            json={
                "query": "query($f: PersonFilter) { persons(filter: $f) { totalCount } }",
                "variables": {"f": {"organizatio": "x"}},
            },
            headers=HEADERS,
        )
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=HEADERS
        )
        typo = await client.post(
            "/graphql",
            json={"query": "{ persons { edges { node { fullNam } } } }"},
            headers=HEADERS,
        )
        served = await client.post("/graphql", json=TYPENAME, headers=HEADERS)
    assert introspection.status_code == 422
    assert "introspection" in introspection.json()["errors"][0]["message"]
    assert typo.status_code == 422
    assert "Did you mean" not in typo.text
    assert "organizatio" in variable_typo.text  # the error still names the unknown field
    assert "Did you mean" not in variable_typo.text
    assert "graphiql" not in page.text.lower()
    assert served.status_code == 200
    async with serving(Settings(), seeded_store_url, engine) as demo:
        response = await demo.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}, headers=HEADERS
        )
    assert response.status_code == 200


async def test_automatic_persisted_queries_over_http(fresh_store_url: str) -> None:
    query = "query ApqProbe { __typename }"
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    async with serving(Settings(), make_url(fresh_store_url), None) as client:
        missing = await client.post("/graphql", json={"extensions": persisted}, headers=HEADERS)
        missing_json = await client.post(
            "/graphql", json={"extensions": persisted}, headers={"Accept": "application/json"}
        )
        registered = await client.post(
            "/graphql", json={"query": query, "extensions": persisted}, headers=HEADERS
        )
        by_hash = await client.post("/graphql", json={"extensions": persisted}, headers=HEADERS)
        mismatch = await client.post(
            "/graphql", json={"query": "{ __typename }", "extensions": persisted}, headers=HEADERS
        )
    # no `data`: 404 for graphql-response+json (the spec), 200 for application/json (legacy);
    # Apollo Client retries with the full query on the code either way
    assert (missing.status_code, missing_json.status_code) == (404, 200)
    for response in (missing, missing_json):
        assert "data" not in response.json()
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert registered.json()["data"] == {"__typename": "Query"}
    assert by_hash.json()["data"] == {"__typename": "Query"}
    assert mismatch.status_code == 400


async def test_the_operations_routes_are_served(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": "query Probe { __typename }"}, headers=HEADERS)
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"
    scraped = await client.get("/metrics")
    assert 'cbccvc_graphql_operations_total{operation="Probe",outcome="ok"}' in scraped.text


async def test_an_export_gets_the_same_429_and_request_id_as_graphql(fresh_store_url: str) -> None:
    """The dashboard reads /graphql and the exports: one budget for both, refused alike, while
    the routes that need no caller (GraphiQL's page, health) are never limited."""
    settings = Settings(rate_limit_per_address=0.001, rate_limit_address_burst=1)
    async with serving(settings, make_url(fresh_store_url), None) as client:
        allowed = await client.post("/graphql", json=TYPENAME, headers=HEADERS)
        export = await client.get(
            "/export/statistics.csv",
            params={"groupBy": "PROVINCE"},
            headers={"X-Request-Id": "export-1"},
        )
        graphql = await client.post(
            "/graphql", json=TYPENAME, headers={**HEADERS, "X-Request-Id": "graphql-1"}
        )
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        health = await client.get("/healthz")
    assert allowed.status_code == 200
    assert (export.status_code, graphql.status_code) == (429, 429)
    assert export.headers["x-request-id"] == "export-1"
    assert graphql.headers["x-request-id"] == "graphql-1"
    assert int(export.headers["retry-after"]) >= 1
    assert export.headers["retry-after"] == graphql.headers["retry-after"]
    [error] = graphql.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "requestId": "graphql-1"}
    assert export.json()["code"] == "RATE_LIMITED"
    assert (page.status_code, health.status_code) == (200, 200)


async def test_an_export_past_its_deadline_is_504_like_graphql(
    seeded_store_url: URL, engine: AsyncEngine
) -> None:
    async with serving(Settings(request_deadline=0.000_001), seeded_store_url, engine) as client:
        response = await client.get(
            "/export/statistics.csv",
            params={"groupBy": "PROVINCE"},
            headers={"X-Request-Id": "slow-export"},
        )
    assert response.status_code == 504
    assert response.json()["code"] == "DEADLINE_EXCEEDED"
    assert response.headers["x-request-id"] == "slow-export"


async def test_a_bad_token_gets_the_same_401_on_an_export_as_on_graphql(
    client: httpx.AsyncClient,
) -> None:
    bad = {"Authorization": "Bearer not.a.jwt"}
    graphql = await client.post(
        "/graphql", json=TYPENAME, headers={**HEADERS, **bad, "X-Request-Id": "g-401"}
    )
    export = await client.get(
        "/export/statistics.csv",
        params={"groupBy": "PROVINCE"},
        headers={**bad, "X-Request-Id": "e-401"},
    )
    assert (graphql.status_code, export.status_code) == (401, 401)
    assert graphql.headers["www-authenticate"] == export.headers["www-authenticate"]
    assert graphql.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert (graphql.headers["x-request-id"], export.headers["x-request-id"]) == ("g-401", "e-401")
    assert graphql.json()["errors"][0]["message"] == export.json()["error"]
