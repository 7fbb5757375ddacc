"""The demo's simulated agencies: every kind running on loopback, together the whole store."""

from __future__ import annotations

import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
import yaml
from sqlalchemy.engine import URL

from adapters.registry import SourceRegistry
from sandbox.agencies import AgencyKind, SandboxAgencies, assign_kinds, start_agencies
from sandbox.services.truth import Subtree
from store.database import sync_free_dsn
from vocabulary.sources import Capability, SourceKind


def text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="module")
async def sandbox(
    seeded_store_url: URL, postgres_server: URL, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SandboxAgencies]:
    started = await start_agencies(
        text(seeded_store_url),
        text(postgres_server),
        tmp_path_factory.mktemp("agencies"),
        name=f"cbccvc_test_sbx_{uuid.uuid4().hex[:8]}",
        national_rate=1000,
        national_burst=1000,
    )
    yield started
    await started.aclose()


@pytest_asyncio.fixture(scope="module")
async def registry(sandbox: SandboxAgencies) -> AsyncIterator[SourceRegistry]:
    sources = SourceRegistry.from_yaml(sandbox.sources_config_path)
    yield sources
    await sources.aclose()


@pytest_asyncio.fixture(scope="module")
async def store_ids(seeded_store_url: URL) -> set[str]:
    conn = await asyncpg.connect(sync_free_dsn(seeded_store_url))
    try:
        return {row["personal_id"] for row in await conn.fetch("SELECT personal_id FROM person")}
    finally:
        await conn.close()


async def test_the_agency_sources_together_hold_exactly_the_stores_people(
    registry: SourceRegistry, store_ids: set[str]
) -> None:
    held: Counter[str] = Counter()
    for source in registry.values():
        if Capability.CHANGE_FEED not in source.capabilities:
            continue
        cursor = None
        while True:
            page = await source.changes(cursor, 1000)
            held.update(record.fields["personal_id"] for record in page.records)
            cursor = page.next_cursor
            if not page.has_more:
                break
    assert set(held) == store_ids
    assert held.most_common(1)[0][1] == 1  # nobody is held by two agencies


async def test_every_kind_of_source_is_running(
    registry: SourceRegistry, sandbox: SandboxAgencies
) -> None:
    kinds = Counter(source.kind for source in registry.values())
    assert kinds[SourceKind.SQL] >= 2
    assert kinds[SourceKind.EXCHANGE] >= 2
    assert kinds[SourceKind.FILE] >= 1
    assert (kinds[SourceKind.POPULATION], kinds[SourceKind.INSURANCE]) == (1, 1)
    written = yaml.safe_load(sandbox.sources_config_path.read_text(encoding="utf-8"))
    assert {"legacy_vi", "legacy_en"} <= {entry.get("mapping") for entry in written["sources"]}


async def test_every_source_is_healthy(registry: SourceRegistry) -> None:
    unhealthy = {sid: h.detail for sid, s in registry.items() if not (h := await s.health()).ok}
    assert unhealthy == {}


async def test_the_national_databases_answer_for_the_stores_people(
    registry: SourceRegistry, store_ids: set[str]
) -> None:
    asked = sorted(store_ids)[:150]
    population = next(s for s in registry.values() if s.kind is SourceKind.POPULATION)
    insurance = next(s for s in registry.values() if s.kind is SourceKind.INSURANCE)
    assert sorted(await population.identities(asked)) == asked
    assert sorted(await insurance.insurance(asked)) == asked


async def test_the_config_names_each_agency_by_its_code_and_owner(
    sandbox: SandboxAgencies,
) -> None:
    for entry in sandbox.sources:
        if entry["owner"] is not None:
            assert entry["id"] == f"VN:GOV:{entry['owner']}:HRM"
    assert sandbox.sources_config_path.stat().st_mode & 0o077 == 0  # holds passwords


async def test_closing_stops_the_servers_and_drops_what_it_made(
    seeded_store_url: URL, postgres_server: URL, tmp_path: Path
) -> None:
    name = f"cbccvc_test_sbx_{uuid.uuid4().hex[:8]}"
    started = await start_agencies(
        text(seeded_store_url),
        text(postgres_server),
        tmp_path,
        name=name,
        kinds={},
    )
    ports = list(started.ports.values())
    await started.aclose()
    for port in ports:
        with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.1", port))
    conn = await asyncpg.connect(sync_free_dsn(postgres_server))
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1 || '%'", name
        )
        roles = await conn.fetchval(
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE $1 || '%'", name
        )
    finally:
        await conn.close()
    assert (left, roles) == (0, 0)


def agency(code: str, people: int, *, own_only: bool = False) -> Subtree:
    return Subtree(code, code, 0, "/", people, own_only)


TREE = [
    agency("000.00.00.A00", 1, own_only=True),
    *(agency(f"000.00.00.G{n:02d}", 100 - n) for n in range(1, 20)),
    agency("000.00.00.D01", 12),
    agency("000.00.00.F01", 9),
    agency("000.00.00.C01", 0),
    *(agency(f"000.00.00.H{n:02d}", 300 - n) for n in range(1, 35)),
]


def test_kinds_mix_every_kind_with_real_volume_and_the_connector_takes_the_rest() -> None:
    kinds = assign_kinds(TREE)
    assert kinds["000.00.00.G01"] is AgencyKind.SQL_VI  # the largest ministry
    assert kinds["000.00.00.H01"] is AgencyKind.SQL_EN  # the largest province
    assert kinds["000.00.00.H02"] is AgencyKind.SQL_VI
    assert kinds["000.00.00.G02"] is AgencyKind.SQL_EN
    assert kinds["000.00.00.F01"] is AgencyKind.FILE  # the smallest special agency with staff
    assert kinds["000.00.00.A00"] is AgencyKind.EXCHANGE  # the root's own staff
    counts = Counter(kinds.values())
    assert counts[AgencyKind.FILE] == 3
    assert counts[AgencyKind.EXCHANGE] == len(TREE) - 7


def test_kinds_do_not_depend_on_the_order_agencies_are_listed_in() -> None:
    assert assign_kinds(list(reversed(TREE))) == assign_kinds(TREE)
