"""Kind exchange against a real connector on loopback, with faults injected at run time."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sandbox_http import calls, medium_agency, nowhere, people_of, reset_faults, set_faults
from sqlalchemy.engine import URL

from adapters.errors import (
    FatalSourceError,
    SourceClosed,
    SourceProtocolError,
    SourceTimeout,
    SourceUnavailable,
)
from adapters.exchange import ExchangeSource, from_settings
from sandbox.services.running import RunningService, start_connector
from sandbox.services.truth import Subtree
from store.database import drop_database
from vocabulary.sources import DetailPart, make_source_id

TIMEOUT = 1.5


def text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="module")
async def agency(seeded_store_url: URL) -> Subtree:
    return await medium_agency(text(seeded_store_url))


@pytest_asyncio.fixture(scope="module")
async def people(seeded_store_url: URL, agency: Subtree) -> dict[str, dict[str, Any]]:
    return await people_of(text(seeded_store_url), agency)


@pytest_asyncio.fixture(scope="module")
async def connector(
    seeded_store_url: URL, postgres_server: URL, agency: Subtree
) -> AsyncIterator[RunningService]:
    service = await start_connector(
        text(seeded_store_url),
        text(postgres_server),
        f"cbccvc_test_exchange_{uuid.uuid4().hex[:8]}",
        [agency],
    )
    yield service
    await service.aclose()


@pytest_asyncio.fixture
async def source(connector: RunningService, agency: Subtree) -> AsyncIterator[ExchangeSource]:
    source = ExchangeSource(
        make_source_id(agency.code, "HRM"),
        agency.code,
        connector.base_url(agency.code),
        timeout=TIMEOUT,
        max_batch=50,
    )
    yield source
    await source.aclose()
    await reset_faults(connector)


async def test_paging_the_change_feed_to_the_end_yields_each_person_once(
    source: ExchangeSource, people: dict[str, Any]
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        page = await source.changes(cursor, 40)
        seen += [record.fields["personal_id"] for record in page.records]
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert sorted(seen) == sorted(people)


async def test_records_read_as_the_store_holds_them(
    source: ExchangeSource, people: dict[str, Any]
) -> None:
    record = (await source.changes(None, 1)).records[0]
    row = people[record.fields["personal_id"]]
    assert record.fields["full_name"] == row["full_name"]
    assert record.fields["birth_date"] == row["birth_date"].isoformat()
    assert record.fields["salary_coefficient"] == row["salary_coefficient"]
    assert record.source_record_id == row["source_record_id"]
    assert record.problems == ()


async def test_another_instance_resumes_the_feed_from_a_cursor(
    source: ExchangeSource, connector: RunningService, agency: Subtree, people: dict[str, Any]
) -> None:
    first = await source.changes(None, 10)
    async with ExchangeSource(source.id, agency.code, connector.base_url(agency.code)) as other:
        rest = await other.changes(first.next_cursor, 1000)
    seen = [r.fields["personal_id"] for r in (*first.records, *rest.records)]
    assert sorted(seen) == sorted(people)


async def test_details_are_fetched_in_one_call_per_batch(
    source: ExchangeSource, connector: RunningService, agency: Subtree, people: dict[str, Any]
) -> None:
    asked = sorted(people)[:60] + ["999999999999"] * 3 + [f"{n:012d}" for n in range(40)]
    await set_faults(connector)  # zeroes the call counts
    found = await source.person_details(asked, frozenset({DetailPart.SALARY_HISTORY}))
    path = f"/agencies/{agency.code}/v1/persons/detail"
    assert (await calls(connector)).get(path) == 3  # 101 distinct IDs in batches of 50
    assert sorted(found) == sorted(people)[:60]
    assert all(list(d.parts) == [DetailPart.SALARY_HISTORY] for d in found.values())


async def test_the_current_salary_step_in_the_details_is_the_stores(
    source: ExchangeSource, people: dict[str, Any]
) -> None:
    graded = next(pid for pid, row in sorted(people.items()) if row["salary_step"])
    detail = (await source.person_details([graded], frozenset(DetailPart)))[graded]
    last = detail.parts[DetailPart.SALARY_HISTORY][-1]
    assert last["step"] == people[graded]["salary_step"]


async def test_organizations_are_the_agencys_subtree(
    source: ExchangeSource, agency: Subtree
) -> None:
    organizations = await source.organizations()
    assert organizations[0].code == agency.code
    assert len({org.code for org in organizations}) == len(organizations)


async def test_health_says_ok_and_how_fast(source: ExchangeSource, people: dict[str, Any]) -> None:
    health = await source.health()
    assert health.ok
    assert health.detail == f"{len(people)} records"
    assert 0 < health.latency_ms < TIMEOUT * 1000


async def test_health_of_a_source_that_is_down_says_so_without_raising(agency: Subtree) -> None:
    async with ExchangeSource(make_source_id(agency.code, "HRM"), None, nowhere()) as down:
        health = await down.health()
    assert not health.ok
    assert health.detail.startswith("SOURCE_UNAVAILABLE")


async def test_a_connector_that_is_down_is_unavailable(agency: Subtree) -> None:
    async with ExchangeSource(make_source_id(agency.code, "HRM"), None, nowhere()) as down:
        with pytest.raises(SourceUnavailable) as caught:
            await down.changes(None, 10)
    assert caught.value.source_id == down.id
    assert isinstance(caught.value.__cause__, Exception)  # aiohttp's error, kept as the cause


async def test_latency_slows_answers_that_still_arrive(
    source: ExchangeSource, connector: RunningService
) -> None:
    await set_faults(connector, latency_ms=300)
    started = time.perf_counter()
    page = await source.changes(None, 5)
    assert time.perf_counter() - started >= 0.3
    assert len(page.records) == 5


async def test_a_share_of_failed_calls_surfaces_as_unavailable_and_the_rest_succeed(
    source: ExchangeSource, connector: RunningService
) -> None:
    await set_faults(connector, failure_rate=0.5, seed=7)
    outcomes = []
    for _ in range(20):
        try:
            await source.changes(None, 1)
            outcomes.append("ok")
        except SourceUnavailable:
            outcomes.append("unavailable")
    assert 4 <= outcomes.count("unavailable") <= 16
    assert set(outcomes) == {"ok", "unavailable"}


async def test_a_hanging_connector_costs_the_timeout_and_no_more(
    source: ExchangeSource, connector: RunningService
) -> None:
    await set_faults(connector, hang=True)
    started = time.perf_counter()
    with pytest.raises(SourceTimeout):
        await source.changes(None, 5)
    assert TIMEOUT <= time.perf_counter() - started < TIMEOUT + 0.5


@pytest.mark.parametrize("malformed", ["truncated", "shape"])
async def test_a_malformed_payload_is_a_protocol_error_never_data(
    source: ExchangeSource, connector: RunningService, malformed: str
) -> None:
    await set_faults(connector, malformed=malformed)
    with pytest.raises(SourceProtocolError):
        await source.changes(None, 5)


async def test_names_in_the_wrong_encoding_are_a_protocol_error_never_mojibake(
    source: ExchangeSource, connector: RunningService
) -> None:
    await set_faults(connector, wrong_encoding="cp1258")
    with pytest.raises(SourceProtocolError, match="not UTF-8"):
        await source.changes(None, 5)


async def test_faults_limited_to_one_agency_leave_the_others_alone(
    source: ExchangeSource, connector: RunningService
) -> None:
    await set_faults(connector, hang=True, path_prefix="/agencies/000.00.00.Z99")
    assert len((await source.changes(None, 2)).records) == 2


async def test_a_closed_source_refuses_every_call(
    connector: RunningService, agency: Subtree
) -> None:
    source = ExchangeSource(
        make_source_id(agency.code, "HRM"), None, connector.base_url(agency.code)
    )
    await source.aclose()
    await source.aclose()  # a second close is harmless
    with pytest.raises(SourceClosed):
        await source.changes(None, 1)


def test_a_config_entry_builds_the_source() -> None:
    source = from_settings(
        {
            "id": "VN:GOV:000.00.00.G18:HRM",
            "kind": "exchange",
            "owner": "000.00.00.G18",
            "base_url": "http://127.0.0.1:9/agencies/000.00.00.G18",
            "timeout_s": 2,
        }
    )
    assert isinstance(source, ExchangeSource)
    assert (source.owner, source.http.timeout) == ("000.00.00.G18", 2.0)


@pytest.mark.parametrize(
    "entry",
    [
        {"id": "VN:GOV:000.00.00.G18:HRM"},  # no base_url
        {"id": "VN:GOV:000.00.00.G18:HRM", "base_url": "http://x", "timeout": 2},  # a typo
        {"id": "G18", "base_url": "http://x"},  # not a source id
        {"id": "VN:GOV:000.00.00.G18:HRM", "base_url": "http://x", "max_batch": 500},
        {"id": "VN:GOV:000.00.00.G18:HRM", "base_url": "http://x", "timeout_s": "fast"},
    ],
)
def test_a_wrong_config_entry_is_refused_by_name(entry: dict[str, Any]) -> None:
    with pytest.raises(FatalSourceError):
        from_settings(entry)


async def test_a_connector_whose_database_is_gone_is_unavailable_with_a_time_to_retry(
    seeded_store_url: URL, postgres_server: URL, agency: Subtree
) -> None:
    database = f"cbccvc_test_exchange_gone_{uuid.uuid4().hex[:8]}"
    service = await start_connector(
        text(seeded_store_url), text(postgres_server), database, [agency]
    )
    try:
        await drop_database(postgres_server, database)
        async with ExchangeSource(
            make_source_id(agency.code, "HRM"), agency.code, service.base_url(agency.code)
        ) as source:
            with pytest.raises(SourceUnavailable) as caught:
                await source.changes(None, 5)
    finally:
        await service.aclose()
    assert caught.value.retry_after == 5.0
    assert "DATABASE_UNAVAILABLE" in str(caught.value)


async def test_resetting_the_faults_brings_the_connector_back(
    source: ExchangeSource, connector: RunningService
) -> None:
    await set_faults(connector, failure_rate=1.0)
    with pytest.raises(SourceUnavailable):
        await source.changes(None, 1)
    await reset_faults(connector)
    assert len((await source.changes(None, 1)).records) == 1


async def test_a_fault_plan_with_a_typo_is_refused_not_ignored(connector: RunningService) -> None:
    async with httpx.AsyncClient(base_url=connector.url) as client:
        response = await client.post("/_faults", json={"latency": 500})
    assert response.status_code == 400
    assert "unknown fault" in response.json()["error"]["message"]
