"""The sync: each source's change feed into the Ministry store, batch by batch, resumable.

    result = await sync_source(dsn, source)          # from the stored bookmark
    results = await sync_all(dsn, registry)           # every source with a change feed

One batch is one transaction: the page's records (inserted, updated, rejected, conflicts,
history) and the bookmark that follows them commit together, so a crash at any point loses at
most the batch in flight, which the next run reads again from the bookmark. Memory holds one
page at a time, whatever the size of the source.

Per record (the personal ID is the natural key):
- a record that fails normalisation or validation goes to sync_reject, one row per broken rule;
  its open rejects are resolved when a later version passes (or the source withdraws it);
- unchanged content (by hash) is skipped; changed content replaces the row, the old version
  going to person_history;
- a person the store holds as active at another source is a conflict (sync_conflict, with the
  record kept as `pending`), unless a concurrent appointment is recorded; when the owner lets
  the person go, the pending record moves ownership (a transfer, history kept);
- an active record for a person the owner no longer holds as active is a transfer;
- a deletion at the source becomes status `transferred` with history kept, never a delete.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from adapters.base import Source
from exchange.approval import record_digest
from store.person_row import CONTENT_COLUMNS, PERSON_COLUMNS, content_hash
from sync.normalise import (
    DATE_FIELDS,
    Failure,
    Standard,
    normalise,
    row_tuple,
)
from sync.validate import validate
from telemetry.metrics import SYNC_RUNS, record_sync, record_sync_reject
from vocabulary.declarations import NATIONAL, SourceDeclarations
from vocabulary.problems import Problem
from vocabulary.sources import Capability, ChangePage, SourceRecord

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
DEPARTED_STATUS = "transferred"
OUTCOMES = ("inserted", "updated", "unchanged", "rejected", "deleted", "conflicts")
_SEP = "\x1f"

Progress = Callable[[str, int], None]
"""Called with (source id, records processed) after each batch."""


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    conflicts: int = 0

    @property
    def total(self) -> int:
        return sum(asdict(self).values())

    def add(self, other: Counts) -> None:
        for name in OUTCOMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RunResult:
    source_id: str
    run_id: int | None
    counts: Counts = field(default_factory=Counts)
    status: str = "ok"
    error: str | None = None
    seconds: float = 0.0


# --- reading the store --------------------------------------------------------------------------


async def load_standard(conn: Any) -> Standard:
    rows = await conn.fetch("SELECT code, id FROM organization")
    return Standard({row["code"]: row["id"] for row in rows})


_EXISTING = (
    "SELECT p.id, p.synced_at, o.code AS organization_code, "
    + ", ".join(f"p.{c}" for c in PERSON_COLUMNS)
    + " FROM person p JOIN organization o ON o.id = p.organization_id"
)


@dataclass
class _Row:
    """A person as the batch sees it: from the store, or staged by this batch."""

    id: int | None
    values: dict[str, Any]
    organization_code: str
    source_id: str
    source_record_id: str
    source_version: str
    hash: str
    staged: bool = False

    @property
    def status(self) -> str:
        return str(self.values["status"])

    def record(self) -> tuple[Any, ...]:
        return (
            self.id,
            *row_tuple(self.values),
            self.source_id,
            self.source_record_id,
            self.source_version,
            self.hash,
        )


def _from_store(row: Mapping[str, Any]) -> _Row:
    return _Row(
        row["id"],
        {c: row[c] for c in CONTENT_COLUMNS},
        row["organization_code"],
        row["source_id"],
        row["source_record_id"],
        row["source_version"],
        row["content_hash"],
    )


def _pending_json(row: _Row) -> str:
    values = {
        k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v)
        for k, v in row.values.items()
    }
    return json.dumps(
        {
            "values": values,
            "organization_code": row.organization_code,
            "source_id": row.source_id,
            "source_record_id": row.source_record_id,
            "source_version": row.source_version,
            "hash": row.hash,
        },
        ensure_ascii=False,
    )


def _from_pending(text: str | Mapping[str, Any], standard: Standard) -> _Row | None:
    data = json.loads(text) if isinstance(text, str) else dict(text)
    values = dict(data["values"])
    for name in DATE_FIELDS:
        if values.get(name) is not None:
            values[name] = date.fromisoformat(values[name])
    if values.get("salary_coefficient") is not None:
        values["salary_coefficient"] = Decimal(values["salary_coefficient"])
    org_id = standard.organizations.get(data["organization_code"])
    if org_id is None:
        return None
    values["organization_id"] = org_id
    return _Row(
        None,
        values,
        data["organization_code"],
        data["source_id"],
        data["source_record_id"],
        data["source_version"],
        data["hash"],
    )


# --- one batch ----------------------------------------------------------------------------------


def _problems(record: SourceRecord) -> list[Problem]:
    """The adapter's own problems, every one of them: what it could not read is never guessed
    again here (a problem about the whole record is filed under the field "record")."""
    return [p if p.field is not None else replace(p, field="record") for p in record.problems]


@dataclass
class _Batch:
    """What one page does to the store, gathered before any of it is written."""

    source_id: str
    standard: Standard
    today: date
    declarations: SourceDeclarations = NATIONAL
    counts: Counts = field(default_factory=Counts)
    people: dict[str, _Row] = field(default_factory=dict)
    history: list[tuple[int, str]] = field(default_factory=list)  # (person id, change)
    rejects: list[tuple[str, str, str | None, list[Failure]]] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)  # record id -> "<file>#<row>"
    corrections: list[tuple[str, str, Problem]] = field(default_factory=list)
    """(source record id, version, correction) of every record stored with a repair."""
    resolved_records: list[str] = field(default_factory=list)
    digests: list[tuple[str, str, str]] = field(default_factory=list)
    """(source record id, version, record digest) of every record that passed."""
    conflicts: list[tuple[str, str, str, str]] = field(default_factory=list)
    resolved_conflicts: list[tuple[str, str]] = field(default_factory=list)
    pending: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    concurrent: set[str] = field(default_factory=set)
    reject_rules: list[str] = field(default_factory=list)
    by_record: dict[str, str] = field(default_factory=dict)  # tombstone record id -> personal id

    def stage(self, row: _Row, change: str | None) -> None:
        """Replace the batch's view of the person; `change` names the history entry."""
        old = self.people.get(row.values["personal_id"])
        if old is not None and old.id is not None:
            row.id = old.id
            if change is not None and not old.staged:
                self.history.append((old.id, change))
        row.staged = True
        self.people[row.values["personal_id"]] = row

    def handle(self, record: SourceRecord) -> None:
        if record.deleted:
            self._deleted(record)
            return
        norm = normalise(record.fields, self.standard, self.declarations)
        failures = _merge(
            _problems(record),
            norm.failures,
            validate(norm.values, self.today, norm.organization_code),
        )
        if failures:
            self.rejects.append(
                (record.source_record_id, record.version, norm.values.get("personal_id"), failures)
            )
            if record.location is not None:
                self.locations[record.source_record_id] = record.location
            self.counts.rejected += 1
            self.reject_rules += [f.rule for f in failures]
            return
        self.resolved_records.append(record.source_record_id)
        self.corrections += [(record.source_record_id, record.version, c) for c in norm.corrections]
        # what an agency's monthly approval manifest lists (exchange/approval.py)
        self.digests.append(
            (
                record.source_record_id,
                record.version,
                record_digest(
                    self.source_id, record.source_record_id, record.version, record.fields
                ),
            )
        )
        assert norm.organization_code is not None
        row_hash = content_hash(row_tuple(norm.values), norm.organization_code)
        row = _Row(
            None,
            norm.values,
            norm.organization_code,
            self.source_id,
            record.source_record_id,
            record.version,
            row_hash,
        )
        pid = norm.values["personal_id"]
        existing = self.people.get(pid)
        if existing is None:
            self.stage(row, None)
            self.counts.inserted += 1
        elif existing.source_id == self.source_id:
            if existing.hash == row_hash and existing.source_record_id == row.source_record_id:
                self.counts.unchanged += 1
                return
            self.stage(row, "update")
            self.counts.updated += 1
            if row.status != "active":
                self._hand_over(pid)
        elif pid in self.concurrent:
            self.counts.unchanged += 1
        elif row.status != "active":
            self.counts.unchanged += 1  # a past employment here; the owner keeps the record
        elif existing.status != "active":
            self.stage(row, "transfer")
            self.counts.updated += 1
            self.resolved_conflicts.append((pid, self.source_id))
        else:
            self.conflicts.append(
                (pid, existing.source_id, record.source_record_id, _pending_json(row))
            )
            self.counts.conflicts += 1

    def _deleted(self, record: SourceRecord) -> None:
        self.resolved_records.append(record.source_record_id)
        pid = record.fields.get("personal_id") or self.by_record.get(record.source_record_id)
        existing = self.people.get(str(pid)) if pid else None
        if existing is None or existing.source_id != self.source_id:
            if pid:
                self.resolved_conflicts.append((str(pid), self.source_id))
            self.counts.unchanged += 1
            return
        if existing.source_record_id != record.source_record_id or existing.status != "active":
            self.counts.unchanged += 1
            return
        if self._hand_over(str(pid)):
            self.counts.deleted += 1
            return
        values = dict(existing.values)
        values["status"] = DEPARTED_STATUS
        values["status_since"] = self.today
        row = _Row(
            existing.id,
            values,
            existing.organization_code,
            self.source_id,
            record.source_record_id,
            record.version,
            content_hash(row_tuple(values), existing.organization_code),
        )
        self.stage(row, "deleted")
        self.counts.deleted += 1

    def _hand_over(self, pid: str) -> bool:
        """The owner let the person go: a pending record of another source takes over."""
        for other_source, pending in self.pending.get(pid, []):
            row = _from_pending(pending, self.standard)
            if row is not None and row.status == "active":
                self.stage(row, "transfer")
                self.resolved_conflicts.append((pid, other_source))
                self.pending[pid] = []
                return True
        return False


