"""The Relay vocabulary: Node and PageInfo."""

from __future__ import annotations

from typing import Any

import strawberry

from resolvers.pagination import Page


@strawberry.interface(description="An object with an opaque, globally unique id.")
class Node:
    id: strawberry.ID


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
