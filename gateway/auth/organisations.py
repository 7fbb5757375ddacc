"""The organisations tokens name, looked up in the store and cached per process.

Containment (policies/containment.py) needs, for every token, what the store knows of the
organisation it names: level, status, successor, path. The tree changes by sync, not by the
second, so an answer (a missing code too) is kept for a minute: a token check stays off the
database on the hot path.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from policies.containment import ANYTHING, Organisation, Trust, refusal
from policies.types import Caller, Level
from store.models import Organization


class OrganisationLookup(Protocol):
    async def get(self, code: str) -> Organisation | None: ...


class OrganisationDirectory:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl_seconds: float = 60.0,
        size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Organisation | None]] = OrderedDict()

    async def get(self, code: str) -> Organisation | None:
        """What the store knows of the organisation with this code; None if it has none."""
        now = self._clock()
        entry = self._entries.get(code)
        if entry is not None and now - entry[0] < self._ttl:
            self._entries.move_to_end(code)
            return entry[1]
        found = await self._load(code)
        self._entries[code] = (now, found)
        self._entries.move_to_end(code)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return found

    async def _load(self, code: str) -> Organisation | None:
        successor = aliased(Organization)
        statement = (
            select(
                Organization.code,
                Organization.level,
                Organization.status,
                Organization.path,
                successor.code.label("successor"),
            )
            .outerjoin(successor, successor.id == Organization.successor_id)
            .where(Organization.code == code)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(statement)).one_or_none()
        if row is None:
            return None
        return Organisation(row.code, row.level, row.status, row.path, row.successor)


async def naming_refusal(
    organisations: OrganisationLookup, caller: Caller, trust: Trust = ANYTHING
) -> str | None:
    """Why a token for `caller` would be refused by containment; None if it would not.

    The one check the gateway, `cbccvc clients add` and `cbccvc token` share, so a client
    cannot be registered, nor a development token minted, that the gateway would refuse."""
    organisation = None
    if caller.organization is not None and caller.level is not Level.SELF:
        organisation = await organisations.get(caller.organization)
    return refusal(caller, organisation, trust)
