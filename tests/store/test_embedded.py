"""The embedded PostgreSQL that the demo and the tests start when no server is configured."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from store.database import create_engine, ensure_database, start_embedded
from store.migrate import head_revisions, revisions_of, upgrade


async def test_an_embedded_server_starts_migrates_and_keeps_its_data(pg_tmp: Path) -> None:
    data_dir = pg_tmp / "pgdata"
    server_url, server = start_embedded(data_dir, cleanup="stop")
    try:
        url = await ensure_database(server_url, "cbccvc")
        engine = create_engine(url, pool_size=1)
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO organization (code, name, level) VALUES ('X', 'x', 'central')")
            )
        await engine.dispose()
    finally:
        server.cleanup()

    server_url, server = start_embedded(data_dir, cleanup="delete")
    try:
        url = await ensure_database(server_url, "cbccvc")
        engine = create_engine(url, pool_size=1)
        assert await revisions_of(engine) == head_revisions()
        async with engine.connect() as conn:
            codes = (await conn.execute(text("SELECT code FROM organization"))).scalars().all()
        assert codes == ["X"], "a second start reuses the data of the first"
        await engine.dispose()
    finally:
        server.cleanup()
