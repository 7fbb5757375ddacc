"""The HTTP kinds for the shared conformance suite: exchange, population, insurance.

Each factory builds its simulated service from the seeded store (sandbox/services/running.py),
serves it on a loopback port, and drops its database on exit. See tests/adapters/conftest.py.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from sandbox_env import Expected, SandboxEnv, SourceFactory

from adapters.base import Source
from adapters.exchange import ExchangeSource
from adapters.insurance import InsuranceSource
from adapters.population import PopulationSource
from sandbox.services.faults import FaultPlan
from sandbox.services.running import (
    RunningService,
    start_connector,
    start_insurance,
    start_population,
)
from sandbox.services.truth import Subtree, all_people, subtree_of, subtree_people, top_agencies
from store.database import sync_free_dsn
from vocabulary.sources import make_source_id

POPULATION_ID = "VN:GOV:000.00.00.G01:DANCU"
INSURANCE_ID = "VN:GOV:000.00.00.G12:BHXH"
TIMEOUT = 5.0


def nowhere() -> str:
    """A loopback address where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def _names(env: SandboxEnv, code: str | None) -> dict[str, str]:
    subtree = None
    if code is not None:
        conn = await asyncpg.connect(sync_free_dsn(env.store_url))
        try:
            subtree = await subtree_of(conn, code)
        finally:
            await conn.close()
    people = await people_of(env.store_url, subtree)
    return {pid: row["full_name"] for pid, row in people.items()}


@asynccontextmanager
async def exchange(env: SandboxEnv) -> AsyncIterator[tuple[Source, Expected]]:
    conn = await asyncpg.connect(sync_free_dsn(env.store_url))
    try:
        subtree = await subtree_of(conn, env.root_code)
    finally:
        await conn.close()
    connector = await start_connector(
        env.store_url, env.server_url, f"cbccvc_conformance_exchange_{env.suffix}", [subtree]
    )
    source_id = make_source_id(env.root_code, "HRM")

    def fresh() -> Source:
        return ExchangeSource(
            source_id, env.root_code, connector.base_url(env.root_code), timeout=TIMEOUT
        )

    def down() -> Source:
        return ExchangeSource(source_id, env.root_code, nowhere(), timeout=TIMEOUT)

    source = fresh()
    try:
        yield source, Expected(await _names(env, env.root_code), fresh, down, None)
    finally:
        await source.aclose()
        await connector.aclose()


@asynccontextmanager
async def population(env: SandboxEnv) -> AsyncIterator[tuple[Source, Expected]]:
    # no deliberate mismatches here: the suite compares names with the store's
    service = await start_population(
        env.store_url,
        env.server_url,
        f"cbccvc_conformance_population_{env.suffix}",
        seed=1,
        rate=10_000,
        burst=10_000,
        mismatch_share=0.0,
        baseline=FaultPlan(),
    )

    def fresh() -> Source:
        return PopulationSource(POPULATION_ID, service.url, timeout=TIMEOUT)

    def down() -> Source:
        return PopulationSource(POPULATION_ID, nowhere(), timeout=TIMEOUT)

    source = fresh()
    try:
        yield source, Expected(await _names(env, None), fresh, down, None)
    finally:
        await source.aclose()
        await service.aclose()


@asynccontextmanager
async def insurance(env: SandboxEnv) -> AsyncIterator[tuple[Source, Expected]]:
    service = await start_insurance(
        env.store_url,
        env.server_url,
        f"cbccvc_conformance_insurance_{env.suffix}",
        seed=1,
        rate=10_000,
        burst=10_000,
    )

    def fresh() -> Source:
        return InsuranceSource(INSURANCE_ID, service.url, timeout=TIMEOUT)

    def down() -> Source:
        return InsuranceSource(INSURANCE_ID, nowhere(), timeout=TIMEOUT)

    source = fresh()
    try:
        yield source, Expected(await _names(env, None), fresh, down, None)
    finally:
        await source.aclose()
        await service.aclose()


FACTORIES: dict[str, SourceFactory] = {
    "exchange": exchange,
    "population": population,
    "insurance": insurance,
}


# --- helpers for the HTTP kinds' own tests ------------------------------------------------------


async def medium_agency(store_url: str) -> Subtree:
    """A top-level agency with a few dozen to two hundred people: a feed of several pages."""
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        found = [a for a in await top_agencies(conn) if not a.own_only and a.people <= 200]
    finally:
        await conn.close()
    return max(found, key=lambda a: a.people)


async def people_of(store_url: str, subtree: Subtree | None) -> dict[str, dict[str, Any]]:
    """The store's rows (personal_id -> row) of a subtree, or of everyone."""
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        rows = await (subtree_people(conn, subtree) if subtree else all_people(conn))
    finally:
        await conn.close()
    return {row["personal_id"]: row for row in rows}


async def set_faults(service: RunningService, **plan: Any) -> None:
    """Switches the service's faults through its admin endpoint, as an operator would."""
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.post("/_faults", json=plan)
        assert response.status_code == 200, response.text


async def reset_faults(service: RunningService) -> None:
    async with httpx.AsyncClient(base_url=service.url) as client:
        (await client.delete("/_faults")).raise_for_status()


async def calls(service: RunningService) -> dict[str, int]:
    """Calls the service served per path since its fault plan was last set."""
    async with httpx.AsyncClient(base_url=service.url) as client:
        return dict((await client.get("/_faults")).json()["calls"])
