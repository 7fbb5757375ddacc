"""A connector serving two agencies of the seeded store, on a loopback port, for the session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from exchange_env import Agencies
from sqlalchemy.engine import URL

from sandbox.services.running import RunningService, start_connector
from sandbox.services.truth import subtree_people, top_agencies
from store.database import sync_free_dsn


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="session")
async def agencies(seeded_store_url: URL) -> Agencies:
    conn = await asyncpg.connect(sync_free_dsn(seeded_store_url))
    try:
        found = [a for a in await top_agencies(conn) if not a.own_only]
    finally:
        await conn.close()
    medium = max((a for a in found if a.people <= 200), key=lambda a: a.people)
    small = min((a for a in found if a.people >= 3), key=lambda a: a.people)
    return Agencies(medium, small)


@pytest_asyncio.fixture(scope="session")
async def connector(
    seeded_store_url: URL, postgres_server: URL, agencies: Agencies
) -> AsyncIterator[RunningService]:
    service = await start_connector(
        url_text(seeded_store_url),
        url_text(postgres_server),
        f"cbccvc_test_connector_{uuid.uuid4().hex[:8]}",
        [agencies.medium, agencies.small],
    )
    yield service
    await service.aclose()


@pytest_asyncio.fixture(scope="session")
async def medium_people(seeded_store_url: URL, agencies: Agencies) -> dict[str, str]:
    """personal_id -> full_name of the medium agency's people, as the store holds them."""
    conn = await asyncpg.connect(sync_free_dsn(seeded_store_url))
    try:
        people = await subtree_people(conn, agencies.medium)
    finally:
        await conn.close()
    return {p["personal_id"]: p["full_name"] for p in people}
