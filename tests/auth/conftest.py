"""Fixtures of the auth tests: a small seeded store, the auth routes in an app, a trusted issuer.

The app is `auth_helpers.auth_app`: the authorization server's routes plus a protected endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from auth_helpers import ISSUER, TRUSTED_ISSUER, TRUSTED_PROVINCE, JwksServer, auth_app
from joserfc import jwk
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from gateway.auth import AuthState
from gateway.settings import Settings, TrustedIssuer
from store.database import create_engine, drop_database, ensure_database
from store.prepare import prepare_store


@pytest_asyncio.fixture(scope="session")
async def auth_store_url(postgres_server: URL) -> AsyncIterator[URL]:
    """A store of the newest schema with the organisation tree and a few people."""
    from sandbox.seed import seed_store

    url = await ensure_database(postgres_server, f"cbccvc_auth_{uuid.uuid4().hex[:12]}")
    await prepare_store(url)
    await seed_store(url.render_as_string(hide_password=False), 40, 2026, progress=False)
    yield url
    await drop_database(postgres_server, str(url.database))


@pytest_asyncio.fixture(scope="session")
async def auth_engine(auth_store_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(auth_store_url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def trusted_jwks() -> Iterator[tuple[JwksServer, jwk.ECKey]]:
    """A province's identity provider: its JWKS on a loopback HTTP server, and its key."""
    key = jwk.generate_key("EC", "P-256", private=True)
    server = JwksServer()
    server.publish((key, "province-1", "ES256"))
    with server.running():
        yield server, key


@pytest.fixture(scope="session")
def auth_settings(auth_store_url: URL, trusted_jwks: tuple[JwksServer, jwk.ECKey]) -> Settings:
    return Settings(
        database_url=auth_store_url.render_as_string(hide_password=False),
        issuer=ISSUER,
        demo=True,
        trusted_issuers=(
            TrustedIssuer(
                issuer=TRUSTED_ISSUER,
                jwks_url=trusted_jwks[0].url,
                levels=frozenset({"province", "commune", "unit"}),
                organizations=frozenset({TRUSTED_PROVINCE}),
            ),
        ),
    )


@pytest_asyncio.fixture(scope="session")
async def auth_app_state(
    auth_settings: Settings, auth_engine: AsyncEngine
) -> AsyncIterator[tuple[Starlette, AuthState]]:
    app, holder = auth_app(auth_settings, auth_engine)
    async with app.router.lifespan_context(app):
        yield app, holder["state"]


@pytest.fixture
def auth_state(auth_app_state: tuple[Starlette, AuthState]) -> AuthState:
    return auth_app_state[1]


@pytest_asyncio.fixture
async def http(auth_app_state: tuple[Starlette, AuthState]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=auth_app_state[0])
    async with httpx.AsyncClient(transport=transport, base_url="https://cbccvc.test") as client:
        yield client
