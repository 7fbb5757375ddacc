"""The simulated HTTP services, built from the store and running on loopback, one call each.

    connector = await start_connector(store_url, server_url, "cbccvc_sbx_conn", agencies)
    connector.url                       # http://127.0.0.1:<port>
    connector.base_url("000.00.00.G18")   # .../agencies/000.00.00.G18
    await connector.aclose()            # stops the server and drops its database

Each service gets a database of its own on the PostgreSQL server (dropped by `aclose`), is
wrapped in fault injection (sandbox/services/faults.py) and served by a ServerThread.

The connector speaks the exchange envelope (exchange/guard.py) with keys generated at start
(`connector.keys`: MOHA's and each agency's, in a temporary folder, never committed): a call
signed with MOHA's keys gets a sealed answer. `require_envelope=False` (start_connector's
default) still answers unsigned calls in plain JSON; the demo's sandbox requires envelopes.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import asyncpg

from exchange.connector import create_connector_app
from exchange.guard import EnvelopeGuard
from exchange.keys import TrustedKeysFile
from exchange.msglog import MessageLog
from exchange.provision import Provisioned, provision
from sandbox.services.agency_data import AgencyDatabase, build_agency_database
from sandbox.services.faults import FaultInjector, FaultPlan
from sandbox.services.insurance import create_insurance_app
from sandbox.services.insurance_data import build_insurance_database
from sandbox.services.population import SOMETIMES_SLOW, create_population_app
from sandbox.services.population_data import DEFAULT_MISMATCH_SHARE, build_population_database
from sandbox.services.serving import ServerThread
from sandbox.services.truth import Subtree
from store.database import drop_database, ensure_database, sync_free_dsn, with_database


@dataclass
class RunningService:
    """One simulated service: its server, and the database it owns on `server_url`."""

    name: str
    server: ServerThread
    server_url: str
    database: str
    agencies: dict[str, AgencyDatabase] = field(default_factory=dict)
    keys: Provisioned | None = None
    """The exchange keys of a connector (MOHA's and its agencies'), when it has envelopes."""
    owned_key_folder: Path | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def dsn(self) -> str:
        return _database_dsn(self.server_url, self.database)

    def base_url(self, agency_code: str) -> str:
        """A connector's address for one of its agencies."""
        return f"{self.url}/agencies/{agency_code}"

    def stop(self) -> None:
        self.server.stop()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.server.stop)
        await drop_database(self.server_url, self.database)
        if self.owned_key_folder is not None:
            shutil.rmtree(self.owned_key_folder, ignore_errors=True)


National = Literal["population", "insurance"]


def _database_dsn(server_url: str, database: str) -> str:
    return sync_free_dsn(with_database(server_url, database))


async def _started(service: RunningService) -> RunningService:
    """Starts the service's server; on failure drops its database, so nothing is left behind."""
    try:
        await asyncio.to_thread(service.server.start)
    except BaseException:
        await drop_database(service.server_url, service.database)
        raise
    return service


async def _fresh_database(server_url: str, database: str) -> str:
    await drop_database(server_url, database)
    await ensure_database(server_url, database)
    return _database_dsn(server_url, database)


async def build_connector_database(
    store_url: str,
    server_url: str,
    database: str,
    agencies: Sequence[Subtree],
    latest_change: Mapping[str, datetime] | None = None,
) -> dict[str, AgencyDatabase]:
    """A fresh database holding `agencies`, built from the store (`latest_change`: see
    build_agency_database)."""
    dsn = await _fresh_database(server_url, database)
    store = await asyncpg.connect(sync_free_dsn(store_url))
    target = await asyncpg.connect(dsn)
    try:
        return await build_agency_database(store, target, agencies, latest_change=latest_change)
    finally:
        await target.close()
        await store.close()


def connector_keys(built: dict[str, AgencyDatabase], folder: Path) -> Provisioned:
    """Fresh exchange keys for MOHA and every agency the connector serves, under `folder`."""
    return provision(folder, sorted(built), datetime.now(UTC))


