"""`cbccvc seed`: fill a migrated Ministry store with synthetic national data.

Organisations go in first, parents before children, with ids reserved from the table's own
identity sequence so that parents, successors and people can refer to them within one COPY each.
People are streamed from the generator in batches with COPY, so memory stays flat whatever the
count. Organisations, people and quotas go in one transaction (after the code lists, an
idempotent upsert): a failed seed never leaves a half-seeded store.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import asyncpg
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sandbox.dossier import seed_dossier
from sandbox.synthetic import PERSON_COLUMNS, OrgSpec, build_organizations, iter_people, quota_for
from store.database import create_engine, sync_free_dsn
from store.reference_data import load_code_lists

BATCH_SIZE = 10_000
QUOTA_YEARS = (2025, 2026)
ORGANIZATION_COLUMNS = (
    "id", "code", "name", "short_name", "level", "parent_id", "administrative_unit_code",
    "status", "established_on", "status_changed_on", "successor_id",
)  # fmt: skip
QUOTA_COLUMNS = ("organization_id", "year", "civil_servants", "public_employees", "contract_staff")
# what --replace empties; CASCADE also empties whatever refers to these (sync state, rejects...)
SEEDED_TABLES = ("person", "staffing_quota", "organization")


class SeedError(Exception):
    """The store cannot be seeded as asked; the message says why and what to do."""


@dataclass(frozen=True)
class SeedReport:
    organizations: int
    people: int
    quotas: int
    seconds: float

    @property
    def people_per_second(self) -> float:
        return self.people / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"seeded {self.people:,} people in {self.organizations:,} organisations"
            f" ({self.quotas:,} staffing quotas) in {self.seconds:.1f} s"
            f" ({self.people_per_second:,.0f} people/s)"
        )


async def seed_store(
    url: str, people: int, seed: int, *, progress: bool = True, replace: bool = False
) -> SeedReport:
    """Seed the store at `url` with `people` people and the national organisation tree.

    Refuses (SeedError) when the store already holds organisations or people, unless `replace`,
    which empties them first. The same seed always gives the same content.
    """
    if people < 0:
        raise SeedError(f"the number of people must not be negative, got {people}")
    started = time.perf_counter()
    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        await _check_empty(conn, replace=replace)
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.begin() as sa_conn:
                await load_code_lists(sa_conn)
        finally:
            await engine.dispose()

        orgs = build_organizations(random.Random(f"organizations:{seed}"))  # noqa: S311
        async with conn.transaction():
            await conn.execute(f"LOCK TABLE {', '.join(SEEDED_TABLES)} IN EXCLUSIVE MODE")
            await _check_empty(conn, replace=replace)
            if replace:
                await conn.execute(f"TRUNCATE {', '.join(SEEDED_TABLES)} RESTART IDENTITY CASCADE")
            ids = await _insert_organizations(conn, orgs)
            rows = iter_people(seed, people, orgs, ids)
            with _Bar(people, enabled=progress) as bar:
                inserted = await _copy_people(conn, rows, bar)
            quotas = await _insert_quotas(conn, random.Random(f"quotas:{seed}"))  # noqa: S311
            await seed_dossier(conn, seed)
        await conn.execute(f"ANALYZE {', '.join(SEEDED_TABLES)}")
    finally:
        await conn.close()
    return SeedReport(len(orgs), inserted, quotas, time.perf_counter() - started)


async def _check_empty(conn: Any, *, replace: bool) -> None:
    try:
        found = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM person) AS people,"
            " (SELECT count(*) FROM organization) AS organizations"
        )
    except asyncpg.UndefinedTableError as exc:
        raise SeedError("the store has no schema yet: migrate it first (cbccvc migrate)") from exc
    if (found["people"] or found["organizations"]) and not replace:
        raise SeedError(
            f"the store already holds {found['people']} people and {found['organizations']}"
            " organisations; seed an empty store, or pass replace=True (--replace) to delete"
            " them and seed again"
        )


async def _insert_organizations(conn: Any, orgs: Sequence[OrgSpec]) -> dict[str, int]:
    """Inserts the tree with ids taken from the identity sequence; returns code -> id."""
    reserved = await conn.fetch(
        "SELECT nextval(pg_get_serial_sequence('organization', 'id')) AS id"
        " FROM generate_series(1, $1)",
        len(orgs),
    )
    ids = dict(zip((org.code for org in orgs), sorted(r["id"] for r in reserved), strict=True))
    records = []
    for org in orgs:
        # the path trigger looks the parent up row by row, so parents must already be in
        if org.parent_code is not None and ids[org.parent_code] > ids[org.code]:
            raise SeedError(f"organisation {org.code} comes before its parent {org.parent_code}")
        records.append(
            (
                ids[org.code],
                org.code,
                org.name,
                org.short_name,
                org.level,
                ids[org.parent_code] if org.parent_code else None,
                org.administrative_unit_code,
                org.status,
                org.established_on,
                org.status_changed_on,
                ids[org.successor_code] if org.successor_code else None,
            )
        )
    await conn.copy_records_to_table("organization", records=records, columns=ORGANIZATION_COLUMNS)
    return ids


async def _copy_people(conn: Any, rows: Iterator[tuple[object, ...]], bar: _Bar) -> int:
    """COPYs batch after batch; the next batch is generated in a thread meanwhile, so that the
    generator (Python) and the server (index upkeep) work at the same time."""

    def take() -> list[tuple[object, ...]]:
        return list(itertools.islice(rows, BATCH_SIZE))

    inserted = 0
    batch = take()
    while batch:
        # one batch at a time is drawn from the generator, so the rows stay in seed order
        following = asyncio.ensure_future(asyncio.to_thread(take))
        try:
            await conn.copy_records_to_table("person", records=batch, columns=PERSON_COLUMNS)
        except BaseException:
            await asyncio.gather(following, return_exceptions=True)
            raise
        inserted += len(batch)
        bar.advance(len(batch))
        batch = await following
    return inserted


async def _insert_quotas(conn: Any, rng: random.Random) -> int:
    """Quotas for every organisation with people, near its active headcount (see quota_for)."""
    headcounts = await conn.fetch(
        """
        SELECT organization_id,
               count(*) FILTER (WHERE category IN ('cadre', 'civil_servant')) AS civil,
               count(*) FILTER (WHERE category = 'public_employee') AS public,
               count(*) FILTER (WHERE category = 'contract_worker') AS contract
          FROM person
         WHERE status = 'active'
         GROUP BY organization_id
         ORDER BY organization_id
        """
    )
    records: list[tuple[int, int, int, int, int]] = []
    for row in headcounts:
        headcount = (row["civil"], row["public"], row["contract"])
        for year in QUOTA_YEARS:
            records.append((row["organization_id"], year, *quota_for(rng, headcount)))
    await conn.copy_records_to_table("staffing_quota", records=records, columns=QUOTA_COLUMNS)
    return len(records)


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} people/s" if speed else "", style="progress.data.speed")


class _Bar:
    """A rich progress bar with rate and ETA, or nothing at all (tests, pipes)."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("seeding people"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
            )
            self._task = self._progress.add_task("people", total=total)

    def __enter__(self) -> _Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, count: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, count)
