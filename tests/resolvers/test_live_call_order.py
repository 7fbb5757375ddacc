"""A page's live calls leave slowest first: the page waits for its slowest source, so that call
should not first wait for every faster one to leave (resolvers/live.py `slowest_first`)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from adapters.base import Source
from adapters.resilience import GuardedSource, GuardPolicy
from resolvers.live import LiveLoaders, load, slowest_first
from vocabulary.sources import Capability, DetailPart, Health, PersonDetail, SourceKind


class StepClock:
    """Time that moves only when a source says its call took so long."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def wall(self) -> datetime:
        return datetime(2026, 7, 1, tzinfo=UTC) + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


class Agency(Source):
    """An agency whose detail call takes `takes` seconds and writes down when it was called."""

    kind: ClassVar[SourceKind] = SourceKind.MOCK
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PERSON_DETAIL})

    def __init__(self, code: str, takes: float, clock: StepClock, called: list[str]) -> None:
        super().__init__(f"VN:GOV:{code}:HRM", code)
        self.takes, self.clock, self.called = takes, clock, called

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        self.called.append(self.id)
        self.clock.t += self.takes
        return {}

    async def health(self) -> Health:
        return Health(True, datetime.now(UTC), 0.0)

    async def aclose(self) -> None:
        return None


def agencies(takes: Mapping[str, float], called: list[str]) -> dict[str, Source]:
    clock = StepClock()
    guarded = (
        GuardedSource(
            Agency(code, t, clock, called), GuardPolicy(), clock=clock, rng=random.Random(1)
        )
        for code, t in takes.items()
    )
    return {source.id: source for source in guarded}


def test_unmeasured_sources_lead_then_the_slowest_last_time() -> None:
    called: list[str] = []
    sources = agencies({"A01": 0.01, "A02": 0.09, "A03": 0.05, "A04": 0.02}, called)
    ids = list(sources)
    assert slowest_first(ids, sources) == ids  # nothing measured yet: the page's order
    for source_id in ("VN:GOV:A01:HRM", "VN:GOV:A02:HRM", "VN:GOV:A03:HRM"):
        asyncio.run(sources[source_id].person_details(["x"], frozenset()))
    assert slowest_first(ids, sources) == [
        "VN:GOV:A04:HRM",  # never called: it may be the slowest of all
        "VN:GOV:A02:HRM",
        "VN:GOV:A03:HRM",
        "VN:GOV:A01:HRM",
    ]


async def test_the_second_pages_calls_leave_slowest_first() -> None:
    called: list[str] = []
    takes = {f"A{n:02d}": n / 100 for n in range(1, 9)}  # listed fastest first, as a page may be
    sources = agencies(takes, called)
    keys = [(f"VN:GOV:{code}:HRM", f"00120000000{n}") for n, code in enumerate(takes)]
    first = LiveLoaders(sources, frozenset())
    await asyncio.gather(*(load(first.details, *key) for key in keys))
    assert called == [source_id for source_id, _ in keys]  # first page: nothing known yet
    called.clear()
    live = LiveLoaders(sources, frozenset())
    answers = await asyncio.gather(*(load(live.details, *key) for key in keys))
    assert called == [source_id for source_id, _ in reversed(keys)]
    assert answers == [None] * len(keys)  # each person's answer still at its own key


class PausingAgency(Source):
    """An agency whose client pauses once before its request is written, as an HTTP client's
    does (aiohttp's connection checks): what it wrote, and how many calls had begun by then."""

    kind: ClassVar[SourceKind] = SourceKind.MOCK
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PERSON_DETAIL})

    def __init__(self, code: str, begun: list[str], wrote: list[tuple[str, int]]) -> None:
        super().__init__(f"VN:GOV:{code}:HRM", code)
        self.begun, self.wrote = begun, wrote

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        self.begun.append(self.id)
        await asyncio.sleep(0)
        self.wrote.append((self.id, len(self.begun)))
        return {}

    async def health(self) -> Health:
        return Health(True, datetime.now(UTC), 0.0)


async def test_each_call_reaches_the_wire_before_the_next_begins() -> None:
    # begun all at once, the first call's request would leave only after all 64 had begun
    begun: list[str] = []
    wrote: list[tuple[str, int]] = []
    sources = [PausingAgency(f"A{n:02d}", begun, wrote) for n in range(64)]
    keys = [(source.id, f"0012000000{n:02d}") for n, source in enumerate(sources)]
    live = LiveLoaders({s.id: s for s in sources}, frozenset())
    await asyncio.gather(*(load(live.details, *key) for key in keys))
    assert [source_id for source_id, _ in wrote] == [s.id for s in sources]
    assert all(begun_then <= position + 1 for position, (_, begun_then) in enumerate(wrote))
