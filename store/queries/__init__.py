"""Read queries of the Ministry store, as SQLAlchemy Core statements plus small fetch helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import KeyedColumnElement


def in_array(column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column = ANY($1)` with one array parameter.

    Unlike IN with one parameter per value, the SQL text is the same for any number of values,
    so asyncpg prepares it once per connection and PostgreSQL plans it once.
    """
    element_type = BigInteger() if isinstance(column.type, Integer) else Text()
    parameter = bindparam(None, list(values), type_=ARRAY(element_type))
    return column == any_(parameter)


def position_of(
    table: FromClause, order: Sequence[KeyedColumnElement[Any]], key: int
) -> ColumnElement[Any]:
    """Where the row whose id is `key` stands in `order`: its values, looked up by the key, so
    a cursor needs to carry nothing but the key."""
    inner = table.alias("cursor_row")
    return tuple_(
        *(
            key
            if column is table.c.id
            else select(inner.c[column.key]).where(inner.c.id == key).scalar_subquery()
            for column in order
        )
    )


def keyset_page(
    table: FromClause,
    order: Sequence[KeyedColumnElement[Any]],
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    backward: bool,
    after_key: int | None,
    before_key: int | None,
) -> Select[tuple[object, ...]]:
    """`limit` rows of `table` in `order` (columns unique together) after the row `after_key`
    and before the row `before_key`; from the far end, descending, when `backward` (the caller
    puts the page back in order)."""
    conditions = list(where)
    if after_key is not None:
        conditions.append(tuple_(*order) > position_of(table, order, after_key))
    if before_key is not None:
        conditions.append(tuple_(*order) < position_of(table, order, before_key))
    ordering = [column.desc() for column in order] if backward else list(order)
    return select(table).where(and_(True, *conditions)).order_by(*ordering).limit(limit)
