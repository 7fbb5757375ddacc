"""Reading the dossier's lists (store/models_dossier.py) for a request.

One DataLoader per list: every person of a response whose family (say) is asked for costs one
statement together, however many people the page holds. A person's list is short (tens of
rows), so it is loaded whole in its print order and paged in memory; cursors are the rows'
surrogate keys, like every other cursor, and carry no personal data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Row, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from resolvers.errors import BadUserInputError
from resolvers.loaders import fetch
from resolvers.pagination import Direction, Page, PageRequest, make_page
from store.models import table_of
from store.models_dossier import DOSSIER_MODELS, LIST_ORDER


def list_statement(table: Table, person_ids: Sequence[int]) -> Any:
    """Every row of `table` for these people, each person's rows in print order."""
    order = [table.c[name] for name in LIST_ORDER[table.name]]
    return (
        select(table)
        .where(table.c.person_id.in_(person_ids))
        .order_by(table.c.person_id, *order, table.c.id)
    )


class DossierLoaders:
    """person id -> that person's rows, per dossier table, batched per request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._loaders: dict[str, DataLoader[int, list[Row[Any]]]] = {}

    def rows(self, table_name: str) -> DataLoader[int, list[Row[Any]]]:
        loader = self._loaders.get(table_name)
        if loader is None:
            table = TABLES[table_name]

            async def batch(person_ids: Sequence[int]) -> list[list[Row[Any]]]:
                grouped: dict[int, list[Row[Any]]] = defaultdict(list)
                for row in await fetch(self._engine, list_statement(table, person_ids)):
                    grouped[row.person_id].append(row)
                return [grouped.get(key, []) for key in person_ids]

            loader = DataLoader(batch)
            self._loaders[table_name] = loader
        return loader


TABLES: dict[str, Table] = {table_of(model).name: table_of(model) for model in DOSSIER_MODELS}


def page_of(rows: Sequence[Row[Any]], request: PageRequest) -> Page[Row[Any]]:
    """A Relay page of one person's list, in print order; a cursor not in the list is refused."""
    keys = [row.id for row in rows]
    positions = {key: index for index, key in enumerate(keys)}

    def position(key: int | None, argument: str) -> int | None:
        if key is None:
            return None
        if key not in positions:
            raise BadUserInputError(f"`{argument}` is not a cursor of this list", argument=argument)
        return positions[key]

    after = position(request.after_key, "after")
    before = position(request.before_key, "before")
    start = 0 if after is None else after + 1
    stop = len(rows) if before is None else before
    window = list(range(start, max(start, stop)))
    if request.direction is Direction.BACKWARD:
        window.reverse()
    chosen = window[: request.limit]
    return make_page(request, [rows[i] for i in chosen], [keys[i] for i in chosen])
