"""The gateway's statements are planned with each request's values, never with a generic plan.

Its statements are prepared once per connection, but one text serves a subtree of ten people
and one of the whole country: a generic plan, chosen by PostgreSQL after five executions,
cannot see which, and read a province's page by walking the national directory order.
`EXPLAIN EXECUTE` shows a plan made for the values (the value itself in the plan) or a
generic one (the placeholder `$1`).
"""

from __future__ import annotations

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.settings import Settings
from store.database import create_engine

PREPARED = "PREPARE by_path(text) AS SELECT id FROM organization WHERE path ~>=~ $1 LIMIT 5"


async def _plan_after_repeats(engine: AsyncEngine, repeats: int = 8) -> str:
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute(PREPARED)
        try:
            for _ in range(repeats):
                await driver.fetch("EXECUTE by_path('/1/')")
            rows = await driver.fetch("EXPLAIN EXECUTE by_path('/1/')")
        finally:
            await driver.execute("DEALLOCATE by_path")
    return "\n".join(row[0] for row in rows)


async def test_the_gateways_engine_plans_every_execution_with_its_values(
    seeded_store_url: URL,
) -> None:
    app = create_app(Settings(database_url=str(seeded_store_url)), str(seeded_store_url))
    async with app.router.lifespan_context(app):
        plan = await _plan_after_repeats(app.state.resources.engine)
    assert "'/1/'" in plan, plan
    assert "$1" not in plan, plan


async def test_an_engine_without_it_may_settle_on_a_generic_plan(seeded_store_url: URL) -> None:
    engine = create_engine(seeded_store_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            assert await driver.fetchval("SHOW plan_cache_mode") == "auto"
    finally:
        await engine.dispose()
    engine = create_engine(seeded_store_url, pool_size=1, plan_each_execution=True)
    try:
        assert "$1" not in await _plan_after_repeats(engine)
    finally:
        await engine.dispose()
