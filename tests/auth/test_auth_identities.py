"""GraphiQL's development identities: demo mode only, one per level, each with a fresh token."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import httpx
import pytest
from auth_helpers import auth_app, whoami
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.graphiql import INDEX_HTML, graphiql_page
from gateway.settings import Settings


@pytest.fixture
async def identities(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await http.get("/graphiql/identities")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer: list[dict[str, Any]] = response.json()
    return answer


async def test_every_level_is_offered_plus_the_public(identities: list[dict[str, Any]]) -> None:
    assert [identity["level"] for identity in identities] == [
        "central",
        "ministry",
        "province",
        "commune",
        "unit",
        "self",
        "partner",
        "public",
    ]


async def test_the_central_identity_is_the_ministry_of_home_affairs(
    identities: list[dict[str, Any]],
) -> None:
    assert identities[0]["organization"] == "000.00.00.G09"


async def test_each_identity_token_authenticates_as_that_identity(
    http: httpx.AsyncClient, identities: list[dict[str, Any]]
) -> None:
    for identity in identities:
        if identity["token"] is None:
            continue
        me = await whoami(http, identity["token"])
        assert me.status_code == 200, (identity, me.text)
        assert me.json()["level"] == identity["level"]
        assert me.json()["organization"] == identity["organization"]
        assert me.json()["purposes"] == identity["purposes"]


async def test_the_self_identity_is_a_person_of_the_store(
    http: httpx.AsyncClient, identities: list[dict[str, Any]]
) -> None:
    person = next(identity for identity in identities if identity["level"] == "self")
    subject = (await whoami(http, person["token"])).json()["subject"]
    assert re.fullmatch(r"[0-9]{12}", subject)  # the personal ID: how policies recognise self


async def test_the_public_identity_has_no_token(identities: list[dict[str, Any]]) -> None:
    assert identities[-1]["token"] is None


async def test_outside_demo_mode_there_are_no_identities(
    auth_settings: Settings, auth_engine: AsyncEngine
) -> None:
    app, _ = auth_app(replace(auth_settings, demo=False), auth_engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://cbccvc.test") as http:
            response = await http.get("/graphiql/identities")
    assert response.status_code == 404


def test_the_graphiql_page_allows_its_identity_picker_by_hash() -> None:
    # the picker is inline script; the page's CSP must carry that script's hash or the browser
    # refuses to run it
    response = graphiql_page()
    assert "/graphiql/identities" in INDEX_HTML.read_text(encoding="utf-8")
    csp = response.headers["content-security-policy"]
    assert csp.count("'sha256-") == 1
