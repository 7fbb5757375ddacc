"""Change-feed cursors: opaque, canonical, and refused when not ours."""

from __future__ import annotations

import pytest

from exchange.cursor import CursorError, decode_cursor, encode_cursor


@pytest.mark.parametrize("sequence", [0, 1, 42, 10**12, 2**63 - 1])
def test_a_cursor_decodes_to_the_position_it_was_made_for(sequence: int) -> None:
    assert decode_cursor(encode_cursor(sequence)) == sequence


def test_a_cursor_shows_no_number_to_the_client() -> None:
    assert "12345" not in encode_cursor(12345)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64!",
        "YzE6",  # "c1:" with no number
        "YzI6MQ",  # "c2:1": another format
        "YzE6LTE",  # "c1:-1"
        "YzE6MDE",  # "c1:01": not canonical
        "YzE6MQ==",  # padded spelling of a valid cursor
        "YzE6OTIyMzM3MjAzNjg1NDc3NTgwOA",  # 2**63: beyond bigint
        "w6k",  # not ASCII once decoded
        "é",
        "A" * 65,
    ],
)
def test_a_cursor_the_connector_never_issued_is_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(cursor)


@pytest.mark.parametrize("sequence", [-1, 2**63])
def test_positions_outside_the_change_sequence_have_no_cursor(sequence: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        encode_cursor(sequence)