def _merge(*groups: Iterable[Failure]) -> list[Failure]:
    """One failure per field: the first found (a value normalise could not read is not also
    reported missing by validate)."""
    out: dict[str | None, Failure] = {}
    for group in groups:
        for failure in group:
            out.setdefault(failure.field, failure)
    return list(out.values())


_STAGE = "sync_stage"
_STAGE_COLUMNS = ("id", *PERSON_COLUMNS)
_SET = ", ".join(f"{c} = s.{c}" for c in PERSON_COLUMNS)


async def _prepare(conn: Any) -> None:
    columns = ", ".join(_STAGE_COLUMNS)
    await conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS"
        f" AS SELECT {columns} FROM person WITH NO DATA"
    )


async def _apply_batch(conn: Any, records: Sequence[SourceRecord], batch: _Batch) -> None:
    """Reads what the page touches, decides, writes; inside the caller's transaction."""
    source_id = batch.source_id
    tombstones = [
        r.source_record_id for r in records if r.deleted and not r.fields.get("personal_id")
    ]
    if tombstones:
        # a tombstone may carry no fields: find its person by the source's record id
        # (a scan of the source's rows; an index on person (source_id, source_record_id) helps)
        for row in await conn.fetch(
            "SELECT personal_id, source_record_id FROM person"
            " WHERE source_id = $1 AND source_record_id = ANY($2::text[])",
            source_id,
            tombstones,
        ):
            batch.by_record[row["source_record_id"]] = row["personal_id"]
    pids = sorted(
        ({str(r.fields.get("personal_id") or "").strip() for r in records} - {""})
        | set(batch.by_record.values())
    )
    rows = await conn.fetch(
        f"{_EXISTING} WHERE p.personal_id = ANY($1::text[]) ORDER BY p.id FOR UPDATE OF p", pids
    )
    for row in rows:
        batch.people[row["personal_id"]] = _from_store(row)
    for row in await conn.fetch(
        "SELECT personal_id, other_source_id, pending FROM sync_conflict"
        " WHERE personal_id = ANY($1::text[]) AND resolved_at IS NULL ORDER BY id",
        pids,
    ):
        batch.pending.setdefault(row["personal_id"], []).append(
            (row["other_source_id"], row["pending"])
        )
    batch.concurrent = {
        row["personal_id"]
        for row in await conn.fetch(
            "SELECT personal_id FROM concurrent_appointment"
            " WHERE source_id = $1 AND personal_id = ANY($2::text[])",
            source_id,
            pids,
        )
    }

    for record in records:
        batch.handle(record)

    if batch.history:
        await conn.execute(
            """INSERT INTO person_history (person_id, valid_from, source_id, change, content)
               SELECT p.id, p.synced_at, p.source_id, h.change, to_jsonb(p) - 'id'
                 FROM unnest($1::bigint[], $2::text[]) AS h(id, change)
                 JOIN person p ON p.id = h.id""",
            [h[0] for h in batch.history],
            [h[1] for h in batch.history],
        )
    staged = [row.record() for row in batch.people.values() if row.staged]
    if staged:
        await conn.copy_records_to_table(_STAGE, records=staged, columns=_STAGE_COLUMNS)
        columns = ", ".join(PERSON_COLUMNS)
        await conn.execute(
            f"INSERT INTO person ({columns}) SELECT {columns} FROM {_STAGE} WHERE id IS NULL"
            " ORDER BY personal_id"
        )
        await conn.execute(
            f"UPDATE person p SET {_SET}, synced_at = now() FROM {_STAGE} s WHERE s.id = p.id"
        )
        await conn.execute(f"TRUNCATE {_STAGE}")
    if batch.digests:
        await conn.executemany(
            """INSERT INTO record_digest (source_id, source_record_id, version, digest)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (source_id, source_record_id)
               DO UPDATE SET version = EXCLUDED.version, digest = EXCLUDED.digest,
                             recorded_at = now()""",
            [(source_id, rid, version, digest) for rid, version, digest in batch.digests],
        )
    if batch.resolved_records:
        await conn.execute(
            "UPDATE sync_reject SET resolved_at = now() WHERE source_id = $1"
            " AND source_record_id = ANY($2::text[]) AND resolved_at IS NULL",
            source_id,
            batch.resolved_records,
        )
    if batch.rejects:
        await conn.executemany(
            "UPDATE sync_reject SET resolved_at = now() WHERE source_id = $1"
            " AND source_record_id = $2 AND resolved_at IS NULL"
            " AND NOT (field || chr(31) || rule = ANY($3::text[]))",
            [
                (source_id, rid, [f"{f.field}{_SEP}{f.rule}" for f in failures])
                for rid, _version, _pid, failures in batch.rejects
            ],
        )
        await conn.executemany(
            """INSERT INTO sync_reject
                   (source_id, source_record_id, source_version, personal_id, field, rule, value,
                    expected, location)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (source_id, source_record_id, field, rule)
                   WHERE resolved_at IS NULL
               DO UPDATE SET last_seen = now(), source_version = EXCLUDED.source_version,
                             value = EXCLUDED.value, personal_id = EXCLUDED.personal_id,
                             expected = EXCLUDED.expected, location = EXCLUDED.location""",
            [
                (
                    source_id,
                    rid,
                    version,
                    pid,
                    f.field,
                    f.rule,
                    f.value,
                    f.expected,
                    batch.locations.get(rid),
                )
                for rid, version, pid, failures in batch.rejects
                for f in failures
            ],
        )
    if batch.corrections:
        await conn.executemany(
            """INSERT INTO sync_correction (source_id, source_record_id, field, rule,
                                            source_version)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (source_id, source_record_id, field, rule)
               DO UPDATE SET source_version = EXCLUDED.source_version, last_seen = now()""",
            [(source_id, rid, version, c.field, c.rule) for rid, version, c in batch.corrections],
        )
    if batch.resolved_conflicts:
        await conn.executemany(
            "UPDATE sync_conflict SET resolved_at = now()"
            " WHERE personal_id = $1 AND other_source_id = $2 AND resolved_at IS NULL",
            batch.resolved_conflicts,
        )
    if batch.conflicts:
        await conn.executemany(
            """INSERT INTO sync_conflict
                   (personal_id, owner_source_id, other_source_id, other_record_id, pending)
               VALUES ($1, $2, $3, $4, $5::jsonb)
               ON CONFLICT (personal_id, other_source_id) WHERE resolved_at IS NULL
               DO UPDATE SET pending = EXCLUDED.pending,
                             other_record_id = EXCLUDED.other_record_id,
                             owner_source_id = EXCLUDED.owner_source_id""",
            [(pid, owner, source_id, rid, pending) for pid, owner, rid, pending in batch.conflicts],
        )


