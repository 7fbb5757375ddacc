"""GraphQL types of the sync's state, and the root fields' functions (the Query root calls them).

    syncRuns(source, first, after)           runs, newest first, counts by outcome
    rejects(source, rule, first, after, lang) open rejects: source record and where to find it,
                                             field, rule and its title; the value and the form
                                             expected for callers who may see that field
    rejectRules(lang)                        the reject catalogue, Vietnamese or English
    syncCorrections(source, rule, first, after, lang)  repairs made to stored records: where,
                                             field, rule and its title; the text as written
                                             for callers who may see that field
    conflicts(source, first, after)          open conflicts: both sources, since when
    syncSources                              per source: last run, open rejects and conflicts,
                                             identity mismatches against the population database

Central callers see every source; ministry and province callers their own agency's sources
(resolvers/sync.py). A reject's value and expected form, and a correction's value, are shown
through the policy engine, as that field of a person of the source's agency would be; nothing
else here is personal. A response carrying a reject's value or expected form unmasked, of a
personal or sensitive field, is audited as a Person's fields are (the people by store id,
`SyncReject.value` and the Person field).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Row

from policies.types import Relation
from resolvers import sync as sync_resolvers
from resolvers.context import Context
from schema.connection import Connection, connection_of
from vocabulary.reject_catalogue import reject_catalogue

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


@strawberry.enum(description="The language of a text a clerk reads (Vietnamese first).")
class Language(Enum):
    VI = "vi"
    EN = "en"


@strawberry.type(description="A rule a source record breaks; open until a new version passes.")
class SyncReject:
    source_id: str
    source_record_id: str = strawberry.field(
        description="The record's key at the source (SQL, connector; a drop's row key)."
    )
    source_version: str
    location: str | None = strawberry.field(
        description="Where the agency finds the record when its key does not say: a file "
        "drop's '<file name>#<row>' (row 1 under the headings)."
    )
    field: str
    rule: str
    title: str = strawberry.field(description="The rule's title in the language asked for.")
    value: str | None = strawberry.field(
        description="The value as the source wrote it, for callers who may see that field of "
        "that person (the owning agency's staff); null for everyone else."
    )
    expected: str | None = strawberry.field(
        description="The form the standard expects, shown to the same callers as the value."
    )
    first_seen: datetime
    last_seen: datetime


@strawberry.type(
    description="A repair the sync made with certainty to a record it stored (an invisible "
    "character removed, text decoded twice restored, a legacy encoding converted, a spelling "
    "variant read as its code-list entry): the record is in the store, the agency should fix "
    "its own copy."
)
class SyncCorrection:
    source_id: str
    source_record_id: str = strawberry.field(
        description="The record's key at the source (SQL, connector; a drop's record id)."
    )
    source_version: str
    location: str | None = strawberry.field(
        description="A file drop's '<file name>#<row>' (row 1 under the headings)."
    )
    field: str
    rule: str
    title: str = strawberry.field(description="The rule's title in the language asked for.")
    explanation: str = strawberry.field(description="What was repaired and what to do about it.")
    value: str | None = strawberry.field(
        description="The text as the source wrote it, before the repair, for callers who may "
        "see that field of that person (the owning agency's staff); null for everyone else."
    )
    last_seen: datetime


@strawberry.type(description="A rule of the reject catalogue (docs/rejects.md).")
class RejectRule:
    id: str
    kind: str = strawberry.field(description="reject (not stored) or correction (stored, repaired)")
    field: str = strawberry.field(description="The standard field, or * for any.")
    title: str
    explanation: str
    expected: str


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
    corrections: int = strawberry.field(
        description="Values the sync repaired in this source's stored records (syncCorrections)."
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
    lang: Language = Language.VI,
) -> Connection[SyncReject]:
    context = info.context
    page = await sync_resolvers.rejects_page(
        context, context.access.caller, source, rule, first, after
    )
    relations = await sync_resolvers.agency_relations(
        context, {row.source_id for row in page.items}
    )
    catalogue = reject_catalogue()
    # what the operation selects of a reject's personal texts: what the response carries
    selected = sorted({"value", "expected"} & context.access.requested.get("SyncReject", set()))
    carried: list[tuple[str | None, str]] = []

    def node(row: Row[Any]) -> SyncReject:
        relation = relations.get(row.source_id, Relation.OUTSIDE)
        found = SyncReject(
            source_id=row.source_id,
            source_record_id=row.source_record_id,
            source_version=row.source_version,
            location=row.location,
            field=row.field,
            rule=row.rule,
            title=catalogue.title(row.rule, lang.value),
            value=sync_resolvers.shown(context, relation, row.field, row.value),
            expected=sync_resolvers.shown(context, relation, row.field, row.expected),
            first_seen=row.first_seen,
            last_seen=row.last_seen,
        )
        if any(getattr(found, name) is not None for name in selected):
            carried.append((row.personal_id, row.field))
        return found

    connection = connection_of(page, node)
    # audited as a Person's fields are: the people whose values the response shows unmasked
    await sync_resolvers.note_shown(context, carried, [f"SyncReject.{name}" for name in selected])
    return connection


async def sync_corrections(
    info: Info,
    source: str | None = None,
    rule: str | None = None,
    first: int | None = None,
    after: str | None = None,
    lang: Language = Language.VI,
) -> Connection[SyncCorrection]:
    context = info.context
    page = await sync_resolvers.corrections_page(
        context, context.access.caller, source, rule, first, after
    )
    relations = await sync_resolvers.agency_relations(
        context, {row.source_id for row in page.items}
    )
    catalogue = reject_catalogue()
    shows_value = "value" in context.access.requested.get("SyncCorrection", set())
    carried: list[tuple[str, str, str]] = []

    def node(row: Row[Any]) -> SyncCorrection:
        relation = relations.get(row.source_id, Relation.OUTSIDE)
        found = catalogue.rule(row.rule)
        correction = SyncCorrection(
            source_id=row.source_id,
            source_record_id=row.source_record_id,
            source_version=row.source_version,
            location=row.location,
            field=row.field,
            rule=row.rule,
            title=catalogue.title(row.rule, lang.value),
            explanation=found.explanation(lang.value) if found else "",
            value=sync_resolvers.shown(context, relation, row.field, row.value),
            last_seen=row.last_seen,
        )
        if shows_value and correction.value is not None:
            carried.append((row.source_id, row.source_record_id, row.field))
        return correction

    connection = connection_of(page, node)
    # the text as the source wrote it is the person's own value: audited as a reject's is
    await sync_resolvers.note_corrections_shown(context, carried, ["SyncCorrection.value"])
    return connection


def reject_rules(lang: Language = Language.VI) -> list[RejectRule]:
    return [
        RejectRule(
            id=rule.id,
            kind=rule.kind.value,
            field=rule.field,
            title=rule.title(lang.value),
            explanation=rule.explanation(lang.value),
            expected=rule.expected(lang.value),
        )
        for rule in reject_catalogue().rules.values()
    ]


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
            corrections=item["corrections"],
        )
        for item in found
    ]
