"""Change-feed cursors: opaque to clients, meaningful only to the connector that issued them.

A cursor stands after one change of the agency's change sequence (every insert, update or
deletion in the agency's staff table takes the next number). It carries nothing else: no
personal data, no offset that shifts when rows change. It is base64url so that clients treat it
as a token, with a version prefix so that a later format can refuse an old one by name.
"""

from __future__ import annotations

import base64
import binascii
import re

_PREFIX = "c1:"
_SEQUENCE = re.compile(r"^[0-9]{1,19}$")
_MAX_SEQUENCE = 2**63 - 1  # PostgreSQL bigint
MAX_CURSOR_LENGTH = 64


class CursorError(ValueError):
    """A cursor this connector never issued (or one of another format)."""


def encode_cursor(sequence: int) -> str:
    if not 0 <= sequence <= _MAX_SEQUENCE:
        raise ValueError(f"change sequence {sequence} is out of range")
    raw = f"{_PREFIX}{sequence}".encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> int:
    """The change sequence a cursor stands after; CursorError for anything we did not issue."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise CursorError("malformed cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError("malformed cursor") from None
    if not raw.startswith(_PREFIX) or not _SEQUENCE.match(raw[len(_PREFIX) :]):
        raise CursorError("malformed cursor")
    sequence = int(raw[len(_PREFIX) :])
    if sequence > _MAX_SEQUENCE:
        raise CursorError("malformed cursor")
    # only canonical spellings: one position in the feed has exactly one cursor
    if encode_cursor(sequence) != cursor:
        raise CursorError("malformed cursor")
    return sequence
