"""Kind population against the simulated population database on loopback."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sandbox_http import POPULATION_ID, calls, people_of, reset_faults, set_faults
from sqlalchemy.engine import URL

from adapters.errors import SourceProtocolError, SourceUnavailable
from adapters.population import PopulationSource, from_settings
from sandbox.services.faults import FaultPlan
from sandbox.services.running import RunningService, start_population

TIMEOUT = 2.0


def text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="module")
async def people(seeded_store_url: URL) -> dict[str, dict[str, Any]]:
    return await people_of(text(seeded_store_url), None)


@pytest_asyncio.fixture(scope="module")
async def population(seeded_store_url: URL, postgres_server: URL) -> AsyncIterator[RunningService]:
    service = await start_population(
        text(seeded_store_url),
        text(postgres_server),
        f"cbccvc_test_population_{uuid.uuid4().hex[:8]}",
        seed=2026,
        rate=1000,
        burst=1000,
        baseline=FaultPlan(),
    )
    yield service
    await service.aclose()


@pytest_asyncio.fixture
async def source(population: RunningService) -> AsyncIterator[PopulationSource]:
    source = PopulationSource(POPULATION_ID, population.url, timeout=TIMEOUT)
    yield source
    await source.aclose()
    await reset_faults(population)


async def mismatches(population: RunningService) -> dict[str, str]:
    """The answer key the sandbox keeps of where it differs from the store."""
    conn = await asyncpg.connect(population.dsn)
    try:
        rows = await conn.fetch("SELECT personal_id, kind FROM population.sandbox_mismatch")
    finally:
        await conn.close()
    return {row["personal_id"]: row["kind"] for row in rows}


async def test_identities_come_back_in_the_standards_terms(
    source: PopulationSource, people: dict[str, dict[str, Any]], population: RunningService
) -> None:
    differing = await mismatches(population)
    asked = [pid for pid in sorted(people) if pid not in differing][:20]
    found = await source.identities([*asked, "999999999999"])
    assert sorted(found) == asked  # an ID the database does not know is simply absent
    for pid in asked:
        row, identity = people[pid], found[pid]
        assert (identity.full_name, identity.birth_date) == (row["full_name"], row["birth_date"])
        assert identity.gender == row["gender"]  # "Nam"/"Nữ" on the wire
        assert identity.residence == row["permanent_address"]


async def test_a_small_share_of_people_differ_from_the_store_by_spelling_or_birth_date(
    source: PopulationSource, people: dict[str, dict[str, Any]], population: RunningService
) -> None:
    found = await source.identities(sorted(people))
    differing = {
        pid
        for pid, identity in found.items()
        if (identity.full_name, identity.birth_date)
        != (people[pid]["full_name"], people[pid]["birth_date"])
    }
    assert len(found) == len(people)
    assert differing == set(await mismatches(population))
    assert 0.005 * len(people) <= len(differing) <= 0.05 * len(people)


async def test_lookups_go_in_one_call_per_hundred_people(
    source: PopulationSource, people: dict[str, dict[str, Any]], population: RunningService
) -> None:
    await set_faults(population)  # zeroes the call counts
    await source.identities(sorted(people)[:250])
    assert (await calls(population)).get("/v1/citizens/lookup") == 3


async def test_beyond_its_rate_limit_the_database_is_unavailable_with_a_time_to_retry(
    seeded_store_url: URL, postgres_server: URL
) -> None:
    service = await start_population(
        text(seeded_store_url),
        text(postgres_server),
        f"cbccvc_test_population_rl_{uuid.uuid4().hex[:8]}",
        seed=2026,
        rate=0.5,
        burst=2,
        baseline=FaultPlan(),
    )
    try:
        async with PopulationSource(POPULATION_ID, service.url) as source:
            await source.identities(["001090000001"])
            await source.identities(["001090000001"])
            with pytest.raises(SourceUnavailable) as caught:
                await source.identities(["001090000001"])
    finally:
        await service.aclose()
    assert caught.value.retry_after is not None
    assert 1 <= caught.value.retry_after <= 2


async def test_a_slow_database_delays_answers_that_still_arrive(
    source: PopulationSource, population: RunningService, people: dict[str, dict[str, Any]]
) -> None:
    await set_faults(population, latency_ms=250, latency_jitter_ms=50, seed=3)
    started = time.perf_counter()
    found = await source.identities(sorted(people)[:5])
    assert 0.25 <= time.perf_counter() - started < TIMEOUT
    assert len(found) == 5


async def test_names_in_a_windows_1258_answer_are_a_protocol_error_never_mojibake(
    source: PopulationSource, population: RunningService, people: dict[str, dict[str, Any]]
) -> None:
    await set_faults(population, wrong_encoding="cp1258")
    with pytest.raises(SourceProtocolError, match="not UTF-8"):
        await source.identities(sorted(people)[:5])


async def test_an_answer_with_a_record_of_the_wrong_shape_is_refused_whole(
    source: PopulationSource, population: RunningService, people: dict[str, dict[str, Any]]
) -> None:
    await set_faults(population, malformed="shape")
    with pytest.raises(SourceProtocolError, match="off protocol"):
        await source.identities(sorted(people)[:5])


async def test_names_encoded_twice_are_a_protocol_error_never_mojibake(
    source: PopulationSource, population: RunningService, people: dict[str, dict[str, Any]]
) -> None:
    await set_faults(population, wrong_encoding="double-utf8")
    with pytest.raises(SourceProtocolError, match="encoded twice"):
        await source.identities(sorted(people)[:5])


def test_a_config_entry_for_the_national_database_needs_no_owner() -> None:
    source = from_settings(
        {"id": POPULATION_ID, "kind": "population", "owner": None, "base_url": "http://x"}
    )
    assert isinstance(source, PopulationSource)
    assert source.owner is None
