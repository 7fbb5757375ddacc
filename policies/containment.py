"""What a token may name: its level must fit its organisation, and both must fit its issuer.

Pure: no I/O. The gateway looks the named organisation (and the issuer's trusted subtrees) up
in the store and asks `refusal()` whether the token stays inside what it may name. Every
refusal is a sentence for the 401's `error_description`: it names organisation codes and
levels, never a personal ID (organisation codes are public, a subject is not).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from policies.types import Caller, Level

MOHA = "000.00.00.G09"
"""Bộ Nội vụ, which keeps the national database: with the Government, the central level."""

ORGANIZATION_LEVEL: dict[Level, frozenset[str]] = {
    Level.CENTRAL: frozenset({"central"}),  # the Government (the tree's root); or MOHA, below
    Level.MINISTRY: frozenset({"ministry"}),
    Level.PROVINCE: frozenset({"province"}),
    Level.COMMUNE: frozenset({"commune"}),
    Level.UNIT: frozenset({"unit"}),
}
"""Caller level -> the organisation levels it may name. Partners may name any agency; the
self level names a person, never an organisation."""

CENTRAL_ORGANIZATIONS = frozenset({MOHA})
"""Organisations a central-level token may name besides those of the central level."""

PERSONAL_ID = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class Organisation:
    """What containment needs to know of one organisation of the tree."""

    code: str
    level: str
    status: str  # active, merged or dissolved
    path: str  # the materialised path, "/1/7/42/"
    successor: str | None = None  # the code of what it merged into


@dataclass(frozen=True)
class Trust:
    """What one issuer (or one registered client) may name.

    `levels`: the levels its tokens may claim (None: any). `subtrees`: the organisations under
    which every organisation its tokens name must lie (None: anywhere in the tree).
    """

    levels: frozenset[Level] | None = None
    subtrees: tuple[Organisation, ...] | None = None


ANYTHING = Trust()
"""Our own authorization server: its clients were checked when they were registered."""


def level_refusal(level: Level, organisation: Organisation) -> str | None:
    """Why `level` may not act for `organisation` (None when it may)."""
    if level is Level.PARTNER:
        return None
    if level is Level.SELF:
        return "a self-level token names a person, never an organisation (no `cbccvc_org`)"
    if level is Level.CENTRAL and organisation.code in CENTRAL_ORGANIZATIONS:
        return None
    if organisation.level in ORGANIZATION_LEVEL.get(level, frozenset()):
        return None
    if level is Level.CENTRAL:
        return (
            f"a central-level token names MOHA ({MOHA}) or the Government, not "
            f"{organisation.code} (a {organisation.level} organisation)"
        )
    return (
        f"a {level.value}-level token must name a {level.value} organisation; "
        f"{organisation.code} is a {organisation.level} organisation"
    )


def status_refusal(organisation: Organisation) -> str | None:
    """Why no token may name `organisation` now (None while it is active)."""
    if organisation.status == "merged":
        successor = organisation.successor or "its successor"
        return (
            f"the organisation {organisation.code} was merged into {successor}: "
            f"ask for a token naming {successor}"
        )
    if organisation.status != "active":
        return f"the organisation {organisation.code} was dissolved: no token may name it"
    return None


def refusal(caller: Caller, organisation: Organisation | None, trust: Trust) -> str | None:
    """Why a token's caller is outside what it may name, or None when it is inside.

    `organisation` is what the store knows of `caller.organization` (None: no such code).
    """
    if trust.levels is not None and caller.level not in trust.levels:
        return f"the token's issuer may not name the {caller.level.value} level"
    if caller.level is Level.SELF:
        if caller.organization is not None:
            return level_refusal(Level.SELF, Organisation("", "", "", ""))
        if caller.subject is None or not PERSONAL_ID.fullmatch(caller.subject):
            return "a self-level token's subject must be a 12-digit personal ID"
        return None
    if caller.organization is None:
        return "the token names no organisation (`cbccvc_org`)"
    if organisation is None:
        return f"the organisation {caller.organization} is not in the national tree"
    found = status_refusal(organisation) or level_refusal(caller.level, organisation)
    if found is not None:
        return found
    if trust.subtrees is not None and not within(organisation, trust.subtrees):
        return (
            f"the token's issuer may not name {organisation.code}: it is outside the "
            "organisations the issuer is trusted for"
        )
    return None


def within(organisation: Organisation, subtrees: Collection[Organisation]) -> bool:
    """Whether `organisation` is one of `subtrees` or lies below one of them."""
    return any(organisation.path.startswith(root.path) for root in subtrees)
