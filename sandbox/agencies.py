"""The demo's simulated agencies: every top-level agency of the store as a source, running.

    sandbox = await start_agencies(store_url, server_url, workdir)
    sandbox.sources_config_path   # the sources YAML for adapters/registry.py
    sandbox.ports                 # {"connector": ..., "population": ..., "insurance": ...}
    await sandbox.aclose()        # stops the servers, drops the databases and roles it made

Each active child of the store's root (ministries, special agencies, provinces) becomes one
source `VN:GOV:<code>:HRM` owning its subtree, and the root's own few staff one more; together
they hold every person of the store. Which kind serves an agency is decided by `assign_kinds`
(pure): two legacy databases in each legacy format (sql, sandbox/legacy), a few file drops,
and everyone else behind one agency connector process (exchange, path prefix per agency). The
population and social insurance databases run as HTTP services of their own. Every service is
a real uvicorn server on a loopback port, in a thread of this process.

The connector requires the exchange envelope: MOHA's and every connector agency's keys are
generated at start under `<workdir>/exchange-keys/` (exchange/provision.py's layout), and each
exchange source's config entry names MOHA's key file, the agency's registered JWKS and its
message log; the connector logs its side to `<workdir>/exchange-log/connector.jsonl`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from analytics.scorecard import VIETNAM as AGENCY_CLOCK
from sandbox.legacy.build import (
    build_legacy_agency,
    drop_legacy_agency,
    reader_dsn,
    restamp_changes,
)
from sandbox.legacy.filedrop import write_file_drop
from sandbox.legacy.formats import Format
from sandbox.services.agency_data import AgencyDatabase
from sandbox.services.faults import FaultPlan
from sandbox.services.running import (
    RunningService,
    build_connector_database,
    build_national_database,
    connector_keys,
    connector_service,
    national_service,
)
from sandbox.services.serving import start_all, stop_all
from sandbox.services.truth import Subtree, top_agencies
from store.database import drop_database, ensure_database, sync_free_dsn
from vocabulary.sources import make_source_id

log = logging.getLogger(__name__)

# The national databases' service addresses. Bộ Công an runs the population database (its code
# G01 is our assumption, unverified); the social insurance fund belongs to Bộ Tài chính (G12)
# since March 2025.
POPULATION_SOURCE = "VN:GOV:000.00.00.G01:DANCU"
INSURANCE_SOURCE = "VN:GOV:000.00.00.G12:BHXH"
HTTP_TIMEOUT_S = 5.0


class AgencyKind(StrEnum):
    """How the sandbox serves an agency."""

    SQL_VI = "sql-vi"  # a legacy database with Vietnamese names (sandbox/legacy/schema_vi.sql)
    SQL_EN = "sql-en"  # a legacy database with English names (schema_en.sql)
    FILE = "file"  # spreadsheet drops in a folder
    EXCHANGE = "exchange"  # behind the agency connector


def assign_kinds(agencies: Sequence[Subtree]) -> dict[str, AgencyKind]:
    """Which kind serves each agency: decided by headcount and code alone, never list order.

    The largest ministries and provinces keep legacy databases (one of each format each), the
    next provinces by size and the smallest special agency send file drops, everyone else runs
    the connector: a mix of every kind with real volume behind each, while the cheapest kind to
    start (one connector for many agencies) carries the long tail.
    """
    by_size = sorted(agencies, key=lambda a: (-a.people, a.code))
    ministries = [a for a in by_size if not a.own_only and not _is_province(a.code)]
    provinces = [a for a in by_size if not a.own_only and _is_province(a.code)]
    kinds = {agency.code: AgencyKind.EXCHANGE for agency in agencies}
    plan = [
        (ministries[:1], AgencyKind.SQL_VI),
        (provinces[1:2], AgencyKind.SQL_VI),
        (ministries[1:2], AgencyKind.SQL_EN),
        (provinces[:1], AgencyKind.SQL_EN),
        (provinces[2:4], AgencyKind.FILE),
    ]
    for chosen, kind in plan:
        for agency in chosen:
            kinds[agency.code] = kind
    specials = [a for a in ministries if a.code.rsplit(".", 1)[-1][0] in "BCDEF" and a.people]
    if specials:
        kinds[specials[-1].code] = AgencyKind.FILE
    return kinds


# The spread the scorecard shows: a late agency's HR system changed its records over a week
# before the demo serves them (8 calendar days are at least 4 working days), the others within
# the hour.
LATE_BY = timedelta(days=8)
ON_TIME_BY = timedelta(hours=1)


def late_agencies(agencies: Sequence[Subtree], kinds: Mapping[str, AgencyKind]) -> frozenset[str]:
    """The agencies the demo makes late, one or more of every kind that stamps its changes:
    the Vietnamese-schema ministry, the largest connector ministry and the largest province
    sending file drops. Their on-time siblings (the Vietnamese-schema province, the other
    connector agencies and drops) show the difference. Pure: headcount and code decide."""
    by_size = sorted(agencies, key=lambda a: (-a.people, a.code))
    ministries = [a for a in by_size if not a.own_only and not _is_province(a.code)]
    provinces = [a for a in by_size if not a.own_only and _is_province(a.code)]
    late = [a for a in ministries if kinds.get(a.code) is AgencyKind.SQL_VI]
    late += [a for a in ministries if kinds.get(a.code) is AgencyKind.EXCHANGE][:1]
    late += [a for a in provinces if kinds.get(a.code) is AgencyKind.FILE][:1]
    return frozenset(a.code for a in late)


def _is_province(code: str) -> bool:
    return code.rsplit(".", 1)[-1].startswith("H")


def _slug(code: str) -> str:
    return re.sub(r"[^0-9a-z]", "", code.lower())


@dataclass
class SandboxAgencies:
    """The running sandbox; `aclose()` when done (or `stop()`, then `aclose()` later).

    Attributes:
        sources_config_path: the sources YAML (adapters/registry.py's format).
        ports: loopback port of each HTTP service: connector, population, insurance.
        sources: the config's entries, as written.
        kinds: agency code -> how it is served.
        people: people held by the agency sources together (the store's count).
        seconds: how long the start took.
    """

    sources_config_path: Path
    server_url: str
    kinds: dict[str, AgencyKind]
    people: int
    ports: dict[str, int] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    services: dict[str, RunningService] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    """Databases made on the server, dropped by aclose."""
    legacy: dict[str, LegacyAgency] = field(default_factory=dict)
    late: frozenset[str] = frozenset()
    """The agencies whose changes were stamped LATE_BY before they are served (late_agencies)."""

    @property
    def urls(self) -> dict[str, str]:
        return {name: service.url for name, service in self.services.items()}

    def stop(self) -> None:
        """Stops the servers (the databases stay until aclose)."""
        stop_all(service.server for service in self.services.values())

    async def aclose(self) -> None:
        """Stops the servers and drops every database and role the sandbox made."""
        await asyncio.to_thread(self.stop)
        self.services.clear()
        # side by side: each drop waits mostly for the server (files, a checkpoint)
        await asyncio.gather(
            *(drop_legacy_agency(a.url, a.schema, a.role) for a in self.legacy.values())
        )
        self.legacy.clear()
        await asyncio.gather(*(drop_database(self.server_url, db) for db in self.databases))
        self.databases.clear()


@dataclass(frozen=True)
class LegacyAgency:
    url: str  # the legacy database, as its owner
    schema: str
    role: str  # the SELECT-only login the sql source uses
    dsn: str  # the database as that role
    fmt: Format


async def start_agencies(
    store_url: str,
    server_url: str,
    workdir: str | Path,
    *,
    seed: int = 2026,
    name: str = "cbccvc_sandbox",
    kinds: Mapping[str, AgencyKind] | None = None,
    national_rate: float = 50.0,
    national_burst: int = 100,
    population_baseline: FaultPlan | None = None,
) -> SandboxAgencies:
    """Builds every agency from the store at `store_url` and starts its services.

    Args:
        store_url: the seeded Ministry store (read only).
        server_url: a PostgreSQL server where the sandbox may create databases (and, for the
            legacy agencies, login roles) whose names start with `name`; existing ones of
            those names are replaced.
        workdir: where the sources config and the file drops are written.
        seed: fixes the synthetic data of the national databases.
        name: prefix of everything server-wide (databases, roles): one sandbox per name.
        kinds: agency code -> kind, overriding `assign_kinds` for the codes it names.
        national_rate, national_burst: the population and insurance services' rate limits.
        population_baseline: the population service's standing faults (None: sometimes slow).
    """
    started = time.perf_counter()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    agencies, total = await _agencies_of(store_url)
    plan = {**assign_kinds(agencies), **(kinds or {})}
    sandbox = SandboxAgencies(workdir / "sources.yaml", server_url, plan, total)
    try:
        built = await _build(sandbox, store_url, workdir, agencies, seed=seed, name=name)
        keys = connector_keys(built, workdir / "exchange-keys")
        sandbox.services = {
            "connector": connector_service(
                server_url,
                f"{name}_connector",
                built,
                baseline=FaultPlan(),
                keys=keys,
                message_log=workdir / "exchange-log" / "connector.jsonl",
            ),
            **{
                which: national_service(
                    server_url,
                    f"{name}_{which}",
                    which,
                    rate=national_rate,
                    burst=national_burst,
                    baseline=population_baseline if which == "population" else None,
                )
                for which in ("population", "insurance")
            },
        }
        servers = [service.server for service in sandbox.services.values()]
        await asyncio.to_thread(start_all, servers)
    except BaseException:
        await sandbox.aclose()
        raise
    sandbox.ports = {which: service.port for which, service in sandbox.services.items()}
    sandbox.sources = _config_entries(sandbox, agencies, workdir)
    _write_config(sandbox.sources_config_path, sandbox.sources)
    sandbox.seconds = time.perf_counter() - started
    log.info(
        "sandbox agencies: %d sources holding %d people started in %.1f s",
        len(sandbox.sources),
        total,
        sandbox.seconds,
    )
    return sandbox


async def _agencies_of(store_url: str) -> tuple[list[Subtree], int]:
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        agencies = await top_agencies(conn)
        total = int(await conn.fetchval("SELECT count(*) FROM person"))
    finally:
        await conn.close()
    held = sum(agency.people for agency in agencies)
    if held != total:
        # someone works outside every active agency: a source config would silently miss them
        raise RuntimeError(f"the top-level agencies hold {held} people, the store {total}")
    return agencies, total


LOCAL_BUILDS = 3
"""Legacy databases and file drops built at a time (beside the connector's database)."""


async def _build(
    sandbox: SandboxAgencies,
    store_url: str,
    workdir: Path,
    agencies: Sequence[Subtree],
    *,
    seed: int,
    name: str,
) -> dict[str, AgencyDatabase]:
    """Builds every database and drop side by side (the server works while Python does);
    returns the connector's agencies."""
    server_url = sandbox.server_url
    # registered before they exist, so that aclose drops them even if a build fails half-way
    connector_db, population_db, insurance_db = (
        f"{name}_connector", f"{name}_population", f"{name}_insurance",
    )  # fmt: skip
    sandbox.databases += [connector_db, population_db, insurance_db]
    exchange = [a for a in agencies if sandbox.kinds[a.code] is AgencyKind.EXCHANGE]
    late = sandbox.late = late_agencies(agencies, sandbox.kinds)
    now = datetime.now(AGENCY_CLOCK)
    latest = {a.code: now - (LATE_BY if a.code in late else ON_TIME_BY) for a in agencies}
    connector = asyncio.ensure_future(
        build_connector_database(store_url, server_url, connector_db, exchange, latest)
    )
    steps: list[Awaitable[Any]] = [
        connector,
        build_national_database(store_url, server_url, population_db, "population", seed=seed),
        build_national_database(store_url, server_url, insurance_db, "insurance", seed=seed),
    ]
    # a legacy database or a drop holds its agency's people in memory while it is written (the
    # connector's are read a chunk at a time): a few at a time, so that a national sandbox
    # (2.5 million people) fits in the machine's memory, where all at once did not
    turns = asyncio.Semaphore(LOCAL_BUILDS)

    async def in_turn(step: Awaitable[Any]) -> Any:
        async with turns:
            return await step

    for agency in agencies:
        kind = sandbox.kinds[agency.code]
        if kind in (AgencyKind.SQL_VI, AgencyKind.SQL_EN):
            step = _legacy(sandbox, store_url, agency, kind, name, latest[agency.code])
            steps.append(in_turn(step))
        elif kind is AgencyKind.FILE:
            folder = _drop_folder(workdir, agency)
            steps.append(
                in_turn(write_file_drop(store_url, folder, agency.code, latest[agency.code]))
            )
    await asyncio.gather(*steps)
    return connector.result()


async def _legacy(
    sandbox: SandboxAgencies,
    store_url: str,
    agency: Subtree,
    kind: AgencyKind,
    name: str,
    latest_change: datetime,
) -> None:
    fmt: Format = "vi" if kind is AgencyKind.SQL_VI else "en"
    slug = _slug(agency.code)
    database = f"{name}_legacy_{slug}"
    role = f"{name}_reader_{slug}"[:63]
    schema = f"hrm_{fmt}"
    sandbox.databases.append(database)
    await drop_database(sandbox.server_url, database)
    url = (await ensure_database(sandbox.server_url, database)).render_as_string(
        hide_password=False
    )
    password = secrets.token_hex(12)
    sandbox.legacy[agency.code] = LegacyAgency(
        url, schema, role, reader_dsn(url, role, password), fmt
    )
    await build_legacy_agency(
        store_url, url, schema, agency.code, fmt, role, reader_password=password
    )
    if fmt == "vi":
        # only the Vietnamese schema stamps its changes with a time (the English one counts)
        await restamp_changes(url, schema, latest_change)


def _drop_folder(workdir: Path, agency: Subtree) -> Path:
    return workdir / "drops" / _slug(agency.code)


def _config_entries(
    sandbox: SandboxAgencies, agencies: Sequence[Subtree], workdir: Path
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    connector = sandbox.services["connector"]
    for agency in agencies:
        entry: dict[str, Any] = {
            "id": make_source_id(agency.code, "HRM"),
            "owner": agency.code,
        }
        kind = sandbox.kinds[agency.code]
        if kind is AgencyKind.EXCHANGE:
            entry |= {
                "kind": "exchange",
                "base_url": connector.base_url(agency.code),
                "timeout_s": HTTP_TIMEOUT_S,
            }
            if connector.keys is not None:
                folder = connector.keys.folder
                entry["envelope"] = {
                    "keys": str(folder.moha_keys),
                    "agency_jwks": str(folder.agency_jwks(agency.code)),
                    # one chain per source: each source appends from its own process state
                    "message_log": str(workdir / "exchange-log" / f"{_slug(agency.code)}.jsonl"),
                }
        elif kind is AgencyKind.FILE:
            entry |= {"kind": "file", "folder": str(_drop_folder(workdir, agency))}
        else:
            legacy = sandbox.legacy[agency.code]
            entry |= {
                "kind": "sql",
                "dsn": legacy.dsn,
                "mapping": f"legacy_{legacy.fmt}",
                "schema": legacy.schema,
            }
        entries.append(entry)
    for which, source_id in (("population", POPULATION_SOURCE), ("insurance", INSURANCE_SOURCE)):
        entries.append(
            {
                "id": source_id,
                "kind": which,
                "owner": None,
                "base_url": sandbox.services[which].url,
                "timeout_s": HTTP_TIMEOUT_S,
            }
        )
    return entries


def _write_config(path: Path, entries: list[dict[str, Any]]) -> None:
    header = (
        "# Written by sandbox/agencies.py for the demo: the simulated agencies on loopback.\n"
        "# Holds the legacy readers' passwords: keep it to yourself (mode 0600).\n"
    )
    text = header + yaml.safe_dump({"sources": entries}, allow_unicode=True, sort_keys=False)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")


def close_blocking(sandbox: SandboxAgencies) -> None:
    """aclose for synchronous callers."""
    asyncio.run(sandbox.aclose())
