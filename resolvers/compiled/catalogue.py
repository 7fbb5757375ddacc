"""Which fields of the store-backed types are plain columns, and how their values read in JSON.

Built once at start-up by the schema floor (schema/compiled_catalogue.py) from the executable
schema, so the planner never guesses a column name: a field is a column when its resolver only
reads the attribute of the same name that the type's `from_row` fills from the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Leaf:
    """A GraphQL leaf field read straight from a column."""

    column: str
    nullable: bool
    enum_names: Mapping[str, str] | None = None
    """Store value -> GraphQL enum name, for enum fields; None for scalars."""
    scalar: str | None = None
    """"Decimal" or "DateTime": a scalar the statement converts to its GraphQL text."""


@dataclass(frozen=True)
class Catalogue:
    leaves: Mapping[str, Mapping[str, Leaf]]
    """GraphQL type name -> field name -> its column."""
    base_salary_vnd: int = 0
    """Salary.monthlyBaseAmount is the coefficient times this (schema/codes.py)."""
    lists: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Person field -> (store table, record type) of the dossier's lists (schema/dossier.py)."""

    def leaf(self, type_name: str, field_name: str) -> Leaf | None:
        return self.leaves.get(type_name, {}).get(field_name)
