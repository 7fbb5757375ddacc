"""The demo's store, filled by syncing from the sandbox agencies (not by seeding it).

Sandbox code, not the sync's: only `cbccvc demo`, the tests and the benchmarks fill a store so.

The sandbox builds its agency databases from a seeded store, so the demo seeds a separate
"national truth" database on the same server (`cbccvc_truth`), builds the agencies from it, and
syncs them into the (empty) Ministry store:

    sandbox, results = await fill_store_from_sandbox(store_url, server_url, workdir, people=20_000)

Organisations come from the agencies' trees (Capability.ORGANIZATION_TREE) first; agencies that
only drop files publish no tree, so what no source names is then taken from the national
organisation register (the truth's organisation table, which MOHA keeps itself), together with
the staffing quotas (MOHA's own data). People only ever arrive by the sync, and so do their
dossier lists: the legacy databases' CV modules and the drops' related files and sheets carry
them (issue 17, item 3), built from the truth's consistent lists; nothing writes them into the
store directly (sandbox/dossier.py's `seed_dossier` seeds only stores that are not synced: the
truth, `cbccvc seed`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from adapters.base import Source
from adapters.registry import SourceRegistry
from analytics.scorecard import VIETNAM
from analytics.scorecard_store import take_snapshot
from sandbox.agencies import AgencyKind, SandboxAgencies, start_agencies
from sandbox.services.faults import ADMIN_PATH
from store.database import create_engine, ensure_database, sync_free_dsn
from store.prepare import prepare_store
from sync.organizations import sync_organizations
from sync.pipeline import Progress, RunResult, sync_all

log = logging.getLogger(__name__)

TRUTH_DATABASE = "cbccvc_truth"


async def prepare_truth(server_url: str, name: str, people: int, seed: int) -> str:
    """The truth database, migrated and seeded (once: an already seeded one is kept)."""
    from sandbox.seed import seed_store

    url = await ensure_database(server_url, name)
    await prepare_store(url)
    text = url.render_as_string(hide_password=False)
    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        held = await conn.fetchval("SELECT count(*) FROM person")
    finally:
        await conn.close()
    if not held:
        await seed_store(text, people, seed, progress=False)
    return text


async def copy_organization_register(truth_dsn: str, store_dsn: str) -> int:
    """Organisations no source named, and every staffing quota, from the register; returns
    how many organisations were added."""
    truth = await asyncpg.connect(truth_dsn)
    try:
        orgs = await truth.fetch(
            """SELECT o.code, o.name, o.short_name, o.level, p.code AS parent_code,
                      o.administrative_unit_code, o.status, o.established_on,
                      o.status_changed_on, s.code AS successor_code
                 FROM organization o
                 LEFT JOIN organization p ON p.id = o.parent_id
                 LEFT JOIN organization s ON s.id = o.successor_id
                ORDER BY o.depth, o.code"""
        )
        quotas = await truth.fetch(
            """SELECT o.code, q.year, q.civil_servants, q.public_employees, q.contract_staff
                 FROM staffing_quota q JOIN organization o ON o.id = q.organization_id"""
        )
    finally:
        await truth.close()
    store = await asyncpg.connect(store_dsn)
    added = 0
    try:
        async with store.transaction():
            ids = {
                r["code"]: r["id"] for r in await store.fetch("SELECT code, id FROM organization")
            }
            new = [org for org in orgs if org["code"] not in ids]
            for org in new:  # parents first (by depth)
                ids[org["code"]] = await store.fetchval(
                    """INSERT INTO organization (code, name, short_name, level, parent_id,
                           administrative_unit_code, established_on)
                       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
                    org["code"], org["name"], org["short_name"], org["level"],
                    ids.get(org["parent_code"]) if org["parent_code"] else None,
                    org["administrative_unit_code"], org["established_on"],
                )  # fmt: skip
                added += 1
            for org in new:
                if org["status"] != "active":
                    await store.execute(
                        """UPDATE organization SET status = $2, status_changed_on = $3,
                               successor_id = $4 WHERE code = $1""",
                        org["code"], org["status"], org["status_changed_on"],
                        ids.get(org["successor_code"]) if org["successor_code"] else None,
                    )  # fmt: skip
            await store.executemany(
                """INSERT INTO staffing_quota (organization_id, year, civil_servants,
                       public_employees, contract_staff) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT DO NOTHING""",
                [(ids[q["code"]], q["year"], *list(q.values())[2:]) for q in quotas],
            )
    finally:
        await store.close()
    return added


async def disconnect_one_agency(sandbox: SandboxAgencies) -> str:
    """The connector's agency with the last code answers 503 to everything from now on; its
    code. A standing fault of the sandbox (sandbox/services/faults.py), not a missing source:
    the agency is registered, MOHA calls it, and it has never answered."""
    code = max(c for c, kind in sandbox.kinds.items() if kind is AgencyKind.EXCHANGE)
    connector = sandbox.services["connector"]
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.post(
            f"{connector.url}{ADMIN_PATH}",
            json={"failure_rate": 1.0, "path_prefix": f"/agencies/{code}"},
        )
        answer.raise_for_status()
    log.info("agency %s does not answer (the demo's never-connected agency)", code)
    return code


async def fill_store_from_sandbox(
    store_url: str,
    server_url: str,
    workdir: str | Path,
    *,
    people: int = 20_000,
    seed: int = 2026,
    truth_name: str = TRUTH_DATABASE,
    progress: Progress | None = None,
    unconnected: bool = False,
    **agency_options: Any,
) -> tuple[SandboxAgencies, list[RunResult]]:
    """Seeds the truth (if needed), starts the sandbox agencies from it, syncs them into the
    migrated store at `store_url`. The caller closes the sandbox (`await sandbox.aclose()`).
    `unconnected`: one connector agency refuses every call (the demo's never-connected agency
    on the scorecard; its people are then missing from the store, as they would be)."""
    truth_url = await prepare_truth(server_url, truth_name, people, seed)
    sandbox = await start_agencies(truth_url, server_url, workdir, seed=seed, **agency_options)
    try:
        if unconnected:
            await disconnect_one_agency(sandbox)
        registry = SourceRegistry.from_yaml(sandbox.sources_config_path)
        try:
            results = await sync_store(store_url, registry, truth_url, progress=progress)
        finally:
            await registry.aclose()
    except BaseException:
        await sandbox.aclose()
        raise
    return sandbox, results


async def sync_store(
    store_url: str,
    sources: Mapping[str, Source],
    truth_url: str | None = None,
    *,
    progress: Progress | None = None,
) -> list[RunResult]:
    """Trees, then the register for what no tree named, then every change feed; then the
    day's scorecard snapshot."""
    dsn = sync_free_dsn(store_url)
    await sync_organizations(dsn, sources)
    if truth_url is not None:
        added = await copy_organization_register(sync_free_dsn(truth_url), dsn)
        log.info("%d organisations taken from the register (no source publishes them)", added)
    results = await sync_all(dsn, sources, progress=progress, organizations=False)
    engine = create_engine(store_url, pool_size=1)
    try:
        await take_snapshot(engine, datetime.now(VIETNAM).date())
    finally:
        await engine.dispose()
    return results


def fill_store_from_sandbox_blocking(
    store_url: str, server_url: str, workdir: str | Path, **options: Any
) -> tuple[SandboxAgencies, list[RunResult]]:
    """fill_store_from_sandbox for `cbccvc demo` (synchronous): the sandbox's servers run in
    threads of their own and keep serving after this returns; close with
    sandbox.agencies.close_blocking."""
    import asyncio

    return asyncio.run(fill_store_from_sandbox(store_url, server_url, workdir, **options))
