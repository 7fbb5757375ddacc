"""The compiled reads start the agencies' calls for merged live fields as soon as the statement
has answered (resolvers/live.py `start_details`): the calls have left when it returns, one per
agency, and the fields' resolvers are answered by the same calls. (That a masked live field
calls no agency is tested through the gateway: tests/live/test_source_metrics.py.)"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from adapters.base import Source
from adapters.errors import SourceUnavailable
from resolvers.live import LiveLoaders, SourceFieldError, load, start_details
from vocabulary.sources import Capability, DetailPart, Health, PersonDetail, SourceKind

WORK = frozenset({DetailPart.WORK_HISTORY})


class Agency(Source):
    """An agency that writes down each call as it starts, and answers when told to."""

    kind: ClassVar[SourceKind] = SourceKind.MOCK
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PERSON_DETAIL})

    def __init__(self, code: str, *, fails: bool = False) -> None:
        super().__init__(f"VN:GOV:{code}:HRM", code)
        self.calls: list[list[str]] = []
        self.answer = asyncio.Event()
        self.fails = fails

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        self.calls.append(list(personal_ids))
        await self.answer.wait()
        if self.fails:
            raise SourceUnavailable("down for the test", source_id=self.id)
        return {
            pid: PersonDetail(pid, {DetailPart.WORK_HISTORY: ({"start": "2020-01-01"},)})
            for pid in personal_ids
        }

    async def health(self) -> Health:
        return Health(True, datetime.now(UTC), 0.0)


def loaders(*agencies: Agency) -> LiveLoaders:
    return LiveLoaders({a.id: a for a in agencies}, WORK)


async def test_the_first_call_has_left_when_it_returns_then_one_per_agency() -> None:
    a, b = Agency("A"), Agency("B")
    live = loaders(a, b)
    keys = [(a.id, "001"), (b.id, "002"), (a.id, "003"), (a.id, "001")]  # 001 at two paths
    await start_details(live.details, keys)
    # the first agency's call (the slowest, when latencies are known) has left; nobody has
    # awaited anything
    assert a.calls == [["001", "003"]]
    await asyncio.sleep(0)
    assert b.calls == [["002"]]  # the next one a turn later (resolvers/live.one_by_one)
    a.answer.set()
    b.answer.set()
    # the resolvers' own loads are answered by those calls: no second call
    found = await load(live.details, a.id, "003")
    assert found is not None
    assert found.parts[DetailPart.WORK_HISTORY]
    assert a.calls == [["001", "003"]]
    assert b.calls == [["002"]]


async def test_no_key_no_call() -> None:
    a = Agency("A")
    await start_details(loaders(a).details, [])
    await asyncio.sleep(0.01)
    assert a.calls == []


async def test_a_failing_call_nobody_awaits_reports_nothing_to_the_loop() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        a = Agency("A", fails=True)
        a.answer.set()
        await start_details(loaders(a).details, [(a.id, "001")])
        await asyncio.sleep(0.01)
        assert a.calls == [["001"]]
        gc.collect()  # an unretrieved exception is reported when its future is collected
        await asyncio.sleep(0)
        assert reported == []
    finally:
        loop.set_exception_handler(None)


async def test_a_field_waits_for_its_own_agency_not_for_the_slowest() -> None:
    slow, fast = Agency("SLOW"), Agency("FAST")
    live = loaders(slow, fast)
    fast.answer.set()  # the slow agency has not answered, and will not until told
    waiting_for_slow = asyncio.ensure_future(load(live.details, slow.id, "001"))
    found = await asyncio.wait_for(load(live.details, fast.id, "002"), timeout=1)
    assert found is not None
    assert found.parts[DetailPart.WORK_HISTORY]
    assert not waiting_for_slow.done()
    slow.answer.set()
    assert await waiting_for_slow is not None


async def test_an_agencys_failure_is_its_own_peoples_error_only() -> None:
    down, up = Agency("DOWN", fails=True), Agency("UP")
    down.answer.set()
    up.answer.set()
    live = loaders(down, up)
    failed, found = await asyncio.gather(
        load(live.details, down.id, "001"), load(live.details, up.id, "002"), return_exceptions=True
    )
    assert isinstance(failed, SourceFieldError)
    assert failed.extensions == {"code": "SOURCE_UNAVAILABLE", "source": down.id}
    assert isinstance(found, PersonDetail)
