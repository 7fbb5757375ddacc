"""Migrations run down to nothing and up again, and the result matches the models."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from store.database import create_engine, drop_database, ensure_database
from store.metadata import FUNCTIONS_AND_TRIGGERS, metadata
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


# Everything a store's schema is made of, one query per kind, each row keyed by the object's
# name. Sets, not lists: a column a later migration added sits last in its table, where the
# models would put it elsewhere, and that order is not something a reader of the store meets.
_CATALOG = {
    "relations": """
        SELECT c.relname, c.relkind::text FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    """,
    "columns": """
        SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull::text, coalesce(pg_get_expr(d.adbin, d.adrelid), ''),
               a.attidentity::text, a.attgenerated::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND a.attnum > 0 AND NOT a.attisdropped
    """,
    "constraints": """
        SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    """,
    "indexes": """
        SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
    """,
    "sequences": """
        SELECT sequencename, data_type::text, start_value::text, increment_by::text,
               min_value::text, max_value::text, cycle::text
        FROM pg_sequences WHERE schemaname = 'public'
    """,
    "triggers": """
        SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
    """,
    "functions": """
        SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
    """,
    "types": """
        SELECT t.typname, t.typtype::text FROM pg_type t
        WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
    """,
    "extensions": "SELECT extname, extversion FROM pg_extension",
}


async def _catalog(url: str | URL) -> dict[str, set[tuple[str, ...]]]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return {
                kind: {
                    tuple(row)
                    for row in (await conn.execute(text(sql))).all()
                    if "alembic_version" not in row[0]  # the migrations' own bookkeeping
                }
                for kind, sql in _CATALOG.items()
            }
    finally:
        await engine.dispose()


@pytest_asyncio.fixture
async def declared_store_url(postgres_server: URL) -> AsyncIterator[URL]:
    """An empty database given the models' schema directly: their tables, functions, triggers."""
    url = await ensure_database(postgres_server, f"cbccvc_test_declared_{uuid.uuid4().hex[:12]}")
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            for statement in FUNCTIONS_AND_TRIGGERS:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()
    yield url
    await drop_database(postgres_server, str(url.database))


async def test_a_store_upgraded_to_head_has_exactly_the_declared_schema(
    fresh_store_url: str, declared_store_url: URL
) -> None:
    """Tables, columns with types, nullability, defaults and identity, constraints with their
    definitions, indexes, sequences, triggers and function bodies: a change to the models (or to
    the cubes or triggers they declare) without a new migration fails here, and so does a
    migration that does something the models do not say."""
    migrated = await _catalog(fresh_store_url)
    declared = await _catalog(declared_store_url)
    assert migrated["relations"], "the catalog queries found no tables"
    for kind in _CATALOG:
        assert (kind, migrated[kind] - declared[kind]) == (kind, set())
        assert (kind, declared[kind] - migrated[kind]) == (kind, set())
