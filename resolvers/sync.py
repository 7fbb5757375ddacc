"""The sync's state for GraphQL: runs, open rejects, corrections, open conflicts, counts per
source.

No GraphQL types here (schema/sync.py has them). Who sees what: the central level sees every
source; a ministry or province caller sees the sources of its own agency (a source id names its
agency: `VN:GOV:<agency code>:<subsystem>`); everyone else sees nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select, tuple_

from policies.types import Caller, FieldClass, Level, Relation
from resolvers.access import ForbiddenError
from resolvers.context import Context
from resolvers.loaders import fetch
from resolvers.newest_first import newest_first
from resolvers.pagination import Page
from store.models import Organization, Person, table_of
from store.models_sync import Reconciliation, SyncConflict, SyncCorrection, SyncReject, SyncRun
from vocabulary.dossier_catalogue import dossier_catalogue
from vocabulary.sources import parse_source_id

sync_run = table_of(SyncRun)
sync_reject = table_of(SyncReject)
sync_conflict = table_of(SyncConflict)
reconciliation = table_of(Reconciliation)
organization = table_of(Organization)
person = table_of(Person)
sync_correction = table_of(SyncCorrection)

# A rejected value is shown exactly when the caller may see that field of that person: the
# standard field's place in the schema, asked of the same policy engine as a Person query.
# Fields not listed are camelCase on Person; a field the policy does not class stays hidden.
_SCHEMA_FIELD: dict[str, tuple[str, str]] = {
    "ethnicity_code": ("Person", "ethnicity"),
    "religion_code": ("Person", "religion"),
    "grade_code": ("Person", "grade"),
    "position_code": ("Person", "position"),
    "organization_code": ("Person", "organization"),
    "salary_scale_code": ("Salary", "scale"),
    "salary_step": ("Salary", "step"),
    "salary_coefficient": ("Salary", "coefficient"),
    "salary_since": ("Person", "salary"),
    "performance_rating": ("Performance", "rating"),
    "performance_year": ("Performance", "year"),
    "general_education": ("Education", "generalEducation"),
    "professional_level": ("Education", "professionalLevel"),
    "field_of_study": ("Education", "fieldOfStudy"),
    "political_theory": ("Education", "politicalTheory"),
    "state_management": ("Education", "stateManagement"),
    "foreign_language": ("Education", "foreignLanguage"),
    "it_skill": ("Education", "itSkill"),
    "party_joined_on": ("Membership", "partyJoinedOn"),
    "party_official_on": ("Membership", "partyOfficialOn"),
    "trade_union_joined_on": ("Membership", "tradeUnionJoinedOn"),
    "youth_union_joined_on": ("Membership", "youthUnionJoinedOn"),
}


# a dossier list's entry ("dossier_family_member[2].birth_year") is shown as its Person field
_LIST_FIELD = {s.table: ("Person", str(s.person_field)) for s in dossier_catalogue().lists}


def schema_field(field: str) -> tuple[str, str]:
    """(type, GraphQL field) where a standard field of a person is shown."""
    found = _SCHEMA_FIELD.get(field) or _LIST_FIELD.get(field.split("[")[0].split(".")[0])
    if found is not None:
        return found
    head, *rest = field.split("_")
    return "Person", head + "".join(part.title() for part in rest)


def source_scope(caller: Caller) -> str | None:
    """The source id prefix the caller may see ("" for every source); ForbiddenError if none."""
    if caller.level is Level.CENTRAL:
        return ""
    if caller.level in (Level.MINISTRY, Level.PROVINCE) and caller.organization:
        return f"VN:GOV:{caller.organization}:"
    raise ForbiddenError("the sync's state is for the central level and for agencies' own sources")


def _scoped(column: Any, scope: str, source: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if scope:
        where.append(column.startswith(scope, autoescape=True))
    if source is not None:
        where.append(column == source)
    return where


async def runs_page(
    context: Context, caller: Caller, source: str | None, first: int | None, after: str | None
) -> Page[Row[Any]]:
    scope = source_scope(caller) or ""
    where = _scoped(sync_run.c.source_id, scope, source)
    return await newest_first(context, sync_run, where, first=first, after=after)


async def rejects_page(
    context: Context,
    caller: Caller,
    source: str | None,
    rule: str | None,
    first: int | None,
    after: str | None,
) -> Page[Row[Any]]:
    scope = source_scope(caller) or ""
    where: list[ColumnElement[bool]] = [
        sync_reject.c.resolved_at.is_(None),
        *_scoped(sync_reject.c.source_id, scope, source),
    ]
    if rule is not None:
        where.append(sync_reject.c.rule == rule)
    return await newest_first(context, sync_reject, where, first=first, after=after)


async def corrections_page(
    context: Context,
    caller: Caller,
    source: str | None,
    rule: str | None,
    first: int | None,
    after: str | None,
) -> Page[Row[Any]]:
    """The repairs the sync made to records it stored, newest first, of the caller's sources."""
    scope = source_scope(caller) or ""
    where = _scoped(sync_correction.c.source_id, scope, source)
    if rule is not None:
        where.append(sync_correction.c.rule == rule)
    return await newest_first(context, sync_correction, where, first=first, after=after)


