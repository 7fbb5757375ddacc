"""Keyset pagination for Relay connections, without I/O.

A cursor names the row it stands at by surrogate key only; the query compares the sort key of
that row (looked up by key) with the rows around it, so a cursor carries no personal data and
stays valid when rows are added before it. Pages are fetched with one extra row to learn whether
another page follows.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from resolvers.errors import BadUserInputError
from resolvers.global_id import KEY_MAX

T = TypeVar("T")
_PREFIX = "c1:"


class Direction(Enum):
    FORWARD = "forward"
    BACKWARD = "backward"


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{key}".encode()).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, *, argument: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        if not raw.startswith(_PREFIX):
            raise ValueError(raw)
        digits = raw[len(_PREFIX) :]
        key = int(digits)
        # only what encode_cursor makes: canonical digits of a `bigint` surrogate key
        if not 0 < key <= KEY_MAX or str(key) != digits:
            raise ValueError(raw)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise BadUserInputError(f"`{argument}` is not a valid cursor", argument=argument) from exc
    return key


@dataclass(frozen=True)
class PageRequest:
    """What one connection field asks for, checked: a direction, a size and a start key.

    `keep_last` is Relay's `last` when it comes with `first`: the connection spec then takes the
    first `size` edges between the cursors and keeps the last `keep_last` of them.
    """

    direction: Direction
    size: int
    after_key: int | None = None
    before_key: int | None = None
    keep_last: int | None = None

    @property
    def limit(self) -> int:
        """How many rows to fetch: one more than the page, to learn if there is another.

        With `first` and `last` together, one more than the larger, so that both "is there a next
        page" (more than `first`) and "is there a previous one" (more than `last`) are known.
        """
        return max(self.size, self.keep_last or 0) + 1


def page_request(
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default_size: int,
    max_size: int,
) -> PageRequest:
    """Check Relay's arguments; BadUserInputError names the argument that is wrong.

    `first` and `last` together follow the Relay connection spec's pagination algorithm (the
    cursors, then `first`, then `last`), which Relay clients send when a fragment's default
    count stays beside the count of the other direction.
    """
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= max_size:
            raise BadUserInputError(
                f"`{name}` must be between 0 and {max_size}, got {value}", argument=name
            )
    after_key = decode_cursor(after, argument="after") if after is not None else None
    before_key = decode_cursor(before, argument="before") if before is not None else None
    if first is not None and last is not None:
        return PageRequest(Direction.FORWARD, first, after_key, before_key, keep_last=last)
    if last is not None or (first is None and before is not None and after is None):
        size = last if last is not None else default_size
        return PageRequest(Direction.BACKWARD, size, after_key, before_key)
    size = first if first is not None else default_size
    return PageRequest(Direction.FORWARD, size, after_key, before_key)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    keys: Sequence[int]
    has_next_page: bool
    has_previous_page: bool

    @property
    def start_cursor(self) -> str | None:
        return encode_cursor(self.keys[0]) if self.keys else None

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.keys[-1]) if self.keys else None


def make_page(request: PageRequest, rows: Sequence[T], keys: Sequence[int]) -> Page[T]:
    """Turn rows fetched in the request's direction (at most `limit`) into a page in sort order.

    Like Relay's reference implementation, the far side reports whether a cursor was given:
    paging forward from `after` implies rows before it exist.
    """
    more = len(rows) > request.size
    if request.keep_last is not None:
        return _first_then_last(request, rows, keys)
    rows, keys = rows[: request.size], keys[: request.size]
    if request.direction is Direction.BACKWARD:
        return Page(
            items=list(reversed(rows)),
            keys=list(reversed(keys)),
            has_next_page=request.before_key is not None,
            has_previous_page=more,
        )
    return Page(
        items=rows,
        keys=keys,
        has_next_page=more,
        has_previous_page=request.after_key is not None,
    )


def _first_then_last(request: PageRequest, rows: Sequence[T], keys: Sequence[int]) -> Page[T]:
    """The spec's algorithm for `first` + `last`: of the rows between the cursors (fetched
    forward, at most `limit`), the first `size`, then the last `keep_last` of those."""
    keep = request.keep_last or 0
    window = len(rows)
    start = max(min(window, request.size) - keep, 0)
    end = min(window, request.size)
    return Page(
        items=list(rows[start:end]),
        keys=list(keys[start:end]),
        # with `first` (or `last`) set, the spec decides by the count alone
        has_next_page=window > request.size,
        has_previous_page=window > keep,
    )


def cursor_keys(request: PageRequest) -> tuple[tuple[str, int], ...]:
    """(argument, key) of the cursors a request was given, to check their rows exist."""
    given = (("after", request.after_key), ("before", request.before_key))
    return tuple((name, key) for name, key in given if key is not None)
