"""What a token may name: level against organisation, status, and the issuer's trust."""

from __future__ import annotations

import pytest

from policies.containment import MOHA, Organisation, Trust, refusal
from policies.types import Caller, Level

ROOT = Organisation("000.00.00.A00", "central", "active", "/1/")
MOHA_ORG = Organisation(MOHA, "ministry", "active", "/1/9/")
FINANCE = Organisation("000.00.00.G12", "ministry", "active", "/1/12/")
HANOI = Organisation("000.00.00.H01", "province", "active", "/1/40/")
HANOI_COMMUNE = Organisation("000.00.101.H01", "commune", "active", "/1/40/41/")
HANOI_UNIT = Organisation("000.01.101.H01", "unit", "active", "/1/40/41/42/")
HUE = Organisation("000.00.00.H02", "province", "active", "/1/50/")
OLD = Organisation("000.00.00.H63", "province", "merged", "/1/60/", successor=HANOI.code)
GONE = Organisation("000.00.00.G99", "ministry", "dissolved", "/1/99/")
PROVINCE_IDP = Trust(
    levels=frozenset({Level.PROVINCE, Level.COMMUNE, Level.UNIT}), subtrees=(HANOI,)
)


def caller(level: Level, org: Organisation | None = None, subject: str = "portal") -> Caller:
    return Caller(level, organization=None if org is None else org.code, subject=subject)


@pytest.mark.parametrize(
    ("level", "org"),
    [
        (Level.CENTRAL, ROOT),
        (Level.CENTRAL, MOHA_ORG),
        (Level.MINISTRY, FINANCE),
        (Level.PROVINCE, HANOI),
        (Level.COMMUNE, HANOI_COMMUNE),
        (Level.UNIT, HANOI_UNIT),
        (Level.PARTNER, FINANCE),
        (Level.PARTNER, HANOI_UNIT),
    ],
)
def test_a_level_may_name_an_organisation_of_its_own_level(level: Level, org: Organisation) -> None:
    assert refusal(caller(level, org), org, Trust()) is None


@pytest.mark.parametrize(
    ("level", "org", "reason"),
    [
        (Level.UNIT, ROOT, "a unit-level token must name a unit organisation"),
        (Level.PROVINCE, FINANCE, "a province-level token must name a province organisation"),
        (Level.CENTRAL, FINANCE, "a central-level token names MOHA"),
        (Level.CENTRAL, HANOI, "a central-level token names MOHA"),
        (Level.MINISTRY, ROOT, "a ministry-level token must name a ministry organisation"),
        (Level.PROVINCE, OLD, "was merged into 000.00.00.H01"),
        (Level.MINISTRY, GONE, "was dissolved"),
    ],
)
def test_a_level_that_does_not_fit_its_organisation_is_refused(
    level: Level, org: Organisation, reason: str
) -> None:
    found = refusal(caller(level, org), org, Trust())
    assert found is not None
    assert reason in found


def test_an_unknown_organisation_is_refused_naming_its_code() -> None:
    found = refusal(Caller(Level.PROVINCE, organization="000.00.00.H77"), None, Trust())
    assert found == "the organisation 000.00.00.H77 is not in the national tree"


def test_a_self_token_names_a_person_never_an_organisation() -> None:
    personal_id = "001085012345"
    assert refusal(Caller(Level.SELF, subject=personal_id), None, Trust()) is None
    acting = Caller(Level.SELF, organization=HANOI.code, subject=personal_id)
    found = refusal(acting, HANOI, Trust())
    assert found is not None
    assert "never an organisation" in found
    found = refusal(Caller(Level.SELF, subject="portal"), None, Trust())
    assert found == "a self-level token's subject must be a 12-digit personal ID"


def test_reasons_never_carry_the_subject() -> None:
    personal_id = "001085012345"
    for org in (ROOT, FINANCE, OLD, GONE, None):
        for level in Level:
            if level is Level.PUBLIC:
                continue
            found = refusal(
                Caller(level, organization=None if org is None else org.code, subject=personal_id),
                org,
                PROVINCE_IDP,
            )
            assert found is None or personal_id not in found


@pytest.mark.parametrize(
    ("level", "org", "inside"),
    [
        (Level.PROVINCE, HANOI, True),
        (Level.COMMUNE, HANOI_COMMUNE, True),
        (Level.UNIT, HANOI_UNIT, True),
        (Level.PROVINCE, HUE, False),  # another province
        (Level.CENTRAL, ROOT, False),  # the national root: a level it is not trusted with
        (Level.MINISTRY, FINANCE, False),
    ],
)
def test_a_province_issuer_names_nothing_outside_its_subtree(
    level: Level, org: Organisation, inside: bool
) -> None:
    found = refusal(caller(level, org), org, PROVINCE_IDP)
    assert (found is None) is inside, found