async def open_rejects(
    context: Context,
    caller: Caller,
    source: str | None,
    rule: str | None,
    agency: str | None = None,
) -> Sequence[Row[Any]]:
    """Every open reject the caller may see (the rows of `rejects_page`, not paged), of one
    agency's sources when `agency` names it, in the order a clerk works through them: by
    source, then file and row (or record key)."""
    scope = source_scope(caller) or ""
    where: list[ColumnElement[bool]] = [
        sync_reject.c.resolved_at.is_(None),
        *_scoped(sync_reject.c.source_id, scope, source),
    ]
    if agency is not None:
        where.append(sync_reject.c.source_id.startswith(f"VN:GOV:{agency}:", autoescape=True))
    if rule is not None:
        where.append(sync_reject.c.rule == rule)
    statement = (
        select(sync_reject)
        .where(and_(True, *where))
        .order_by(
            sync_reject.c.source_id,
            func.coalesce(sync_reject.c.location, sync_reject.c.source_record_id),
            sync_reject.c.field,
            sync_reject.c.rule,
        )
    )
    return await fetch(context.engine, statement)


async def conflicts_page(
    context: Context, caller: Caller, source: str | None, first: int | None, after: str | None
) -> Page[Row[Any]]:
    scope = source_scope(caller) or ""
    where: list[ColumnElement[bool]] = [sync_conflict.c.resolved_at.is_(None)]
    if scope or source is not None:
        where.append(
            and_(True, *_scoped(sync_conflict.c.owner_source_id, scope, source))
            | and_(True, *_scoped(sync_conflict.c.other_source_id, scope, source))
        )
    return await newest_first(context, sync_conflict, where, first=first, after=after)


async def counts_per_source(context: Context, caller: Caller) -> list[dict[str, Any]]:
    """Per source: its last run, open rejects, open conflicts, reconciliation mismatches."""
    scope = source_scope(caller) or ""
    latest = (
        select(func.max(sync_run.c.id))
        .where(and_(True, *_scoped(sync_run.c.source_id, scope, None)))
        .group_by(sync_run.c.source_id)
    )
    last = select(sync_run).where(sync_run.c.id.in_(latest))
    runs = {row.source_id: row for row in await fetch(context.engine, last)}
    rejects = await _count(context, sync_reject.c.source_id, scope, sync_reject.c.resolved_at)
    conflicts = await _count(
        context, sync_conflict.c.other_source_id, scope, sync_conflict.c.resolved_at
    )
    mismatches = await _count(context, reconciliation.c.source_id, scope, None)
    corrections = await _count(context, sync_correction.c.source_id, scope, None)
    sources = sorted(set(runs) | set(rejects) | set(conflicts) | set(mismatches) | set(corrections))
    return [
        {
            "source_id": source,
            "last_run": runs.get(source),
            "open_rejects": rejects.get(source, 0),
            "open_conflicts": conflicts.get(source, 0),
            "identity_mismatches": mismatches.get(source, 0),
            "corrections": corrections.get(source, 0),
        }
        for source in sources
    ]


async def _count(context: Context, column: Any, scope: str, resolved: Any) -> dict[str, int]:
    where = _scoped(column, scope, None)
    if resolved is not None:
        where.append(resolved.is_(None))
    statement = select(column, func.count()).where(and_(True, *where)).group_by(column)
    rows: Sequence[Any] = await fetch(context.engine, statement)
    return {row[0]: int(row[1]) for row in rows}


