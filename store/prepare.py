"""A store ready to serve: the schema at the newest migration and the code lists loaded.

What `cbccvc serve` and `cbccvc demo` do on start, and what every fresh store in the tests and
benchmarks needs before it takes people. Both steps are cheap when already done (one query
each), so calling it on every start is fine.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from store.database import create_engine
from store.migrate import upgrade
from store.reference_data import load_code_lists


async def prepare_store(url: str | URL) -> list[str]:
    """Upgrade the store at `url` and load the code lists; the names of the lists rewritten
    (none when the store already holds their versions)."""
    engine = create_engine(url, pool_size=1)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            return await load_code_lists(conn)
    finally:
        await engine.dispose()
