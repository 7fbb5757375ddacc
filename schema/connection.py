"""Relay connections: one generic Connection, Edge and PageInfo for every paged list.

Strawberry names a specialised generic after its argument, so `Connection[SyncRun]` is
`SyncRunConnection` in the schema and `Edge[Person]` is `PersonEdge`. A connection with fields
of its own (a total count, the filter it was asked with) subclasses `Connection[X]` under the
name it has always had.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page, encode_cursor

T = TypeVar("T")
Item = TypeVar("Item")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        )


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


def edges_of(page: Page[Item], node: Callable[[Item], T]) -> list[Edge[T]]:
    """The page's items as edges, each with the cursor of its key."""
    return [
        Edge(cursor=encode_cursor(key), node=node(item))
        for item, key in zip(page.items, page.keys, strict=True)
    ]


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection_of(page: Page[Item], node: Callable[[Item], T]) -> Connection[T]:
    """A connection with nothing but its edges and page info."""
    return Connection(edges=edges_of(page, node), page_info=PageInfo.of(page))
