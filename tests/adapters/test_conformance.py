"""The source contract, once for every kind (the kinds come from conftest.FACTORIES).

A new adapter passes by adding its sandbox factory; nothing here names a kind.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable

import pytest
from sandbox_env import Sandbox

from adapters.base import Source
from adapters.errors import (
    FatalSourceError,
    ReadOnlyViolation,
    RetriableSourceError,
    UnsupportedOperation,
)
from adapters.resilience import GuardedSource, GuardPolicy
from vocabulary.sources import Capability, DetailPart, SourceRecord

PAGE = 17  # small and odd, so that pages end inside runs of equal change times
UNKNOWN_ID = "000000000000"


def needs(sandbox: Sandbox, capability: Capability) -> None:
    if capability not in sandbox.source.capabilities:
        pytest.skip(f"{sandbox.name} does not offer {capability}")


async def read_feed(
    source: Source, cursor: str | None = None
) -> tuple[list[SourceRecord], str | None]:
    records: list[SourceRecord] = []
    while True:
        page = await source.changes(cursor, PAGE)
        records.extend(page.records)
        cursor = page.next_cursor
        if not page.has_more:
            return records, cursor


def personal_ids(records: list[SourceRecord]) -> list[str]:
    return sorted(str(record.fields.get("personal_id")) for record in records)


def one_call(source: Source, personal_id: str) -> Callable[[], Awaitable[object]]:
    """A call of the first capability the source offers."""
    calls: dict[Capability, Callable[[], Awaitable[object]]] = {
        Capability.CHANGE_FEED: lambda: source.changes(None, PAGE),
        Capability.IDENTITY_CHECK: lambda: source.identities([personal_id]),
        Capability.INSURANCE: lambda: source.insurance([personal_id]),
        Capability.PERSON_DETAIL: lambda: source.person_details(
            [personal_id], frozenset(DetailPart)
        ),
        Capability.ORGANIZATION_TREE: lambda: source.organizations(),
    }
    return next(call for capability, call in calls.items() if capability in source.capabilities)


async def test_paging_to_the_end_yields_every_person_once(sandbox: Sandbox) -> None:
    needs(sandbox, Capability.CHANGE_FEED)
    records, _ = await read_feed(sandbox.source)
    assert personal_ids(records) == sorted(sandbox.expected.people)
    ids = [record.source_record_id for record in records]
    assert len(ids) == len(set(ids))


async def test_resuming_from_a_cursor_in_another_instance_gives_the_rest(sandbox: Sandbox) -> None:
    needs(sandbox, Capability.CHANGE_FEED)
    first = await sandbox.source.changes(None, 25)
    assert first.has_more
    resumed = sandbox.expected.fresh()
    try:
        rest, _ = await read_feed(resumed, first.next_cursor)
    finally:
        await resumed.aclose()
    assert not {r.source_record_id for r in first.records} & {r.source_record_id for r in rest}
    assert personal_ids([*first.records, *rest]) == sorted(sandbox.expected.people)


async def test_at_the_end_pages_are_empty_and_the_cursor_stays_valid(sandbox: Sandbox) -> None:
    needs(sandbox, Capability.CHANGE_FEED)
    _, cursor = await read_feed(sandbox.source)
    for _ in range(2):
        page = await sandbox.source.changes(cursor, PAGE)
        assert page.records == ()
        assert not page.has_more
        cursor = page.next_cursor
    assert cursor is not None


async def test_names_come_out_nfc_and_as_the_store_has_them(sandbox: Sandbox) -> None:
    people = sandbox.expected.people
    if Capability.CHANGE_FEED in sandbox.source.capabilities:
        records, _ = await read_feed(sandbox.source)
        names = {str(r.fields["personal_id"]): r.fields["full_name"] for r in records}
    elif Capability.IDENTITY_CHECK in sandbox.source.capabilities:
        found = await sandbox.source.identities(sorted(people)[:100])
        names = {pid: record.full_name for pid, record in found.items()}
    else:
        pytest.skip(f"{sandbox.name} states no names")
    assert names
    assert all(unicodedata.is_normalized("NFC", name) for name in names.values())
    assert names == {pid: people[pid] for pid in names}
    assert any(not name.isascii() for name in names.values())  # diacritics were there to test


async def test_person_details_answer_for_known_people_only(sandbox: Sandbox) -> None:
    needs(sandbox, Capability.PERSON_DETAIL)
    known = sorted(sandbox.expected.people)[:3]
    asked = frozenset({DetailPart.WORK_HISTORY, DetailPart.FAMILY})
    details = await sandbox.source.person_details([*known, UNKNOWN_ID], asked)
    assert set(details) == set(known)
    for personal_id, detail in details.items():
        assert detail.personal_id == personal_id
        assert set(detail.parts) <= asked
        assert all(isinstance(entries, tuple) for entries in detail.parts.values())


async def test_a_source_that_is_down_raises_a_retriable_error(sandbox: Sandbox) -> None:
    down = sandbox.expected.down()
    try:
        with pytest.raises(RetriableSourceError):
            await one_call(down, next(iter(sandbox.expected.people)))()
    finally:
        await down.aclose()


async def test_writing_through_the_source_is_refused(sandbox: Sandbox) -> None:
    probe = sandbox.expected.write_probe
    if probe is None:
        pytest.skip(f"{sandbox.name} has no database to write to")
    with pytest.raises(ReadOnlyViolation):
        await probe(sandbox.source)


async def test_after_aclose_calls_fail_cleanly(sandbox: Sandbox) -> None:
    source = sandbox.expected.fresh()
    call = one_call(source, next(iter(sandbox.expected.people)))
    await call()  # resources opened
    await source.aclose()
    with pytest.raises(FatalSourceError):
        await call()
    await source.aclose()  # a second close is harmless


async def test_every_method_outside_the_capabilities_is_unsupported(sandbox: Sandbox) -> None:
    source = sandbox.source
    calls: dict[Capability, Callable[[], Awaitable[object]]] = {
        Capability.CHANGE_FEED: lambda: source.changes(None, 1),
        Capability.PERSON_DETAIL: lambda: source.person_details([UNKNOWN_ID], frozenset()),
        Capability.ORGANIZATION_TREE: lambda: source.organizations(),
        Capability.IDENTITY_CHECK: lambda: source.identities([UNKNOWN_ID]),
        Capability.INSURANCE: lambda: source.insurance([UNKNOWN_ID]),
    }
    missing = [call for capability, call in calls.items() if capability not in source.capabilities]
    for call in missing:
        with pytest.raises(UnsupportedOperation):
            await call()


async def test_health_reports_a_source_that_answers(sandbox: Sandbox) -> None:
    health = await sandbox.source.health()
    assert health.ok, health.detail
    assert health.latency_ms >= 0


async def test_behind_a_guard_the_source_answers_the_same(sandbox: Sandbox) -> None:
    guarded = GuardedSource(sandbox.expected.fresh(), GuardPolicy(deadline_s=10.0))
    try:
        assert guarded.capabilities == sandbox.source.capabilities
        if Capability.CHANGE_FEED in guarded.capabilities:
            records, _ = await read_feed(guarded)
            assert personal_ids(records) == sorted(sandbox.expected.people)
        else:
            await one_call(guarded, next(iter(sandbox.expected.people)))()
        assert guarded.stats().failures == 0
    finally:
        await guarded.aclose()
