"""Per-request DataLoaders: every lookup of the same kind in one request becomes one statement.

Each batch function returns one value per key, in key order (None or [] where nothing matched),
so the number of statements a request runs depends on the shape of the query, not on the number
of rows it returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncEngine

from exchange.approvals_store import coverages
from resolvers.declarations import applied_in
from store.queries import organizations as org_queries
from store.queries import people as people_queries
from store.queries.people import PeopleFilter

# Reads are single statements: in autocommit they need no BEGIN and ROLLBACK round trips.
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


async def fetch(engine: AsyncEngine, statement: Select[Any]) -> Sequence[Row[Any]]:
    async with engine.connect() as conn:
        await conn.execution_options(**_AUTOCOMMIT)
        return list((await conn.execute(statement)).all())


async def fetch_scalar(engine: AsyncEngine, statement: Select[Any]) -> Any:
    async with engine.connect() as conn:
        await conn.execution_options(**_AUTOCOMMIT)
        return (await conn.execute(statement)).scalar_one()


@dataclass(frozen=True)
class NestedPeopleKey:
    """One organisation's first page of people; keys with equal arguments share a statement."""

    organization_id: int
    people: PeopleFilter
    limit: int
    after_key: int | None


class Loaders:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.organization_by_id: DataLoader[Any, Any] = DataLoader(self._organizations_by_id)
        self.organization_by_code: DataLoader[Any, Any] = DataLoader(self._organizations_by_code)
        self.children: DataLoader[Any, Any] = DataLoader(self._children)
        self.person_by_id: DataLoader[Any, Any] = DataLoader(self._people_by_id)
        self.people_of_organization: DataLoader[Any, Any] = DataLoader(
            self._people_of_organizations
        )
        self.approvals: DataLoader[Any, Any] = DataLoader(self._approvals)
        self.declarations_applied: DataLoader[Any, Any] = DataLoader(self._declarations_applied)

    async def _organizations_by_id(self, ids: Sequence[int]) -> list[Row[Any] | None]:
        rows = await fetch(self._engine, org_queries.by_ids(ids))
        found = {row.id: row for row in rows}
        loaded = [found.get(key) for key in ids]
        for row in rows:
            self.organization_by_code.prime(row.code, row)
        return loaded

    async def _organizations_by_code(self, codes: Sequence[str]) -> list[Row[Any] | None]:
        rows = await fetch(self._engine, org_queries.by_codes(codes))
        found = {row.code: row for row in rows}
        for row in rows:
            self.organization_by_id.prime(row.id, row)
        return [found.get(code) for code in codes]

    async def _children(self, parent_ids: Sequence[int]) -> list[list[Row[Any]]]:
        grouped: dict[int, list[Row[Any]]] = defaultdict(list)
        for row in await fetch(self._engine, org_queries.children_of(parent_ids)):
            grouped[row.parent_id].append(row)
            self.organization_by_id.prime(row.id, row)
        return [grouped.get(key, []) for key in parent_ids]

    async def _approvals(self, keys: Sequence[tuple[str, str]]) -> list[Any]:
        found = await coverages(self._engine, keys)
        return [found.get(key) for key in keys]

    async def _declarations_applied(self, keys: Sequence[tuple[str, str, str]]) -> list[Any]:
        found = await applied_in(self._engine, keys)
        return [found.get(key, []) for key in keys]

    async def _people_by_id(self, ids: Sequence[int]) -> list[Row[Any] | None]:
        found = {row.id: row for row in await fetch(self._engine, people_queries.by_ids(ids))}
        return [found.get(key) for key in ids]

    async def _people_of_organizations(
        self, keys: Sequence[NestedPeopleKey]
    ) -> list[list[Row[Any]]]:
        by_arguments: dict[tuple[PeopleFilter, int, int | None], list[int]] = defaultdict(list)
        for key in keys:
            by_arguments[(key.people, key.limit, key.after_key)].append(key.organization_id)
        found: dict[NestedPeopleKey, list[Row[Any]]] = defaultdict(list)
        for (people, limit, after_key), organization_ids in by_arguments.items():
            statement = people_queries.first_per_organization(
                organization_ids, people, limit=limit, after_key=after_key
            )
            for row in await fetch(self._engine, statement):
                found[NestedPeopleKey(row.organization_id, people, limit, after_key)].append(row)
        return [found.get(key, []) for key in keys]
