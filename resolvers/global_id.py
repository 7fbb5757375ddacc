"""Relay global ids: opaque, URL-safe, and carrying only a type name and a surrogate key.

The personal ID is personal data and never appears in an id; the surrogate key says nothing about
the person. The encoding is an implementation detail clients must not parse.
"""

from __future__ import annotations

import base64
import binascii

from resolvers.errors import BadUserInputError

_PREFIX = "v1"
KEY_MAX = 2**63 - 1
"""Surrogate keys are `bigint` identities: an id beyond that was never issued."""


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
        if not 0 < number <= KEY_MAX or str(number) != key:
            raise ValueError(raw)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise BadUserInputError(f"{argument} is not a valid id", argument=argument) from exc
    return type_name, number


def decode_as(expected_type: str, global_id: str, *, argument: str = "id") -> int:
    type_name, key = decode(global_id, argument=argument)
    if type_name != expected_type:
        raise BadUserInputError(f"{argument} is not the id of a {expected_type}", argument=argument)
    return key


def decode_key(text: str, *, argument: str = "id") -> int:
    """A plain surrogate key given as digits (consent ids), range-checked like a global id's."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= KEY_MAX:
        raise BadUserInputError(f"{argument} is not a valid id", argument=argument)
    return int(text)
