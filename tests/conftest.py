"""Shared fixtures: a real PostgreSQL, fresh and seeded stores, the app in-process and live.

With TEST_DATABASE_URL the tests use that server (each session creates its own databases and
drops them); without it they start an embedded PostgreSQL (pgserver) in a temporary directory.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from graphql_client import GraphQLClient
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import Settings
from policies.types import Caller
from sandbox.services.serving import ServerThread
from store.database import StatementCounter, create_engine, drop_database, ensure_database
from store.prepare import prepare_store

SEEDED_PEOPLE = 3000
SEED = 2026


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[URL]:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield make_url(configured)
        return
    from store.database import start_embedded

    with tempfile.TemporaryDirectory(prefix="cbccvc-test-pg-") as directory:
        url, server = start_embedded(Path(directory) / "pgdata", cleanup="delete")
        try:
            yield url
        finally:
            server.cleanup()


@pytest.fixture
def pg_tmp() -> Iterator[Path]:
    """A scratch folder for an embedded PostgreSQL's data.

    Not under pytest's tmp_path: as root, pgserver runs PostgreSQL as another user, who must
    traverse every parent folder, and pytest keeps its own base folder private (0700).
    """
    with tempfile.TemporaryDirectory(prefix="cbccvc-test-") as directory:
        yield Path(directory)


async def _new_store(server: URL) -> URL:
    url = await ensure_database(server, f"cbccvc_test_{uuid.uuid4().hex[:12]}")
    await prepare_store(url)
    return url


@pytest_asyncio.fixture
async def fresh_store_url(postgres_server: URL) -> AsyncIterator[str]:
    """A new database with the newest schema and the code lists, and no people."""
    url = await _new_store(postgres_server)
    yield url.render_as_string(hide_password=False)
    await drop_database(postgres_server, str(url.database))


@pytest_asyncio.fixture(scope="session")
async def seeded_store_url(postgres_server: URL) -> AsyncIterator[URL]:
    """One store for the session, seeded with SEEDED_PEOPLE people; tests only read it."""
    from sandbox.seed import seed_store

    url = await _new_store(postgres_server)
    await seed_store(url.render_as_string(hide_password=False), SEEDED_PEOPLE, SEED, progress=False)
    yield url
    await drop_database(postgres_server, str(url.database))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(max_page_size=100, default_page_size=20)


@pytest_asyncio.fixture(scope="session")
async def engine(seeded_store_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(seeded_store_url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def statements(engine: AsyncEngine) -> StatementCounter:
    return StatementCounter(engine)


@pytest_asyncio.fixture(scope="session")
async def app(
    settings: Settings, seeded_store_url: URL, engine: AsyncEngine
) -> AsyncIterator[Starlette]:
    application = create_app(settings, seeded_store_url, engine=engine)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture(scope="session")
def live_gateway(settings: Settings, seeded_store_url: URL) -> Iterator[str]:
    """The whole gateway under uvicorn on a loopback port, for browsers and benchmarks."""
    server = ServerThread(create_app(settings, seeded_store_url), name="gateway")
    server.start(timeout=30)
    yield server.url
    server.stop(timeout=10)


@pytest_asyncio.fixture
async def gql(client: httpx.AsyncClient, app: Starlette) -> GraphQLClient:
    """A client at the central level (MOHA): it sees every field of everyone."""
    return GraphQLClient(client, app)


@pytest.fixture
def as_caller(
    client: httpx.AsyncClient, app: Starlette
) -> Callable[[Caller | None], GraphQLClient]:
    """A client for any caller, with a real token; None is the public, without a token."""
    return lambda caller: GraphQLClient(client, app, caller)
