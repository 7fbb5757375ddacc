"""Named parameters of a compiled statement: the text is cached, the values change per request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Params:
    """Hands out `$n::type` placeholders by name; one number per name, in first-use order."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def ref(self, name: str, sql_type: str) -> str:
        number = self._numbers.setdefault(name, len(self._numbers) + 1)
        return f"${number}::{sql_type}"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._numbers)


def arguments(names: tuple[str, ...], values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The statement's arguments in placeholder order."""
    return tuple(values[name] for name in names)
