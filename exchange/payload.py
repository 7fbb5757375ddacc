"""Reading untrusted JSON field by field, naming the path of the first thing that is wrong.

Both ends of every HTTP source use it: the connector checks the requests it is sent, and the
adapters check the answers they get, so that a payload of the wrong shape becomes one error with
a precise message (`$.records[3].version: expected a string, got 7`) instead of a KeyError deep
inside the caller.

    body = Reader(orjson.loads(raw))
    ids = [item.text() for item in body.field("personal_ids").array(max_items=500)]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

# What a message may quote of a bad value: enough to recognise it, never a whole payload.
_QUOTE = 40


class PayloadError(ValueError):
    """A payload does not have the expected shape; the message starts with the JSON path."""


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _QUOTE else text[: _QUOTE - 3] + "..."


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class Reader:
    """One value of a decoded JSON document and where it sits (`$` is the whole document)."""

    __slots__ = ("path", "value")

    def __init__(self, value: object, path: str = "$") -> None:
        self.value = value
        self.path = path

    def fail(self, expected: str) -> PayloadError:
        return PayloadError(f"{self.path}: expected {expected}, got {_quote(self.value)}")

    def _expect(self, expected: str) -> PayloadError:
        return PayloadError(f"{self.path}: expected {expected}, got {_kind(self.value)}")

    # --- objects --------------------------------------------------------------------------------

    def mapping(self) -> Mapping[str, object]:
        if not isinstance(self.value, dict):
            raise self._expect("an object")
        return self.value

    def field(self, key: str) -> Reader:
        """A member that must be present (it may still be null: ask `optional` for that)."""
        members = self.mapping()
        if key not in members:
            raise PayloadError(f"{self.path}: missing {key!r}")
        return Reader(members[key], f"{self.path}.{key}")

    def optional(self, key: str) -> Reader | None:
        """A member that may be absent or null (both mean None)."""
        value = self.mapping().get(key)
        return None if value is None else Reader(value, f"{self.path}.{key}")

    def members(self) -> Iterator[tuple[str, Reader]]:
        for key, value in self.mapping().items():
            yield key, Reader(value, f"{self.path}.{key}")

    # --- arrays ---------------------------------------------------------------------------------

    def array(self, *, max_items: int | None = None) -> list[Reader]:
        if not isinstance(self.value, list):
            raise self._expect("an array")
        if max_items is not None and len(self.value) > max_items:
            raise PayloadError(
                f"{self.path}: at most {max_items} items allowed, got {len(self.value)}"
            )
        return [Reader(item, f"{self.path}[{index}]") for index, item in enumerate(self.value)]

    # --- scalars --------------------------------------------------------------------------------

    def text(self, *, max_length: int = 10_000) -> str:
        if not isinstance(self.value, str):
            raise self._expect("a string")
        if len(self.value) > max_length:
            raise PayloadError(f"{self.path}: longer than {max_length} characters")
        return self.value

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            raise self._expect("a boolean")
        return self.value

    def integer(self, *, minimum: int | None = None, maximum: int | None = None) -> int:
        # bool is an int in Python, never in JSON
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise self._expect("an integer")
        if (minimum is not None and self.value < minimum) or (
            maximum is not None and self.value > maximum
        ):
            raise self.fail(f"an integer from {minimum} to {maximum}")
        return self.value

    def number(self) -> float:
        if not isinstance(self.value, int | float) or isinstance(self.value, bool):
            raise self._expect("a number")
        return float(self.value)

    def day(self) -> date:
        """An ISO 8601 calendar date, `YYYY-MM-DD` and nothing else."""
        text = self.text(max_length=10)
        try:
            if len(text) != 10:
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            raise self.fail("a date YYYY-MM-DD") from None

    def decimal(self) -> Decimal:
        """An exact decimal, written as a string ("4.98") or an integer (money in đồng)."""
        if isinstance(self.value, int) and not isinstance(self.value, bool):
            return Decimal(self.value)
        text = self.text(max_length=40)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self.fail("a decimal number") from None
        if not value.is_finite():
            raise self.fail("a finite decimal number")
        return value

    def choice(self, allowed: Mapping[str, object] | frozenset[str]) -> str:
        text = self.text(max_length=100)
        if text not in allowed:
            raise self.fail("one of " + ", ".join(sorted(allowed)))
        return text
