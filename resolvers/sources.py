"""The `sources` query: each source with its health, recent latency, last error and circuit."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.base import Source
from adapters.errors import SourceError
from adapters.resilience import GuardedSource, SourceStats
from vocabulary.sources import Health


@dataclass(frozen=True)
class SourceReport:
    source: Source
    health: Health | None
    health_error: str | None
    stats: SourceStats | None


async def reports(sources: Mapping[str, Source]) -> list[SourceReport]:
    """Every source, health-checked concurrently (each check within its source's deadline)."""

    async def one(source: Source) -> SourceReport:
        health: Health | None = None
        problem: str | None = None
        try:
            health = await source.health()
        except SourceError as error:
            problem = f"{error.code}: {error}"
        stats = source.stats() if isinstance(source, GuardedSource) else None
        return SourceReport(source, health, problem, stats)

    return list(await asyncio.gather(*(one(s) for s in sources.values())))
