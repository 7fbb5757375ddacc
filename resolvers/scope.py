"""The caller's organisation scope (its subtree), cached per process.

Relations are decided for every row of every response, so the subtree of a caller's
organisation is loaded once and kept for a minute: the organisation tree changes by sync, not
by the second.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers.access import Scope
from store.models import Organization

organization = Organization.__table__


class ScopeCache:
    def __init__(self, engine: AsyncEngine, *, ttl_seconds: float = 60.0, size: int = 1024) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._size = size
        self._entries: OrderedDict[str, tuple[float, Scope | None]] = OrderedDict()
        self._organizations: tuple[float, int] | None = None

    async def get(self, organization_code: str) -> Scope | None:
        """The scope of an organisation by code; None if the store has no such organisation."""
        now = time.monotonic()
        entry = self._entries.get(organization_code)
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        scope = await self._load(organization_code)
        self._entries[organization_code] = (now, scope)
        self._entries.move_to_end(organization_code)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return scope

    async def share_of_store(self, scope: Scope) -> float:
        """The share of the store's organisations that `scope`'s subtree holds (itself too)."""
        now = time.monotonic()
        if self._organizations is None or now - self._organizations[0] >= self._ttl:
            async with self._engine.connect() as conn:
                count = await conn.scalar(select(func.count()).select_from(organization))
            self._organizations = (now, int(count or 0))
        return (len(scope.subtree_ids) + 1) / max(self._organizations[1], 1)

    async def _load(self, organization_code: str) -> Scope | None:
        async with self._engine.connect() as conn:
            root = (
                await conn.execute(
                    select(organization.c.id, organization.c.path).where(
                        organization.c.code == organization_code
                    )
                )
            ).one_or_none()
            if root is None:
                return None
            ids = (
                await conn.execute(
                    select(organization.c.id).where(
                        organization.c.path.startswith(root.path, autoescape=True)
                    )
                )
            ).scalars()
            return Scope(root.id, root.path, frozenset(ids) - {root.id})
