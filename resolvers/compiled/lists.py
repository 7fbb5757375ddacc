"""A person's dossier list (store/models_dossier.py) as one connection expression.

The resolver path loads a person's whole list in print order and pages it in memory
(resolvers/dossier.page_of, resolvers/pagination.make_page); this is the same algorithm in SQL
over the same order, with one text for every way of paging: the request's direction, sizes and
cursors are parameters (`ListArguments`), so a plan serves `first`, `last`, both (Relay's
window) and any cursor. A cursor that names no row of this person's list yields `__bad` with
the argument's name, which results.py turns into the resolver path's BAD_USER_INPUT error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import FieldNode

from resolvers.pagination import Direction, PageRequest

BAD_CURSOR_KEY = "__bad"

FORWARD, BACKWARD, WINDOW = "f", "b", "k"
"""The three ways of paging: `first`, `last`, and `first` with `last` (Relay's window)."""


@dataclass(frozen=True)
class ListArguments:
    """One list field of the operation whose page arguments are bound per request."""

    prefix: str
    """The name its parameters start with."""
    node: FieldNode
    type_name: str
    field_name: str


def list_values(prefix: str, request: PageRequest) -> dict[str, Any]:
    """The parameters of one list's page, from the request the resolvers check it into."""
    if request.keep_last is not None:
        mode = WINDOW
    else:
        mode = BACKWARD if request.direction is Direction.BACKWARD else FORWARD
    return {
        f"{prefix}_mode": mode,
        f"{prefix}_size": request.size,
        f"{prefix}_limit": request.limit,
        f"{prefix}_keep": request.keep_last or 0,
        f"{prefix}_after": request.after_key,
        f"{prefix}_before": request.before_key,
    }


@dataclass(frozen=True)
class ListSql:
    """The pieces of one list's connection, in SQL over the aggregate row `a`."""

    table: str
    order: tuple[str, ...]
    person_id: str
    refs: dict[str, str]
    """Parameter name suffix -> its placeholder."""

    def _keyset(self, alias: str, cursor: str, comparison: str) -> str:
        columns = ", ".join(f"{alias}.{c}" for c in (*self.order, "id"))
        inner = ", ".join(f"c.{c}" for c in (*self.order, "id"))
        return (
            f"({cursor} IS NULL OR ({columns}) {comparison} "
            f"(SELECT {inner} FROM {self.table} c WHERE c.id = {cursor}))"
        )

    def window(self) -> str:
        """The rows between the cursors, ranked both ways, with their count."""
        r = self.refs
        order = ", ".join(f"d.{c}" for c in (*self.order, "id"))
        descending = ", ".join(f"d.{c} DESC" for c in (*self.order, "id"))
        between = " AND ".join(
            (self._keyset("d", r["after"], ">"), self._keyset("d", r["before"], "<"))
        )
        return (
            f"SELECT d.*, row_number() OVER (ORDER BY {order}) AS fwd, "
            f"row_number() OVER (ORDER BY {descending}) AS bwd, count(*) OVER () AS cnt "
            f"FROM {self.table} d WHERE d.person_id = {self.person_id} AND {between}"
        )

    def shown(self, w: str) -> str:
        """Whether the window row `w` is on the page (make_page and _first_then_last)."""
        r = self.refs
        fetched = f"least({w}.cnt, {r['limit']})"
        end = f"least({fetched}, {r['size']})"
        start = f"greatest({end} - {r['keep']}, 0)"
        return (
            f"CASE {r['mode']} WHEN '{FORWARD}' THEN {w}.fwd <= {r['size']} "
            f"WHEN '{BACKWARD}' THEN {w}.bwd <= {r['size']} "
            f"ELSE {w}.fwd > {start} AND {w}.fwd <= {end} END"
        )

    def has_next(self, count: str) -> str:
        r = self.refs
        return (
            f"CASE {r['mode']} WHEN '{FORWARD}' THEN {count} > {r['size']} "
            f"WHEN '{BACKWARD}' THEN {r['before']} IS NOT NULL "
            f"ELSE least({count}, {r['limit']}) > {r['size']} END"
        )

    def has_previous(self, count: str) -> str:
        r = self.refs
        return (
            f"CASE {r['mode']} WHEN '{FORWARD}' THEN {r['after']} IS NOT NULL "
            f"WHEN '{BACKWARD}' THEN {count} > {r['size']} "
            f"ELSE least({count}, {r['limit']}) > {r['keep']} END"
        )

    def bad_cursor(self) -> str:
        """'after' or 'before' when that cursor names no row of this person's list (page_of
        checks `after` first), else null."""
        r = self.refs

        def missing(cursor: str) -> str:
            return (
                f"{cursor} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {self.table} c "
                f"WHERE c.id = {cursor} AND c.person_id = {self.person_id})"
            )

        return (
            f"CASE WHEN {missing(r['after'])} THEN 'after' "
            f"WHEN {missing(r['before'])} THEN 'before' END"
        )
