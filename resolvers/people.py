"""Finding people: the directory connection, lookups by id, and an organisation's own staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from policies.types import Relation
from resolvers.access import ForbiddenError, Scope
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.loaders import NestedPeopleKey, fetch, fetch_scalar
from resolvers.pagination import Direction, Page, cursor_keys, make_page
from store.queries import people as queries
from store.queries.people import PeopleFilter
from store.text import prefix_tsquery, search_bound_exceeded


@dataclass(frozen=True)
class PeopleQuery:
    """The directory filter as the client gave it, before codes are resolved."""

    organization_code: str | None = None
    include_subtree: bool = True
    name: str | None = None
    categories: tuple[str, ...] | None = None
    grade_codes: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None


WIDE_SUBTREE_SHARE = 0.2
"""From this share of the store's organisations on, a subtree's directory page is found by
walking the national directory order (a fifth of the country's people: about 250 rows walked
for a page of 50) rather than by sorting all its people; below it, sorting the subtree is the
cheaper (docs/benchmarks.md, "Generic plans")."""


async def _organization(context: Context, code: str) -> Scope | None:
    """The filter's organisation (id and path): from the process's cache when it has it."""
    if context.scopes is not None:
        return await context.scopes.get(code)
    row = await context.loaders.organization_by_code.load(code)
    return None if row is None else Scope(row.id, row.path, frozenset())


def _filter_relations(
    context: Context, organization_id: int | None, include_subtree: bool
) -> set[Relation]:
    """Every relation the people a filter can match may stand in to the caller."""
    access = context.access
    possible = access.possible_relations()
    if organization_id is None:
        return possible
    relation = access.organization_relation(organization_id)
    if not include_subtree or relation is Relation.SUBTREE:
        return {relation}
    if relation is Relation.SAME_UNIT:
        return {Relation.SAME_UNIT, Relation.SUBTREE}
    # an outside organisation's subtree may hold the caller's own organisation (never for the
    # public and partners, to whom every record is outside)
    return {Relation.OUTSIDE, Relation.SAME_UNIT, Relation.SUBTREE} & possible


def _check_filter_rights(context: Context, query: PeopleQuery, relations: set[Relation]) -> None:
    """A filter reveals the field it tests: refuse it where that field would be masked."""
    used = {
        "organization": query.organization_code is not None,
        "name": query.name is not None,
        "categories": query.categories is not None,
        "grades": query.grade_codes is not None,
        "statuses": query.statuses is not None,
    }
    for argument, is_used in used.items():
        if is_used and not all(
            context.access.may_filter(f"PersonFilter.{argument}", r) for r in relations
        ):
            raise ForbiddenError(
                f"you may not filter by `{argument}` here: limit the filter to your own "
                "organisation with `organization`"
            )


async def resolve_filter(
    context: Context, query: PeopleQuery, *, staff_of: int | None = None
) -> PeopleFilter:
    organization_ids: tuple[int, ...] | None = None
    organization_path: str | None = None
    wide_subtree = False
    scope_id = staff_of
    include_subtree = staff_of is None and query.include_subtree
    if query.organization_code is not None:
        org = await _organization(context, query.organization_code)
        if org is None:
            raise BadUserInputError(
                f"no organisation has the code {query.organization_code!r}",
                argument="filter.organization",
            )
        scope_id = org.organization_id
        if query.include_subtree:
            organization_path = org.path
            if context.scopes is not None:
                share = await context.scopes.share_of_store(org)
                wide_subtree = share >= WIDE_SUBTREE_SHARE
        else:
            organization_ids = (org.organization_id,)
    _check_filter_rights(context, query, _filter_relations(context, scope_id, include_subtree))
    name_query = None
    if query.name is not None:
        if (too_long := search_bound_exceeded(query.name)) is not None:
            raise BadUserInputError(too_long, argument="filter.name")
        name_query = prefix_tsquery(query.name)
        if name_query is None:
            raise BadUserInputError(
                "a name search needs at least one letter or digit", argument="filter.name"
            )
    return PeopleFilter(
        organization_ids=organization_ids,
        organization_path=organization_path,
        wide_subtree=wide_subtree,
        name_query=name_query,
        categories=query.categories,
        grade_codes=query.grade_codes,
        statuses=query.statuses,
    )


async def directory_page(
    context: Context,
    people: PeopleFilter,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Page[Row[Any]]:
    request = context.page_request(first=first, after=after, last=last, before=before)
    statement = queries.page(
        people,
        limit=request.limit,
        backward=request.direction is Direction.BACKWARD,
        after_key=request.after_key,
        before_key=request.before_key,
    )
    rows = await context.visible_people(await fetch(context.engine, statement))
    if not rows:  # an empty page may hide a cursor we never issued: say so instead
        for argument, key in cursor_keys(request):
            if await context.loaders.person_by_id.load(key) is None:
                raise BadUserInputError(
                    f"`{argument}` is not a cursor of this connection", argument=argument
                )
    await context.prefetch_organizations(rows)
    return make_page(request, rows, [row.id for row in rows])


async def count(context: Context, people: PeopleFilter) -> int:
    return int(await fetch_scalar(context.engine, queries.count(people)))


async def by_id(context: Context, key: int) -> Row[Any] | None:
    row = await context.loaders.person_by_id.load(key)
    if row is None:
        return None
    return (await context.visible_people([row]))[0]


async def staff_page(
    context: Context,
    organization_id: int,
    people: PeopleFilter,
    *,
    first: int | None,
    after: str | None,
) -> Page[Row[Any]]:
    """An organisation's own staff, batched with every other organisation in the response."""
    request = context.page_request(first=first, after=after)
    key = NestedPeopleKey(organization_id, people, request.limit, request.after_key)
    rows: Sequence[Row[Any]] = await context.visible_people(
        await context.loaders.people_of_organization.load(key)
    )
    await context.prefetch_organizations(rows)
    return make_page(request, rows, [row.id for row in rows])
