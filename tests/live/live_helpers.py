"""What the live tests share (a module of its own: `conftest` names clash across folders)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.types import Caller, Level
from sandbox.agencies import AgencyKind, SandboxAgencies

DEADLINE_S = 1.0
"""The per-call deadline of every source in these tests (the default is 2 s)."""

CENTRAL = Caller(Level.CENTRAL, organization="000.00.00.G09", client_id="live-tests")


async def headcounts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT r.code, count(p.id) FROM organization r "
                "JOIN organization d ON d.path LIKE r.path || '%' "
                "JOIN person p ON p.organization_id = d.id WHERE r.depth = 1 GROUP BY r.code"
            )
        )
        return {code: n for code, n in rows}


async def agencies(sandbox: SandboxAgencies, engine: AsyncEngine, kind: AgencyKind) -> list[str]:
    """Agencies served by `kind` with a few people each, largest first."""
    counts = await headcounts(engine)
    found = [c for c, k in sandbox.kinds.items() if k is kind and counts.get(c, 0) >= 3]
    return sorted(found, key=lambda c: -counts[c])
