import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolvers.errors import BadUserInputError
from resolvers.pagination import (
    Direction,
    PageRequest,
    decode_cursor,
    encode_cursor,
    make_page,
    page_request,
)


def request(**kwargs: object) -> PageRequest:
    arguments: dict[str, object] = {"first": None, "after": None, "last": None, "before": None}
    arguments.update(kwargs)
    return page_request(default_size=20, max_size=100, **arguments)  # type: ignore[arg-type]


def test_a_cursor_round_trips_and_hides_its_key_in_plain_sight_only() -> None:
    cursor = encode_cursor(12345)
    assert decode_cursor(cursor, argument="after") == 12345
    assert "12345" not in cursor


NEVER_ISSUED = [
    base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    for raw in (b"c1:9223372036854775808", b"c1:007", b"c1:+7", b"c1: 7", b"c1:\xd9\xa3")
]


@pytest.mark.parametrize(
    "bad", ["", "!!!", "bm9wZQ", encode_cursor(1)[:-2] + "zz", "YzE6LTE", *NEVER_ISSUED]
)
def test_a_cursor_we_did_not_issue_is_a_bad_user_input_naming_the_argument(bad: str) -> None:
    with pytest.raises(BadUserInputError) as raised:
        decode_cursor(bad, argument="after")
    assert raised.value.extensions == {"code": "BAD_USER_INPUT", "argument": "after"}


def test_without_arguments_a_page_goes_forward_with_the_default_size() -> None:
    assert request() == PageRequest(Direction.FORWARD, 20)


def test_last_and_before_page_backward() -> None:
    assert request(last=5, before=encode_cursor(9)) == PageRequest(Direction.BACKWARD, 5, None, 9)
    assert request(before=encode_cursor(9)).direction is Direction.BACKWARD


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ({"first": 101}, "first"),
        ({"last": 500}, "last"),
        ({"first": -1}, "first"),
        ({"first": 1, "last": -1}, "last"),
    ],
)
def test_sizes_beyond_the_cap_or_below_zero_are_refused(
    arguments: dict[str, object], argument: str
) -> None:
    with pytest.raises(BadUserInputError) as raised:
        request(**arguments)
    assert raised.value.extensions is not None
    assert raised.value.extensions["argument"] == argument


def test_a_forward_page_reports_more_rows_after_it_from_the_extra_row() -> None:
    page = make_page(request(first=2), ["a", "b", "c"], [1, 2, 3])
    assert list(page.items) == ["a", "b"]
    assert page.has_next_page
    assert not page.has_previous_page
    assert page.end_cursor == encode_cursor(2)


def test_a_backward_page_comes_back_in_sort_order() -> None:
    fetched_descending = ["e", "d", "c"]
    page = make_page(request(last=2, before=encode_cursor(6)), fetched_descending, [5, 4, 3])
    assert list(page.items) == ["d", "e"]
    assert page.has_previous_page
    assert page.has_next_page
    assert page.start_cursor == encode_cursor(4)


def test_an_empty_page_has_no_cursors() -> None:
    page = make_page(request(first=0), ["a"], [1])
    assert list(page.items) == []
    assert page.start_cursor is None
    assert page.has_next_page


def test_first_and_last_together_keep_the_last_of_the_first() -> None:
    asked = request(first=3, last=2)
    assert asked == PageRequest(Direction.FORWARD, 3, keep_last=2)
    assert asked.limit == 4  # one more than the larger of the two
    page = make_page(asked, ["a", "b", "c", "d"], [1, 2, 3, 4])
    assert list(page.items) == ["b", "c"]
    assert page.has_next_page  # more than `first` between the cursors
    assert page.has_previous_page  # more than `last` between the cursors


def spec_page(
    keys: list[int], first: int | None, after: int | None, last: int | None, before: int | None
) -> tuple[list[int], bool, bool]:
    """The Relay connection spec's algorithm, read from the spec: ApplyCursorsToEdges, then
    `first`, then `last`; HasNextPage and HasPreviousPage by the counts when those are set."""
    edges = [k for k in keys if (after is None or k > after) and (before is None or k < before)]
    between = len(edges)
    if first is not None:
        edges = edges[:first]
    if last is not None:
        edges = edges[len(edges) - last :] if last < len(edges) else edges
    has_next = first is not None and between > first
    has_previous = last is not None and between > last
    return edges, has_next, has_previous


@settings(max_examples=400, deadline=None)
@given(
    total=st.integers(0, 30),
    first=st.integers(0, 12),
    last=st.integers(0, 12),
    after=st.one_of(st.none(), st.integers(1, 30)),
    before=st.one_of(st.none(), st.integers(1, 31)),
)
def test_first_with_last_follows_the_connection_spec(
    total: int, first: int, last: int, after: int | None, before: int | None
) -> None:
    keys = list(range(1, total + 1))
    asked = request(
        first=first,
        last=last,
        after=encode_cursor(after) if after else None,
        before=encode_cursor(before) if before else None,
    )
    # what the keyset statement returns for a forward request: rows between the cursors
    fetched = [k for k in keys if (after is None or k > after) and (before is None or k < before)]
    fetched = fetched[: asked.limit]
    page = make_page(asked, fetched, fetched)
    edges, has_next, has_previous = spec_page(keys, first, after, last, before)
    assert (list(page.keys), page.has_next_page, page.has_previous_page) == (
        edges,
        has_next,
        has_previous,
    )
