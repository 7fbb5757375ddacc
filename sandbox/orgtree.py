"""The vocabulary of the synthetic organisation tree, and the builder that checks it as it grows.

sandbox/organizations.py (central bodies) and sandbox/provinces.py (local ones) add to one
TreeBuilder; see sandbox/data/agencies.yaml for the names and which codes are real.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sandbox.datafiles import agencies
from sandbox.draw import date_between
from store.text import nfc
from store.vocabulary import OrgLevel, OrgStatus

CODE_PATTERN = re.compile(r"^[0-9A-Z.]{1,35}$")
MINISTRY_MERGERS_ON = date(2025, 3, 1)
PROVINCE_MERGERS_ON = date(2025, 7, 1)
_LATEST_FOUNDING = date(2020, 12, 31)


class Kind(StrEnum):
    """What an organisation does: decides who works there (sandbox/people.py)."""

    GOVERNMENT = "government"
    AGENCY = "agency"  # a ministry or special agency's own leadership and office
    PROVINCE = "province"  # a provincial People's Committee
    COMMUNE = "commune"  # a commune People's Committee
    DISTRICT = "district"  # a district-level body, all dissolved in 2025
    OFFICE = "office"  # Vụ, Cục, Sở, phòng, branches: civil servants
    UNIVERSITY = "university"
    UPPER_SCHOOL = "upper_school"
    LOWER_SCHOOL = "lower_school"
    PRIMARY_SCHOOL = "primary_school"
    PRESCHOOL = "preschool"
    HOSPITAL = "hospital"
    HEALTH_STATION = "health_station"
    RESEARCH = "research"
    CULTURE = "culture"


SERVICE_KINDS = frozenset(Kind) - {
    Kind.GOVERNMENT,
    Kind.AGENCY,
    Kind.PROVINCE,
    Kind.COMMUNE,
    Kind.DISTRICT,
    Kind.OFFICE,
}

# Expected share of all people by where they work, so that the personnel categories come out in
# national proportions (most are teachers and health workers in commune and provincial units)
# however many organisations of each sort the tree has.
_GROUP_SHARES = {
    "administration": 0.13,
    "commune": 0.12,
    "central_service": 0.08,
    "province_service": 0.22,
    "commune_service": 0.45,
}
_KIND_SIZE = {
    Kind.GOVERNMENT: 0.05,
    Kind.AGENCY: 2.0,
    Kind.PROVINCE: 2.0,
    Kind.COMMUNE: 1.0,
    Kind.OFFICE: 1.0,
    Kind.UNIVERSITY: 3.0,
    Kind.UPPER_SCHOOL: 1.5,
    Kind.LOWER_SCHOOL: 1.0,
    Kind.PRIMARY_SCHOOL: 1.2,
    Kind.PRESCHOOL: 0.8,
    Kind.HOSPITAL: 4.0,
    Kind.HEALTH_STATION: 0.5,
    Kind.RESEARCH: 1.0,
    Kind.CULTURE: 0.8,
}


@dataclass(frozen=True, slots=True)
class OrgSpec:
    code: str
    name: str
    short_name: str | None
    level: str
    parent_code: str | None
    administrative_unit_code: str | None
    status: str
    established_on: date | None
    status_changed_on: date | None
    successor_code: str | None
    weight: float
    """Expected share of all people who work here (0 where nobody does); the weights sum to 1."""
    kind: Kind
    province_code: str
    """The province (2-digit code) where the organisation sits: where its people mostly live."""
    agency_code: str
    """The top-level agency (ministry, special agency or province) whose HR system holds its
    people's records."""


def h_number(old_province_code: str) -> str:
    """The H code (H01..H63) of a pre-2025 province, given its 3-digit birth-registration code."""
    return f"H{agencies()['h_order'].index(old_province_code) + 1:02d}"


def province_display(entry: Mapping[str, Any]) -> str:
    """'tỉnh Nghệ An', 'thành phố Hà Nội': how a province is named after a unit's name."""
    return f"{entry['kind']} {entry['name']}"


class TreeBuilder:
    """Adds organisations one by one, parents first, and weighs them at the end."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.orgs: dict[str, OrgSpec] = {}

    def add(
        self,
        *,
        code: str,
        name: str,
        level: OrgLevel,
        parent: str | None,
        kind: Kind,
        province: str,
        short_name: str | None = None,
        administrative_unit_code: str | None = None,
        size: float = 1.0,
        established_on: date | None = None,
        ended: tuple[OrgStatus, date, str | None] | None = None,
    ) -> str:
        if not CODE_PATTERN.match(code) or code in self.orgs:
            raise ValueError(f"organisation code {code!r} is malformed or repeated")
        parent_spec = self.orgs[parent] if parent is not None else None
        if established_on is None:
            earliest = max(date(1955, 1, 1), _founded(parent_spec))
            established_on = date_between(self.rng, earliest, _LATEST_FOUNDING)
        status, changed_on, successor = ended if ended else (OrgStatus.ACTIVE, None, None)
        if successor is not None and successor not in self.orgs:
            raise ValueError(f"{code}: successor {successor} must come first")
        weight = size * _KIND_SIZE.get(kind, 1.0) * self.rng.uniform(0.7, 1.3)
        self.orgs[code] = OrgSpec(
            code=code,
            name=nfc(name),
            short_name=nfc(short_name) if short_name else None,
            level=level.value,
            parent_code=parent,
            administrative_unit_code=administrative_unit_code,
            status=status.value,
            established_on=established_on,
            status_changed_on=changed_on,
            successor_code=successor,
            weight=weight if status is OrgStatus.ACTIVE else 0.0,
            kind=kind,
            province_code=province,
            agency_code=_agency_of(parent_spec, code),
        )
        return code

    def finish(self) -> list[OrgSpec]:
        groups = {code: self._group(org) for code, org in self.orgs.items()}
        totals = dict.fromkeys(_GROUP_SHARES, 0.0)
        for code, org in self.orgs.items():
            totals[groups[code]] += org.weight
        return [
            dataclasses.replace(
                org, weight=_GROUP_SHARES[groups[code]] * org.weight / totals[groups[code]]
            )
            if org.weight
            else org
            for code, org in self.orgs.items()
        ]

    def _group(self, org: OrgSpec) -> str:
        if org.kind is Kind.COMMUNE:
            return "commune"
        if org.kind not in SERVICE_KINDS:
            return "administration"
        ancestor = org
        while ancestor.parent_code is not None:
            ancestor = self.orgs[ancestor.parent_code]
            if ancestor.kind is Kind.COMMUNE:
                return "commune_service"
            if ancestor.kind is Kind.PROVINCE:
                return "province_service"
        return "central_service"


def _founded(org: OrgSpec | None) -> date:
    if org is None or org.established_on is None:
        return date(1945, 9, 2)
    return org.established_on


def _agency_of(parent: OrgSpec | None, code: str) -> str:
    if parent is None or parent.parent_code is None:
        return code
    return parent.agency_code
