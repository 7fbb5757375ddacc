"""Deterministic, realistic synthetic national data: organisations, people and staffing quotas.

Pure: no I/O beyond reading the data files (code lists, sandbox/data). The same seed gives the
same output on any machine and any day: every draw comes from the caller's `random.Random`,
ages are measured on REFERENCE_DATE, and nothing depends on hash or dict-iteration order of
unordered collections.

    orgs = build_organizations(random.Random(seed))
    for row in iter_people(seed, 1_000, orgs):  # tuples in PERSON_COLUMNS order
        ...
"""

from __future__ import annotations

import math
import random

from sandbox.draw import REFERENCE_DATE
from sandbox.organizations import Kind, OrgSpec, build_organizations
from sandbox.people import iter_people
from store.person_row import PERSON_COLUMNS, content_hash

__all__ = [
    "OVER_QUOTA_SHARE",
    "PERSON_COLUMNS",
    "REFERENCE_DATE",
    "Kind",
    "OrgSpec",
    "build_organizations",
    "content_hash",
    "iter_people",
    "quota_for",
]

# Share of organisations employing more people than their quota allows: the cases an analyst
# looks for after the 2025 downsizing.
OVER_QUOTA_SHARE = 0.08


def quota_for(rng: random.Random, headcount: tuple[int, int, int]) -> tuple[int, int, int]:
    """A staffing quota (civil servants incl. cadres, public employees, contract staff) for an
    organisation with this headcount: near it and mostly above, but below it in about
    OVER_QUOTA_SHARE of organisations."""
    if rng.random() < OVER_QUOTA_SHARE and any(headcount):
        # floor of count × factor < 1 is always at least one below a non-zero count
        factor = rng.uniform(0.85, 0.97)
        return (
            math.floor(headcount[0] * factor),
            math.floor(headcount[1] * factor),
            math.floor(headcount[2] * factor),
        )
    return (
        max(headcount[0], round(headcount[0] * rng.uniform(0.98, 1.15))),
        max(headcount[1], round(headcount[1] * rng.uniform(0.98, 1.15))),
        max(headcount[2], round(headcount[2] * rng.uniform(0.98, 1.15))),
    )