def connector_service(
    server_url: str, database: str, built: dict[str, AgencyDatabase], *, baseline: FaultPlan,
    keys: Provisioned | None = None, require_envelope: bool = True,
    message_log: Path | None = None,
) -> RunningService:  # fmt: skip
    """The (not yet started) connector over a database `build_connector_database` made; with
    `keys`, speaking the exchange envelope (required, unless `require_envelope` is False),
    logging every envelope to `message_log` when given."""
    guard = None
    if keys is not None:
        # MOHA's JWKS file, read again when it changes: a revocation takes effect at once
        guard = EnvelopeGuard(
            keys.agencies,
            TrustedKeysFile(keys.folder.moha_jwks).current,
            required=require_envelope,
            message_log=MessageLog(message_log) if message_log is not None else None,
        )
    app = create_connector_app(_database_dsn(server_url, database), envelope=guard)
    server = ServerThread(FaultInjector(app, baseline=baseline), name="sandbox-connector")
    return RunningService("connector", server, server_url, database, built, keys)


async def start_connector(
    store_url: str,
    server_url: str,
    database: str,
    agencies: Sequence[Subtree],
    *,
    baseline: FaultPlan | None = None,
    envelopes: bool = True,
    require_envelope: bool = False,
) -> RunningService:
    """One connector process serving `agencies`, each under /agencies/<code>/v1/...; with
    `envelopes`, keys generated now (in a temporary folder removed by aclose)."""
    built = await build_connector_database(store_url, server_url, database, agencies)
    folder = Path(tempfile.mkdtemp(prefix="cbccvc-exchange-keys-")) if envelopes else None
    service = connector_service(
        server_url,
        database,
        built,
        baseline=baseline or FaultPlan(),
        keys=connector_keys(built, folder) if folder is not None else None,
        require_envelope=require_envelope,
    )
    service.owned_key_folder = folder
    return await _started(service)


async def build_national_database(
    store_url: str, server_url: str, database: str, which: National, *, seed: int,
    mismatch_share: float = DEFAULT_MISMATCH_SHARE,
) -> None:  # fmt: skip
    """A fresh database for the population (`which="population"`) or insurance service."""
    dsn = await _fresh_database(server_url, database)
    store = await asyncpg.connect(sync_free_dsn(store_url))
    target = await asyncpg.connect(dsn)
    try:
        if which == "population":
            await build_population_database(store, target, seed=seed, mismatch_share=mismatch_share)
        else:
            await build_insurance_database(store, target, seed=seed)
    finally:
        await target.close()
        await store.close()


def national_service(
    server_url: str, database: str, which: National, *, rate: float, burst: int,
    baseline: FaultPlan | None,
) -> RunningService:  # fmt: skip
    """The (not yet started) population or insurance service over its database."""
    dsn = _database_dsn(server_url, database)
    if which == "population":
        app = create_population_app(
            dsn, rate=rate, burst=burst, baseline=SOMETIMES_SLOW if baseline is None else baseline
        )
    else:
        app = create_insurance_app(dsn, rate=rate, burst=burst, baseline=baseline)
    return RunningService(which, ServerThread(app, name=f"sandbox-{which}"), server_url, database)


async def start_population(
    store_url: str,
    server_url: str,
    database: str,
    *,
    seed: int,
    rate: float = 50.0,
    burst: int = 100,
    mismatch_share: float = DEFAULT_MISMATCH_SHARE,
    baseline: FaultPlan | None = None,
) -> RunningService:
    """The population service (everyone in the store; `baseline` None: sometimes slow)."""
    await build_national_database(
        store_url, server_url, database, "population", seed=seed, mismatch_share=mismatch_share
    )
    service = national_service(
        server_url, database, "population", rate=rate, burst=burst, baseline=baseline
    )
    return await _started(service)


async def start_insurance(
    store_url: str,
    server_url: str,
    database: str,
    *,
    seed: int,
    rate: float = 50.0,
    burst: int = 100,
    baseline: FaultPlan | None = None,
) -> RunningService:
    """The social insurance service (everyone in the store)."""
    await build_national_database(store_url, server_url, database, "insurance", seed=seed)
    service = national_service(
        server_url, database, "insurance", rate=rate, burst=burst, baseline=baseline
    )
    return await _started(service)
