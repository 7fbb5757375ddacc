"""The organisation tree in memory, for rolling counts up to provinces and subtrees.

Loaded once per process and kept for a minute (the tree changes by sync, not by the second);
a few thousand rows, so a request never walks the tree in SQL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class Org:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    depth: int
    province: str | None
    """The code of the province organisation this one is in (itself, if it is one)."""
    status: str = "active"
    successor_code: str | None = None
    """Where a merged organisation's people went (the 2025 reorganisation)."""

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class OrgIndex:
    def __init__(self, orgs: list[Org]) -> None:
        self.by_id = {org.id: org for org in orgs}
        self.by_code = {org.code: org for org in orgs}
        self.memo: dict[object, object] = {}
        """Derived maps (analytics/statistics.py), cached for as long as this index lives."""
        self.children: dict[int | None, list[Org]] = {}
        for org in sorted(orgs, key=lambda o: o.code):
            self.children.setdefault(org.parent_id, []).append(org)

    @classmethod
    def build(cls, rows: list[tuple[Any, ...]]) -> OrgIndex:
        """Rows of (id, code, name, level, parent id, path, depth[, status, successor code])."""
        raw = {r[0]: r for r in rows}
        orgs = []
        for id_, code, name, level, parent_id, path, depth, *standing in rows:
            province = None
            for ancestor in reversed([int(p) for p in path.strip("/").split("/") if p]):
                found = raw.get(ancestor)
                if found is not None and found[3] == "province":
                    province = found[1]
                    break
            orgs.append(Org(id_, code, name, level, parent_id, path, depth, province, *standing))
        return cls(orgs)

    def subtree(self, root: Org) -> list[Org]:
        return [org for org in self.by_id.values() if org.path.startswith(root.path)]

    def group_of(self, org: Org, root: Org | None) -> Org | None:
        """The child of `root` whose subtree holds `org` (or `root` itself for its own staff);
        with no root, the top-level organisation's child. None if `org` is not below root."""
        ancestors = org.ancestor_ids()
        depth = 0 if root is None else root.depth
        if root is not None and (len(ancestors) <= depth or ancestors[depth] != root.id):
            return None
        if len(ancestors) <= depth + 1:
            return self.by_id.get(ancestors[-1])
        return self.by_id.get(ancestors[depth + 1])


_CACHE: dict[int, tuple[float, OrgIndex]] = {}
TTL_SECONDS = 60.0


async def org_index(engine: AsyncEngine, *, fresh: bool = False) -> OrgIndex:
    key = id(engine)
    now = time.monotonic()
    cached = _CACHE.get(key)
    if cached is not None and not fresh and now - cached[0] < TTL_SECONDS:
        return cached[1]
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT o.id, o.code, o.name, o.level, o.parent_id, o.path, o.depth,"
                    " o.status, s.code FROM organization o"
                    " LEFT JOIN organization s ON s.id = o.successor_id"
                )
            )
        ).all()
    index = OrgIndex.build([tuple(r) for r in rows])
    _CACHE[key] = (now, index)
    return index
