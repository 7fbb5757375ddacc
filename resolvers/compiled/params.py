"""Named parameters of a compiled statement: the text is cached, the values change per request."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PLACEHOLDER = re.compile(r"\$(\d+)::")


class Params:
    """Hands out `$n::type` placeholders by name; one number per name, in first-use order."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def ref(self, name: str, sql_type: str) -> str:
        number = self._numbers.setdefault(name, len(self._numbers) + 1)
        return f"${number}::{sql_type}"

    def finish(self, sql: str) -> tuple[str, tuple[str, ...]]:
        """The statement renumbered to the placeholders it really uses, and their names.

        Builders ask for a placeholder before they know whether its expression is kept (a
        page-info field that was not selected); PostgreSQL refuses parameters it never sees.
        """
        by_number = {number: name for name, number in self._numbers.items()}
        used: dict[int, int] = {}

        def renumber(match: re.Match[str]) -> str:
            new = used.setdefault(int(match.group(1)), len(used) + 1)
            return f"${new}::"

        text = _PLACEHOLDER.sub(renumber, sql)
        return text, tuple(by_number[old] for old in used)


def arguments(names: tuple[str, ...], values: Mapping[str, Any]) -> tuple[Any, ...]:
    """The statement's arguments in placeholder order."""
    return tuple(values[name] for name in names)