async def agency_relations(context: Context, source_ids: set[str]) -> dict[str, Relation]:
    """How each source's agency stands to the caller (same unit, subtree, outside): a reject's
    person is one of that agency's people, so the agency's relation is the person's."""
    codes: dict[str, str] = {}
    for source_id in source_ids:
        try:
            codes[source_id] = parse_source_id(source_id)[0]
        except ValueError:
            continue
    found = {
        row.code: row.id
        for row in await fetch(
            context.engine,
            select(organization.c.code, organization.c.id).where(
                organization.c.code.in_(sorted(set(codes.values())))
            ),
        )
    }
    access = context.access
    return {
        source_id: access.organization_relation(found[code])
        if code in found and access.caller.level not in (Level.SELF, Level.PARTNER, Level.PUBLIC)
        else Relation.OUTSIDE
        for source_id, code in codes.items()
    }


def shown(context: Context, relation: Relation, field: str, text: str | None) -> str | None:
    """A reject's value or expected form, when the caller may see that field of that person."""
    if text is None:
        return None
    type_name, field_name = schema_field(field)
    return text if context.access.view.allows(type_name, field_name, relation) else None


def personal_fields(context: Context, fields: set[str]) -> list[str]:
    """`Type.field` of the standard fields among `fields` that are personal or sensitive: what
    the audit records when a response carries their values."""
    policy = context.access.view.policy
    out = set()
    for name in fields:
        type_name, field_name = schema_field(name)
        if (policy.field_class(type_name, field_name) or FieldClass.PUBLIC) >= FieldClass.PERSONAL:
            out.add(f"{type_name}.{field_name}")
    return sorted(out)


async def person_ids(context: Context, personal_ids: set[str]) -> dict[str, int]:
    """The store's person id of each personal ID it holds (a rejected newcomer has none)."""
    if not personal_ids:
        return {}
    statement = select(person.c.personal_id, person.c.id).where(
        person.c.personal_id.in_(sorted(personal_ids))
    )
    return {row.personal_id: row.id for row in await fetch(context.engine, statement)}


async def people_by_record(
    context: Context, records: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The store's person id of each (source, source record id) it holds: whom a correction of
    a stored record is about (a correction has no personal ID of its own)."""
    if not records:
        return {}
    statement = select(person.c.source_id, person.c.source_record_id, person.c.id).where(
        tuple_(person.c.source_id, person.c.source_record_id).in_(sorted(records))
    )
    return {
        (row.source_id, row.source_record_id): row.id
        for row in await fetch(context.engine, statement)
    }


def _note(
    context: Context, shown: Iterable[tuple[int | None, set[str]]], shown_as: Sequence[str]
) -> None:
    """`shown`: (store id of the person, or None where the store holds nobody, standard fields)
    per person the values are of."""
    for person_id, fields in shown:
        names = personal_fields(context, fields)
        if names:
            context.access.note_shown([] if person_id is None else [person_id], [*shown_as, *names])


async def note_shown(
    context: Context, carried: Iterable[tuple[str | None, str]], shown_as: Sequence[str]
) -> None:
    """Notes for the audit the personal values a response carries of rejects: `carried` is
    (personal ID, standard field) of each reject whose value or expected form it shows
    unmasked, `shown_as` the `Type.field`s that carry them ("SyncReject.value"). A reject of a
    field that is not personal, or masked for this caller, is not noted (as a Person's)."""
    by_personal_id: dict[str | None, set[str]] = defaultdict(set)
    for personal_id, field in carried:
        by_personal_id[personal_id].add(field)
    ids = await person_ids(context, {pid for pid in by_personal_id if pid})
    shown = ((ids.get(pid) if pid else None, fields) for pid, fields in by_personal_id.items())
    _note(context, shown, shown_as)


async def note_corrections_shown(
    context: Context, carried: Iterable[tuple[str, str, str]], shown_as: Sequence[str]
) -> None:
    """As `note_shown`, for corrections: `carried` is (source, source record id, standard
    field) of each correction whose text as the source wrote it the response shows unmasked."""
    by_record: dict[tuple[str, str], set[str]] = defaultdict(set)
    for source_id, record_id, field in carried:
        by_record[(source_id, record_id)].add(field)
    ids = await people_by_record(context, set(by_record))
    _note(context, ((ids.get(record), fields) for record, fields in by_record.items()), shown_as)
