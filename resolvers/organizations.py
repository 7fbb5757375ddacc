"""Finding organisations: by code, a filtered connection, and walks of the tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.loaders import fetch, fetch_scalar
from resolvers.pagination import Direction, Page, cursor_keys, make_page
from store.queries import organizations as queries
from store.queries.organizations import OrganizationsFilter


@dataclass(frozen=True)
class OrganizationsQuery:
    levels: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    parent_code: str | None = None
    within_code: str | None = None
    search: str | None = None


async def _required(context: Context, code: str, argument: str) -> Row[Any]:
    org = await context.loaders.organization_by_code.load(code)
    if org is None:
        raise BadUserInputError(f"no organisation has the code {code!r}", argument=argument)
    return org  # type: ignore[no-any-return]


async def resolve_filter(context: Context, query: OrganizationsQuery) -> OrganizationsFilter:
    parent_id = within_path = None
    if query.parent_code is not None:
        parent_id = (await _required(context, query.parent_code, "filter.parentCode")).id
    if query.within_code is not None:
        within_path = (await _required(context, query.within_code, "filter.withinCode")).path
    return OrganizationsFilter(
        levels=query.levels,
        statuses=query.statuses,
        parent_id=parent_id,
        within_path=within_path,
        search=query.search,
    )


async def page(
    context: Context,
    orgs: OrganizationsFilter,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Page[Row[Any]]:
    request = context.page_request(first=first, after=after, last=last, before=before)
    statement = queries.page(
        orgs,
        limit=request.limit,
        backward=request.direction is Direction.BACKWARD,
        after_key=request.after_key,
        before_key=request.before_key,
    )
    rows = await fetch(context.engine, statement)
    if not rows:  # an empty page may hide a cursor we never issued: say so instead
        for argument, key in cursor_keys(request):
            if await context.loaders.organization_by_id.load(key) is None:
                raise BadUserInputError(
                    f"`{argument}` is not a cursor of this connection", argument=argument
                )
    return make_page(request, rows, [row.id for row in rows])


async def count(context: Context, orgs: OrganizationsFilter) -> int:
    return int(await fetch_scalar(context.engine, queries.count(orgs)))


def ancestor_ids(path: str) -> list[int]:
    """Ids on the materialised path, root first, the organisation itself excluded."""
    return [int(part) for part in path.strip("/").split("/")[:-1]]


async def ancestors(context: Context, path: str) -> list[Row[Any]]:
    rows = await context.loaders.organization_by_id.load_many(ancestor_ids(path))
    return [row for row in rows if row is not None]
