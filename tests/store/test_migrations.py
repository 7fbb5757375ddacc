"""Migrations run down to nothing and up again, and the result matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from store.database import create_engine
from store.metadata import metadata
from store.migrate import downgrade, head_revisions, revisions_of, upgrade


async def test_every_migration_goes_down_and_up_again(fresh_store_url: str) -> None:
    engine = create_engine(fresh_store_url, pool_size=1)
    try:
        assert await revisions_of(engine) == head_revisions()
        await downgrade(engine, "base")
        assert await revisions_of(engine) == frozenset()
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert tables == ["alembic_version"]
        await upgrade(engine)
        assert await revisions_of(engine) == head_revisions()
    finally:
        await engine.dispose()


async def test_the_migrated_schema_is_exactly_what_the_models_declare(
    fresh_store_url: str,
) -> None:
    engine = create_engine(fresh_store_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
        assert differences == []
    finally:
        await engine.dispose()


async def test_the_organisation_path_follows_moves_of_a_subtree(fresh_store_url: str) -> None:
    engine = create_engine(fresh_store_url, pool_size=1)
    insert = text(
        "INSERT INTO organization (code, name, level, parent_id) "
        "VALUES (:code, :name, 'unit', (SELECT id FROM organization WHERE code = :parent))"
    )
    try:
        async with engine.begin() as conn:
            for code, parent in [("A", None), ("B", "A"), ("C", "B"), ("D", None)]:
                await conn.execute(insert, {"code": code, "name": code, "parent": parent})
            await conn.execute(
                text(
                    "UPDATE organization SET parent_id = (SELECT id FROM organization "
                    "WHERE code = 'D') WHERE code = 'B'"
                )
            )
            rows = dict((await conn.execute(text("SELECT code, depth FROM organization"))).all())
            c_path, d_id = (
                await conn.execute(
                    text(
                        "SELECT (SELECT path FROM organization WHERE code = 'C'),"
                        " (SELECT id FROM organization WHERE code = 'D')"
                    )
                )
            ).one()
        assert rows == {"A": 0, "B": 1, "C": 2, "D": 0}
        assert c_path.startswith(f"/{d_id}/")
    finally:
        await engine.dispose()
