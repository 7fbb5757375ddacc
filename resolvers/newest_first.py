"""Pages of append-only tables (audit log, sync runs, rejects, conflicts): newest first, keyset
on the id, which never moves once written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, Table, and_, select

from resolvers.context import Context
from resolvers.loaders import fetch
from resolvers.pagination import Page, make_page, page_request


async def newest_first(
    context: Context,
    table: Table,
    where: list[ColumnElement[bool]],
    *,
    first: int | None,
    after: str | None,
) -> Page[Row[Any]]:
    options = context.options
    request = page_request(
        first=first,
        after=after,
        last=None,
        before=None,
        default_size=options.default_page_size,
        max_size=options.max_page_size,
    )
    if request.after_key is not None:
        where = [*where, table.c.id < request.after_key]
    statement = select(table).where(and_(True, *where)).order_by(table.c.id.desc())
    rows = await fetch(context.engine, statement.limit(request.limit))
    return make_page(request, rows, [row.id for row in rows])
