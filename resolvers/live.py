"""Live fan-out: what only the owning agency, the population or the insurance database knows.

Per request, every lookup of one kind is batched per source (one call per source), all sources
are called concurrently, and each call runs inside its source's guard (deadline, retries,
concurrency limit, circuit breaker: adapters/resilience.py). A source that fails yields its
error for exactly the people it would have supplied; everything else still arrives.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader
from graphql import GraphQLError

from adapters.base import Source
from adapters.errors import SourceError, SourceUnavailable, UnsupportedOperation
from vocabulary.sources import Capability, DetailPart, IdentityRecord, InsuranceRecord, PersonDetail

T = TypeVar("T")

DETAIL_FIELDS: Mapping[str, DetailPart] = {
    "workHistory": DetailPart.WORK_HISTORY,
    "salaryHistory": DetailPart.SALARY_HISTORY,
    "trainings": DetailPart.TRAININGS,
    "rewards": DetailPart.REWARDS,
    "disciplines": DetailPart.DISCIPLINES,
    "evaluations": DetailPart.EVALUATIONS,
    "family": DetailPart.FAMILY,
}


class SourceFieldError(GraphQLError):
    """A field a source should have supplied is null: which source, and why (by remedy)."""

    def __init__(self, error: SourceError, source_id: str | None) -> None:
        source = error.source_id or source_id
        if isinstance(error, UnsupportedOperation):
            reason = str(error)
        else:
            reason = {
                "SOURCE_TIMEOUT": "did not answer in time",
                "SOURCE_UNAVAILABLE": "is unavailable",
            }.get(error.code, "answered with an error")
        super().__init__(
            f"source {source} {reason}", extensions={"code": error.code, "source": source}
        )


def first_with(sources: Mapping[str, Source], capability: Capability) -> Source | None:
    for source in sources.values():
        if capability in source.capabilities:
            return source
    return None


def slowest_first(source_ids: Sequence[str], sources: Mapping[str, Source]) -> list[str]:
    """The order to start the calls in: the slowest last time first, those never measured first
    of all (they may be the slowest). Starting a call costs the client a fraction of a
    millisecond before the next one can leave, so the call the page waits longest for should not
    wait for 63 others to leave first."""

    def expected(source_id: str) -> float:
        source = sources.get(source_id)
        latency = None if source is None else source.recent_latency_ms()
        return float("inf") if latency is None else latency

    return sorted(source_ids, key=expected, reverse=True)  # stable: ties keep the page's order


@dataclass(frozen=True)
class Answer(Generic[T]):
    """What one person's live lookup gets from the loader: their source's call, which may
    still be on its way, and their key in its answer. The loader's batch ends as soon as the
    calls have left, so each field waits only for its own source: the fields of the 63 faster
    agencies are resolved while the slowest is still answering, not all after it."""

    call: asyncio.Task[Mapping[str, T] | SourceError]
    personal_id: str

    async def value(self) -> T | None:
        found = await self.call
        if isinstance(found, SourceError):
            raise found
        return found.get(self.personal_id)


async def _per_source(
    keys: Sequence[tuple[str, str]],
    sources: Mapping[str, Source],
    capability: Capability,
    call: Callable[[Source, list[str]], Awaitable[Mapping[str, T]]],
) -> list[Answer[T]]:
    """One call per source for its people, all sources concurrently (started one by one,
    slowest first); errors stay per source."""
    by_source: dict[str, dict[str, None]] = defaultdict(dict)  # ordered, without repeats
    for source_id, personal_id in keys:
        by_source[source_id][personal_id] = None

    async def one(source_id: str, personal_ids: list[str]) -> Mapping[str, T] | SourceError:
        source = sources.get(source_id)
        if source is None:
            return SourceUnavailable("no such source is configured", source_id=source_id)
        if capability not in source.capabilities:
            # a file drop has no live detail: say so without calling it
            return UnsupportedOperation(f"offers no {capability}", source_id=source_id)
        try:
            return await call(source, personal_ids)
        except SourceError as error:
            return error

    order = slowest_first(list(by_source), sources)
    calls = await one_by_one(one(s, list(by_source[s])) for s in order)
    for task in calls:
        task.add_done_callback(_retrieved)  # a call whose fields were all dropped after all
    found = dict(zip(order, calls, strict=True))
    return [Answer(found[source_id], personal_id) for source_id, personal_id in keys]


async def one_by_one(calls: Iterable[Coroutine[Any, Any, T]]) -> list[asyncio.Task[T]]:
    """The calls started in order, each given a turn of the loop before the next starts
    (bench/fanout.py's direct floor starts its calls with it too).

    Started all at once (gather), every call runs to its first pause before any runs on, and
    an HTTP client pauses before it writes: the first call's request then left only after the
    other 63 had been prepared (~12 ms), and the page waited that much longer for its slowest
    agency. One turn each is enough for a call to reach the wire (docs/benchmarks.md)."""
    tasks: list[asyncio.Task[T]] = []
    try:
        for call in calls:
            tasks.append(asyncio.ensure_future(call))
            await asyncio.sleep(0)
    except BaseException:  # cancelled while starting them: none is left running unawaited
        for task in tasks:
            task.cancel()
        raise
    return tasks


class LiveLoaders:
    """Per-request loaders keyed by (source id, personal ID)."""

    def __init__(self, sources: Mapping[str, Source], parts: frozenset[DetailPart]) -> None:
        self._sources = sources
        self._parts = parts or frozenset(DetailPart)
        self.details: DataLoader[tuple[str, str], Answer[PersonDetail]] = DataLoader(self._details)
        self.identities: DataLoader[tuple[str, str], Answer[IdentityRecord]] = DataLoader(
            self._identities
        )
        self.insurance: DataLoader[tuple[str, str], Answer[InsuranceRecord]] = DataLoader(
            self._insurance
        )

    def population_id(self) -> str | None:
        source = first_with(self._sources, Capability.IDENTITY_CHECK)
        return None if source is None else source.id

    def insurance_id(self) -> str | None:
        source = first_with(self._sources, Capability.INSURANCE)
        return None if source is None else source.id

    async def _details(self, keys: Sequence[tuple[str, str]]) -> list[Any]:
        parts = self._parts
        return await _per_source(
            keys,
            self._sources,
            Capability.PERSON_DETAIL,
            lambda source, ids: source.person_details(ids, parts),
        )

    async def _identities(self, keys: Sequence[tuple[str, str]]) -> list[Any]:
        return await _per_source(
            keys, self._sources, Capability.IDENTITY_CHECK, lambda s, ids: s.identities(ids)
        )

    async def _insurance(self, keys: Sequence[tuple[str, str]]) -> list[Any]:
        return await _per_source(
            keys, self._sources, Capability.INSURANCE, lambda s, ids: s.insurance(ids)
        )


async def start_details(
    loader: DataLoader[tuple[str, str], Any], keys: Iterable[tuple[str, str]]
) -> None:
    """Start the agencies' calls for these (source id, personal ID) keys now, before the
    objects their live fields resolve over are read and built, and return once the first call
    (the slowest agency's) has left; the others follow a turn of the loop apart. The compiled
    statement gives the keys, and none for a person whose selected live fields are all masked
    (resolvers/compiled/results.LIVE_KEY). The fields' resolvers later `load` the same keys and
    are answered by the same calls (the DataLoader's cache); a call nobody awaits after all
    keeps its error to itself."""
    keys = list(keys)
    for key in keys:
        loader.load(key).add_done_callback(_retrieved)
    if keys:
        # aiodataloader schedules its batch with call_soon, which starts a task, which starts
        # the batch's task, which starts the first source's task: each step waits for the
        # loop's next turn, and the first call leaves on the last
        for _ in range(_TURNS_TO_LEAVE):
            await asyncio.sleep(0)


_TURNS_TO_LEAVE = 4


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: the resolver that awaits it reports it, if any


async def load(
    loader: DataLoader[tuple[str, str], Answer[T]], source_id: str | None, personal_id: str
) -> T | None:
    """Load one key; a source's failure becomes the field's error (null with code and source)."""
    if source_id is None:
        raise SourceFieldError(
            SourceUnavailable("no source of this kind is configured"), "unconfigured"
        )
    answer = await loader.load((source_id, personal_id))
    try:
        return await answer.value()
    except SourceError as error:
        raise SourceFieldError(error, source_id) from error
