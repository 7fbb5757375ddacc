"""Read queries of the Ministry store, as SQLAlchemy Core statements plus small fetch helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, Text, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def in_array(column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column = ANY($1)` with one array parameter.

    Unlike IN with one parameter per value, the SQL text is the same for any number of values,
    so asyncpg prepares it once per connection and PostgreSQL plans it once.
    """
    element_type = BigInteger() if isinstance(column.type, Integer) else Text()
    parameter = bindparam(None, list(values), type_=ARRAY(element_type))
    return column == any_(parameter)
