"""Relay global ids: opaque, URL-safe, and carrying only a type name and a surrogate key.

The personal ID is personal data and never appears in an id; the surrogate key says nothing about
the person. The encoding is an implementation detail clients must not parse.
"""

from __future__ import annotations

import base64
import binascii

from resolvers.errors import BadUserInputError

_PREFIX = "v1"


def encode(type_name: str, key: int) -> str:
    raw = f"{_PREFIX}:{type_name}:{key}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(global_id: str, *, argument: str = "id") -> tuple[str, int]:
    """The (type name, key) an id stands for; BadUserInputError for anything we did not issue."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        prefix, type_name, key = raw.split(":")
        if prefix != _PREFIX or not type_name.isalpha():
            raise ValueError(raw)
        number = int(key)
        if number <= 0 or str(number) != key:
            raise ValueError(raw)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise BadUserInputError(f"{argument} is not a valid id", argument=argument) from exc
    return type_name, number


def decode_as(expected_type: str, global_id: str, *, argument: str = "id") -> int:
    type_name, key = decode(global_id, argument=argument)
    if type_name != expected_type:
        raise BadUserInputError(f"{argument} is not the id of a {expected_type}", argument=argument)
    return key
