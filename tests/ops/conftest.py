"""Fixtures of the operations tests: the schema, a real Redis, a store, a fresh key prefix.

Redis is the one on 127.0.0.1:6379 (CBCCVC_TEST_REDIS_URL to use another); tests that need it
skip, saying why, when it does not answer. Each test's keys carry a fresh prefix, so runs never
see each other's buckets.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from graphql import GraphQLSchema
from ops_helpers import REDIS_URL, redis_problem
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from store.database import create_engine, drop_database, ensure_database
from store.migrate import upgrade


@pytest.fixture(scope="session")
def redis_url() -> str:
    problem = redis_problem()
    if problem:
        pytest.skip(problem)
    return REDIS_URL


@pytest.fixture(scope="session")
def graphql_schema() -> GraphQLSchema:
    from schema import schema

    return schema._schema


@pytest.fixture
def key_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture(scope="session")
async def ops_store_url(postgres_server: URL) -> AsyncIterator[str]:
    """One store of the newest schema for the session's rate-limit tests (keys never collide)."""
    url = await ensure_database(postgres_server, f"cbccvc_ops_{uuid.uuid4().hex[:12]}")
    engine = create_engine(url, pool_size=1)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    yield url.render_as_string(hide_password=False)
    await drop_database(postgres_server, str(url.database))


@pytest_asyncio.fixture(scope="session")
async def ops_engine(ops_store_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(ops_store_url, pool_size=4)
    yield engine
    await engine.dispose()