RETRIED = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)
ATTEMPTS = 3


async def _commit_batch(
    conn: Any,
    records: Sequence[SourceRecord],
    source_id: str,
    standard: Standard,
    today: date,
    next_cursor: str | None,
    run_id: int | None,
    declarations: SourceDeclarations = NATIONAL,
) -> _Batch:
    """One page and the bookmark after it, in one transaction. Retried when another source's
    sync inserted the same person meanwhile (the retry reads it and decides again)."""
    for attempt in range(ATTEMPTS):
        batch = _Batch(source_id, standard, today, declarations)
        try:
            async with conn.transaction():
                await _apply_batch(conn, records, batch)
                await conn.execute(
                    """INSERT INTO sync_bookmark (source_id, cursor, updated_at)
                       VALUES ($1, $2, now())
                       ON CONFLICT (source_id) DO UPDATE SET cursor = EXCLUDED.cursor,
                                                             updated_at = now()""",
                    source_id,
                    next_cursor,
                )
                c = batch.counts
                await conn.execute(
                    """UPDATE sync_run SET inserted = inserted + $2, updated = updated + $3,
                           unchanged = unchanged + $4, rejected = rejected + $5,
                           deleted = deleted + $6, conflicts = conflicts + $7
                        WHERE id = $1""",
                    run_id,
                    c.inserted,
                    c.updated,
                    c.unchanged,
                    c.rejected,
                    c.deleted,
                    c.conflicts,
                )
            return batch
        except RETRIED:
            if attempt == ATTEMPTS - 1:
                raise
            log.info("sync of %s: batch raced another source, retrying", source_id)
    raise AssertionError("unreachable")


