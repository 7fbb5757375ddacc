"""The sandbox agencies for the sync tests, built from the session's seeded store (the truth),
and helpers to sync them into fresh stores and to read the store back."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest_asyncio
from sqlalchemy.engine import URL

from adapters.registry import SourceRegistry
from sandbox.agencies import SandboxAgencies, start_agencies
from store.database import sync_free_dsn, with_database


@pytest_asyncio.fixture(scope="session")
async def sync_sandbox(
    seeded_store_url: URL, postgres_server: URL
) -> AsyncIterator[SandboxAgencies]:
    with tempfile.TemporaryDirectory(prefix="cbccvc-sync-") as workdir:
        agencies = await start_agencies(
            seeded_store_url.render_as_string(hide_password=False),
            postgres_server.render_as_string(hide_password=False),
            workdir,
            name=f"cbccvc_sy_{uuid.uuid4().hex[:8]}",
            national_rate=10_000.0,
            national_burst=10_000,
        )
        try:
            yield agencies
        finally:
            await agencies.aclose()


@pytest_asyncio.fixture
async def registry(sync_sandbox: SandboxAgencies) -> AsyncIterator[SourceRegistry]:
    sources = SourceRegistry.from_yaml(sync_sandbox.sources_config_path)
    yield sources
    await sources.aclose()


@pytest_asyncio.fixture
async def connector(sync_sandbox: SandboxAgencies) -> AsyncIterator[Any]:
    """The connector's agency database (what the exchange agencies' HR systems write)."""
    name = next(db for db in sync_sandbox.databases if db.endswith("_connector"))
    conn = await asyncpg.connect(sync_free_dsn(with_database(sync_sandbox.server_url, name)))
    yield conn
    await conn.close()
