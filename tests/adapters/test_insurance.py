"""Kind insurance against the simulated social insurance database on loopback."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from sandbox_http import INSURANCE_ID, calls, people_of, reset_faults, set_faults
from sqlalchemy.engine import URL

from adapters.errors import SourceProtocolError
from adapters.insurance import InsuranceSource
from sandbox.services.running import RunningService, start_insurance

BASE_SALARY_2024 = Decimal(2_340_000)


def text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="module")
async def people(seeded_store_url: URL) -> dict[str, dict[str, Any]]:
    return await people_of(text(seeded_store_url), None)


@pytest_asyncio.fixture(scope="module")
async def insurance(seeded_store_url: URL, postgres_server: URL) -> AsyncIterator[RunningService]:
    service = await start_insurance(
        text(seeded_store_url),
        text(postgres_server),
        f"cbccvc_test_insurance_{uuid.uuid4().hex[:8]}",
        seed=2026,
        rate=1000,
        burst=1000,
    )
    yield service
    await service.aclose()


@pytest_asyncio.fixture
async def source(insurance: RunningService) -> AsyncIterator[InsuranceSource]:
    source = InsuranceSource(INSURANCE_ID, insurance.url, timeout=2.0)
    yield source
    await source.aclose()
    await reset_faults(insurance)


async def test_everyone_is_insured_with_a_number_of_their_own(
    source: InsuranceSource, people: dict[str, dict[str, Any]]
) -> None:
    found = await source.insurance([*sorted(people), "999999999999"])
    assert sorted(found) == sorted(people)
    assert len({record.insurance_number for record in found.values()}) == len(people)


async def test_contribution_periods_run_back_to_back_from_recruitment(
    source: InsuranceSource, people: dict[str, dict[str, Any]]
) -> None:
    found = await source.insurance(sorted(people)[:300])
    for pid, record in found.items():
        row = people[pid]
        public = [p for p in record.periods if p.start >= row["recruited_on"]]
        assert public[0].start == row["recruited_on"]
        for earlier, later in itertools.pairwise(record.periods):
            assert earlier.end is not None
            assert earlier.end < later.start
        for earlier, later in itertools.pairwise(public):
            assert earlier.end == later.start - timedelta(days=1)
        still_there = row["status"] == "active"
        assert (record.periods[-1].end is None) == still_there


async def test_the_current_salary_basis_is_the_coefficient_times_the_base_salary(
    source: InsuranceSource, people: dict[str, dict[str, Any]]
) -> None:
    graded = [pid for pid in sorted(people) if people[pid]["salary_coefficient"]][:50]
    found = await source.insurance(graded)
    for pid in graded:
        current = found[pid].periods[-1]
        if current.end is None and current.start.year >= 2024:
            expected = int(people[pid]["salary_coefficient"] * BASE_SALARY_2024)
            assert current.salary_basis == expected


async def test_lookups_go_in_one_call_per_hundred_people(
    source: InsuranceSource, people: dict[str, dict[str, Any]], insurance: RunningService
) -> None:
    await set_faults(insurance)
    await source.insurance(sorted(people)[:201])
    assert (await calls(insurance)).get("/v1/insured/lookup") == 3


@pytest.mark.parametrize("malformed", ["truncated", "shape"])
async def test_a_malformed_answer_is_a_protocol_error(
    source: InsuranceSource,
    insurance: RunningService,
    people: dict[str, dict[str, Any]],
    malformed: str,
) -> None:
    await set_faults(insurance, malformed=malformed)
    with pytest.raises(SourceProtocolError):
        await source.insurance(sorted(people)[:3])
