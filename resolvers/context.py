"""What every resolver of one request can reach, typed (never a dict)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.settings import Settings
from resolvers.loaders import Loaders
from resolvers.reference import Reference


@dataclass
class Context:
    engine: AsyncEngine
    settings: Settings
    reference: Reference
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.engine)

    def visible_people(self, rows: Sequence[Row[Any]]) -> Sequence[Row[Any]]:
        """Every person row on its way to a response passes here, once.

        This is where per-row masking by the caller's relation to the record slots in
        (authorisation issue); until then every row is returned as it is.
        """
        return rows
