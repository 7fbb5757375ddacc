"""The connector with envelopes, over HTTP: JWKS published, signed calls answered sealed,
forged and replayed calls refused before the database is read."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
import pytest_asyncio
from exchange_env import Agencies

from exchange.caller import EnvelopeCaller
from exchange.envelope import MEDIA_TYPE, sign_request
from exchange.keys import TrustedKeys
from exchange.provision import agency_party
from sandbox.services.running import RunningService


@pytest_asyncio.fixture
async def http(connector: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=connector.url, timeout=10) as client:
        yield client


def caller(connector: RunningService, code: str) -> EnvelopeCaller:
    assert connector.keys is not None
    return EnvelopeCaller(
        connector.keys.moha,
        TrustedKeys.from_jwks(orjson.loads(connector.keys.folder.agency_jwks(code).read_bytes())),
        agency_party(code),
    )


async def test_each_agency_publishes_its_public_keys(
    http: httpx.AsyncClient, agencies: Agencies, connector: RunningService
) -> None:
    response = await http.get(f"/agencies/{agencies.medium.code}/v1/jwks")
    keys = response.json()["keys"]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    assert sorted(k["use"] for k in keys) == ["enc", "sig"]  # enc: declarations to the agency
    assert all("d" not in k for k in keys)
    other = (await http.get(f"/agencies/{agencies.small.code}/v1/jwks")).json()["keys"]
    assert other[0]["kid"] != keys[0]["kid"]


async def test_a_signed_call_gets_an_answer_only_moha_can_open(
    http: httpx.AsyncClient, agencies: Agencies, connector: RunningService
) -> None:
    code = agencies.medium.code
    envelope = caller(connector, code)
    assertion = envelope.sign("GET", "/v1/changes?limit=5", b"")
    response = await http.get(
        f"/agencies/{code}/v1/changes",
        params={"limit": "5"},
        headers={"Authorization": f"Bearer {assertion}"},
    )
    assert response.headers["content-type"] == MEDIA_TYPE
    assert b"personal_id" not in response.content
    payload = orjson.loads(envelope.open(response.content, assertion))
    assert len(payload["records"]) == 5


async def test_a_replayed_call_is_refused_and_logged_with_its_reason(
    http: httpx.AsyncClient,
    agencies: Agencies,
    connector: RunningService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    code = agencies.medium.code
    assertion = caller(connector, code).sign("GET", "/v1/health", b"")
    headers = {"Authorization": f"Bearer {assertion}"}
    first = await http.get(f"/agencies/{code}/v1/health", headers=headers)
    again = await http.get(f"/agencies/{code}/v1/health", headers=headers)
    assert first.status_code == 200
    assert again.status_code == 401
    assert again.json()["error"]["message"].startswith("replayed")
    assert any("replayed" in r.getMessage() for r in caplog.records if r.name == "exchange.guard")


async def test_a_call_addressed_to_another_agency_is_refused(
    http: httpx.AsyncClient, agencies: Agencies, connector: RunningService
) -> None:
    assertion = caller(connector, agencies.small.code).sign("GET", "/v1/health", b"")
    response = await http.get(
        f"/agencies/{agencies.medium.code}/v1/health",
        headers={"Authorization": f"Bearer {assertion}"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("wrong_audience")


async def test_an_assertion_for_one_page_does_not_fetch_another(
    http: httpx.AsyncClient, agencies: Agencies, connector: RunningService
) -> None:
    assert connector.keys is not None
    code = agencies.medium.code
    moha, audience = connector.keys.moha, agency_party(code)
    assertion = sign_request(moha, audience, "GET", "/v1/changes?limit=1", b"", time.time())
    response = await http.get(
        f"/agencies/{code}/v1/changes",
        params={"limit": "1000"},
        headers={"Authorization": f"Bearer {assertion}"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("wrong_request")
