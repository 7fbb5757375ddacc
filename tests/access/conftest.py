"""Shared knowledge of the seeded store for access tests: provinces, people, relations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import Settings


class World:
    """Two provinces with people, one person in each, and every person's place."""

    province: str
    other_province: str
    insider: Any  # a person (id, personal_id, org code) inside `province`
    outsider: Any  # a person inside `other_province`
    places: dict[int, tuple[str, int]]  # person id -> (personal_id, organization id)
    subtrees: dict[str, frozenset[int]]  # organisation code -> ids of it and everything below
    code_ids: dict[str, int]  # organisation code -> id

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:  # short: Hypothesis prints it with every falsifying example
        return f"World({self.province}, {self.other_province})"


@pytest_asyncio.fixture(scope="session")
async def world(engine: AsyncEngine) -> World:
    async with engine.connect() as conn:
        provinces = (
            await conn.execute(
                text(
                    "SELECT o.code, count(p.id) AS people FROM organization o "
                    "JOIN organization d ON d.path LIKE o.path || '%' "
                    "JOIN person p ON p.organization_id = d.id "
                    "WHERE o.level = 'province' AND o.status = 'active' "
                    "GROUP BY o.code ORDER BY people DESC, o.code LIMIT 2"
                )
            )
        ).all()
        province, other = provinces[0].code, provinces[1].code

        async def someone_in(code: str) -> Any:
            return (
                await conn.execute(
                    text(
                        "SELECT p.id, p.personal_id, d.code AS org FROM person p "
                        "JOIN organization d ON d.id = p.organization_id "
                        "WHERE d.path LIKE (SELECT path FROM organization WHERE code = :c) || '%'"
                        " AND d.code <> :c ORDER BY p.id LIMIT 1"
                    ),
                    {"c": code},
                )
            ).one()

        places = {
            row.id: (row.personal_id, row.organization_id)
            for row in await conn.execute(
                text("SELECT id, personal_id, organization_id FROM person")
            )
        }
        code_ids = {
            row.code: row.id
            for row in await conn.execute(text("SELECT code, id FROM organization"))
        }
        subtrees: dict[str, set[int]] = {}
        for row in await conn.execute(
            text(
                "SELECT r.code, d.id FROM organization r "
                "JOIN organization d ON d.path LIKE r.path || '%'"
            )
        ):
            subtrees.setdefault(row.code, set()).add(row.id)
        return World(
            province=province,
            other_province=other,
            insider=await someone_in(province),
            outsider=await someone_in(other),
            places=places,
            subtrees={code: frozenset(ids) for code, ids in subtrees.items()},
            code_ids=code_ids,
        )


@pytest_asyncio.fixture(scope="module")
async def reference(
    settings: Settings, seeded_store_url: URL, engine: AsyncEngine
) -> AsyncIterator[Starlette]:
    """The same gateway with every field through the resolvers: the compiled path's reference
    (one per module, as the module's own gateway)."""
    application = create_app(
        replace(settings, compiled_reads=False), seeded_store_url, engine=engine
    )
    async with application.router.lifespan_context(application):
        yield application
