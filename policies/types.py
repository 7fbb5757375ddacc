"""The vocabulary of authorisation: who calls (Caller), at what level, and how data is classed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class Level(StrEnum):
    """The caller's management level (STANDARD.md), plus PUBLIC for callers without a token."""

    PUBLIC = "public"
    CENTRAL = "central"  # MOHA and the Government
    MINISTRY = "ministry"  # a ministry or sector
    PROVINCE = "province"
    COMMUNE = "commune"
    UNIT = "unit"  # the employing unit
    SELF = "self"  # a person reading their own record
    PARTNER = "partner"  # another agency's system, by purpose


TOKEN_LEVELS = frozenset(level for level in Level if level is not Level.PUBLIC)
"""The levels an access token may claim (the public is whoever calls without one)."""


class FieldClass(IntEnum):
    """How restricted a field is; a caller allowed a class sees every class below it."""

    PUBLIC = 0
    INTERNAL = 1
    PERSONAL = 2
    SENSITIVE = 3  # Decree 13/2023: ethnicity, religion, party, health, discipline, family, assets


class Relation(StrEnum):
    """How the caller stands to one record."""

    SELF = "self"
    SAME_UNIT = "same_unit"  # the person works in the caller's own organisation
    SUBTREE = "subtree"  # ... somewhere below the caller's organisation
    OUTSIDE = "outside"


@dataclass(frozen=True)
class Caller:
    """Who is asking, from a verified access token (or the public, without one).

    `organization` is the electronic code of the caller's organisation scope; `subject` is the
    token's `sub` (for the self level: the person's personal ID).
    """

    level: Level
    organization: str | None = None
    subject: str | None = None
    client_id: str | None = None
    purposes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None
    issuer: str | None = None


PUBLIC_CALLER = Caller(level=Level.PUBLIC)

POSSIBLE_RELATIONS: dict[Level, frozenset[Relation]] = {
    Level.PUBLIC: frozenset({Relation.OUTSIDE}),
    Level.PARTNER: frozenset({Relation.OUTSIDE}),  # another agency's system: always outside
    Level.SELF: frozenset({Relation.SELF, Relation.OUTSIDE}),
    **{
        level: frozenset({Relation.SAME_UNIT, Relation.SUBTREE, Relation.OUTSIDE})
        for level in (Level.CENTRAL, Level.MINISTRY, Level.PROVINCE, Level.COMMUNE, Level.UNIT)
    },
}
"""Every relation a record may stand in to a caller of each level (docs/policies.md)."""
