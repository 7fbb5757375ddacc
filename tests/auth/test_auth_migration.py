"""Migration 0002 creates exactly the auth tables the models declare, and goes down cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import store.models_auth  # noqa: F401 - puts the auth tables on Base.metadata
from store.database import create_engine
from store.migrate import downgrade, upgrade
from store.models import Base

AUTH_TABLES = {"signing_key", "oauth_client", "oauth_client_assertion"}


def _touches_auth(difference: object) -> bool:
    text = repr(difference)
    return any(table in text for table in AUTH_TABLES)


async def test_the_auth_tables_are_exactly_what_the_models_declare(fresh_store_url: str) -> None:
    assert "signing_key" in Base.metadata.tables  # the auth models share the store's Base
    engine = create_engine(fresh_store_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert [d for d in differences if _touches_auth(d)] == []


async def test_downgrading_below_0002_removes_the_auth_tables(fresh_store_url: str) -> None:
    engine = create_engine(fresh_store_url, pool_size=1)
    try:
        await downgrade(engine, "0001")
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        assert not AUTH_TABLES & tables
        await upgrade(engine)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        assert tables >= AUTH_TABLES
    finally:
        await engine.dispose()