# --- one source ---------------------------------------------------------------------------------


def _lock_key(source_id: str) -> str:
    return f"cbccvc-sync:{source_id}"


async def sync_source(
    dsn: str,
    source: Source,
    *,
    full: bool = False,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    progress: Progress | None = None,
    conn: Any = None,
) -> RunResult:
    """Syncs one source from its bookmark (from the beginning with `full`).

    A second sync of the same source while one runs is refused (status "busy"), by an advisory
    lock held for the run's connection: a crashed run's lock goes with its connection.
    """
    started = time.perf_counter()
    own = conn is None
    if own:
        conn = await asyncpg.connect(dsn)
    result = RunResult(source.id, None)
    try:
        if not await conn.fetchval(
            "SELECT pg_try_advisory_lock(hashtext($1))", _lock_key(source.id)
        ):
            result.status = "busy"
            return result
        try:
            await _run(conn, source, result, full, batch_size, today or date.today(), progress)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", _lock_key(source.id))
    finally:
        if own:
            await conn.close()
        result.seconds = time.perf_counter() - started
    return result


async def _run(
    conn: Any,
    source: Source,
    result: RunResult,
    full: bool,
    batch_size: int,
    today: date,
    progress: Progress | None,
) -> None:
    source_id = source.id
    # a run left "running" by a process that died: its lock is gone, so it is not running
    await conn.execute(
        "UPDATE sync_run SET status = 'interrupted', finished_at = now()"
        " WHERE source_id = $1 AND status = 'running'",
        source_id,
    )
    result.run_id = await conn.fetchval(
        "INSERT INTO sync_run (source_id, full_resync) VALUES ($1, $2) RETURNING id",
        source_id,
        full,
    )
    await _prepare(conn)
    standard = await load_standard(conn)
    cursor = (
        None
        if full
        else await conn.fetchval("SELECT cursor FROM sync_bookmark WHERE source_id = $1", source_id)
    )
    processed = 0
    following: asyncio.Future[ChangePage] | None = None
    try:
        page = await source.changes(cursor, batch_size)
        while True:
            next_cursor = page.next_cursor if page.next_cursor is not None else cursor
            # the next page is read from the source while this one is written to the store
            more = page.has_more and bool(page.records)
            following = (
                asyncio.ensure_future(source.changes(next_cursor, batch_size)) if more else None
            )
            batch = await _commit_batch(
                conn,
                page.records,
                source_id,
                standard,
                today,
                next_cursor,
                result.run_id,
                source.declarations,
            )
            result.counts.add(batch.counts)
            for name in OUTCOMES:
                if getattr(batch.counts, name):
                    record_sync(source_id, name, getattr(batch.counts, name))
            for rule in batch.reject_rules:
                record_sync_reject(source_id, rule)
            processed += len(page.records)
            if progress is not None:
                progress(source_id, len(page.records))
            cursor = next_cursor
            if following is None:
                break
            page = await following
            following = None
    except Exception as exc:
        if following is not None:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
        result.status = "failed"
        result.error = f"{type(exc).__name__}: {exc}"
        log.warning("sync of %s failed after %d records: %s", source_id, processed, result.error)
        await conn.execute(
            "UPDATE sync_run SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1",
            result.run_id,
            result.error[:2000],
        )
        SYNC_RUNS.labels(source_id, "failed").inc()
        return
    await conn.execute(
        "UPDATE sync_run SET status = 'ok', finished_at = now() WHERE id = $1", result.run_id
    )
    SYNC_RUNS.labels(source_id, "ok").inc()


def change_feed_sources(sources: Mapping[str, Source], only: str | None = None) -> list[Source]:
    chosen = [s for s in sources.values() if Capability.CHANGE_FEED in s.capabilities]
    if only is not None:
        chosen = [s for s in chosen if s.id == only]
    return sorted(chosen, key=lambda s: s.id)


async def sync_all(
    dsn: str,
    sources: Mapping[str, Source],
    *,
    only: str | None = None,
    full: bool = False,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
    progress: Progress | None = None,
    organizations: bool = True,
    concurrency: int = 1,
) -> list[RunResult]:
    """Organisations first (so that people's references resolve), then every change feed in
    source id order, `concurrency` sources at a time (1: one after another, so that which
    source first claims a person shared by two is repeatable)."""
    from sync.organizations import sync_organizations

    if organizations:
        await sync_organizations(dsn, sources)
    chosen = change_feed_sources(sources, only)
    slots = asyncio.Semaphore(max(1, concurrency))

    async def one(source: Source) -> RunResult:
        async with slots:
            return await sync_source(
                dsn, source, full=full, batch_size=batch_size, today=today, progress=progress
            )

    return list(await asyncio.gather(*(one(source) for source in chosen)))
