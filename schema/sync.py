"""GraphQL types of the sync's state, and the root fields' functions (the Query root calls them).

    syncRuns(source, first, after)           runs, newest first, counts by outcome
    rejects(source, rule, first, after)      open rejects: source record, field, rule (the value
                                             only when it is not personal data)
    conflicts(source, first, after)          open conflicts: both sources, since when
    syncSources                              per source: last run, open rejects and conflicts,
                                             identity mismatches against the population database

Central callers see every source; ministry and province callers their own agency's sources
(resolvers/sync.py). These types never carry a personal ID or a person's data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from resolvers import sync as sync_resolvers
from resolvers.context import Context
from schema.connection import Connection, connection_of

Info = strawberry.Info[Context, None]


@strawberry.type(description="One sync of one source, with counts by outcome.")
class SyncRun:
    source_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    full_resync: bool
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    deleted: int
    conflicts: int
    error: str | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> SyncRun:
        return cls(
            source_id=row.source_id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            status=row.status,
            full_resync=row.full_resync,
            inserted=row.inserted,
            updated=row.updated,
            unchanged=row.unchanged,
            rejected=row.rejected,
            deleted=row.deleted,
            conflicts=row.conflicts,
            error=row.error,
        )


@strawberry.type(description="A rule a source record breaks; open until a new version passes.")
class SyncReject:
    source_id: str
    source_record_id: str
    source_version: str
    field: str
    rule: str
    value: str | None = strawberry.field(
        description="The value as the source wrote it; null for personal fields."
    )
    first_seen: datetime
    last_seen: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> SyncReject:
        return cls(
            source_id=row.source_id,
            source_record_id=row.source_record_id,
            source_version=row.source_version,
            field=row.field,
            rule=row.rule,
            value=sync_resolvers.shown_value(row.field, row.value),
            first_seen=row.first_seen,
            last_seen=row.last_seen,
        )


@strawberry.type(description="A person active at two sources (no concurrent appointment).")
class SyncConflict:
    owner_source_id: str
    other_source_id: str
    other_record_id: str
    since: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> SyncConflict:
        return cls(
            owner_source_id=row.owner_source_id,
            other_source_id=row.other_source_id,
            other_record_id=row.other_record_id,
            since=row.since,
        )


@strawberry.type(description="Where one source stands.")
class SyncSource:
    source_id: str
    last_run: SyncRun | None
    open_rejects: int
    open_conflicts: int
    identity_mismatches: int = strawberry.field(
        description="People of this source whose name, birth date or gender differ from the "
        "population database (flagged, never overwritten)."
    )


# --- the root fields' functions ------------------------------------------------------------


async def sync_runs(
    info: Info, source: str | None = None, first: int | None = None, after: str | None = None
) -> Connection[SyncRun]:
    caller = info.context.access.caller
    page = await sync_resolvers.runs_page(info.context, caller, source, first, after)
    return connection_of(page, SyncRun.from_row)


async def rejects(
    info: Info,
    source: str | None = None,
    rule: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[SyncReject]:
    caller = info.context.access.caller
    page = await sync_resolvers.rejects_page(info.context, caller, source, rule, first, after)
    return connection_of(page, SyncReject.from_row)


async def conflicts(
    info: Info, source: str | None = None, first: int | None = None, after: str | None = None
) -> Connection[SyncConflict]:
    caller = info.context.access.caller
    page = await sync_resolvers.conflicts_page(info.context, caller, source, first, after)
    return connection_of(page, SyncConflict.from_row)


async def sync_sources(info: Info) -> list[SyncSource]:
    found = await sync_resolvers.counts_per_source(info.context, info.context.access.caller)
    return [
        SyncSource(
            source_id=item["source_id"],
            last_run=None if item["last_run"] is None else SyncRun.from_row(item["last_run"]),
            open_rejects=item["open_rejects"],
            open_conflicts=item["open_conflicts"],
            identity_mismatches=item["identity_mismatches"],
        )
        for item in found
    ]
