"""The national organisation tree of the synthetic data: pure and deterministic for a given RNG.

The tree is the Government at the root; ministries, ministry-level agencies and the five special
agencies below it, each with departments (Vụ, Cục), their sections and public-service units and
the provincial or regional branches of the agencies that have them; the 34 provincial People's
Committees with their departments (Sở), schools and hospitals, and the sample communes of
store/codelists/communes.yaml with one to three units each (sandbox/provinces.py). Organisations
merged or dissolved in 2025 are kept with their status, date and successor, and nobody works there.

Codes follow the shape of QĐ 20/2020/QĐ-TTg (`L4.L3.L2.L1`, e.g. 000.00.01.G09 for a department
of Bộ Nội vụ); see sandbox/data/agencies.yaml for which are real.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from typing import Any

from sandbox.datafiles import agencies
from sandbox.orgtree import (
    MINISTRY_MERGERS_ON,
    SERVICE_KINDS,
    Kind,
    OrgSpec,
    TreeBuilder,
    province_display,
)
from sandbox.provinces import add_old_provinces, add_province
from store.codelists import load_code_list
from store.vocabulary import OrgLevel, OrgStatus

__all__ = ["MINISTRY_MERGERS_ON", "SERVICE_KINDS", "Kind", "OrgSpec", "build_organizations"]

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
          "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX")  # fmt: skip


def build_organizations(rng: random.Random) -> list[OrgSpec]:
    """The whole tree, parents before children and successors before what merged into them."""
    data = agencies()
    tree = TreeBuilder(rng)
    root = data["root"]
    root_code = root["code"]
    tree.add(
        code=root_code,
        name=root["name"],
        short_name=root["short_name"],
        level=OrgLevel.CENTRAL,
        parent=None,
        kind=Kind.GOVERNMENT,
        province="01",
        established_on=date.fromisoformat(root["established_on"]),
    )
    # The special agencies (B to F) are not part of the Government in law; they hang from the same
    # root because the national database holds them all in one tree.
    ministries = [m for m in data["ministries"] if "merged" not in m]
    merged_ministries = [m for m in data["ministries"] if "merged" in m]
    for agency in [*ministries, *data["special_agencies"]]:
        _add_agency(tree, agency, root_code, common=agency["name"].startswith("Bộ "))
    for province in load_code_list("provinces").entries:
        add_province(tree, province, root_code)
    for agency in merged_ministries:
        _add_merged_agency(tree, agency, root_code)
    add_old_provinces(tree, root_code)
    return tree.finish()


# --- ministries and special agencies ------------------------------------------------------------


def _add_agency(tree: TreeBuilder, agency: Mapping[str, Any], root: str, *, common: bool) -> None:
    letters = agency["code"]
    code = tree.add(
        code=f"000.00.00.{letters}",
        name=agency["name"],
        short_name=agency["short_name"],
        level=OrgLevel.MINISTRY,
        parent=root,
        kind=Kind.RESEARCH if agency.get("service") else Kind.AGENCY,
        province="01",
        established_on=date.fromisoformat(agency["established_on"]),
    )
    departments = [*(agencies()["common_departments"] if common else ()), *agency["departments"]]
    number = 0
    for department in departments:
        if "name" not in department:  # branches of the agency itself
            number = _add_branches(tree, department["branches"], code, letters, number, depth=2)
            continue
        number += 1
        _add_department(tree, department, code, letters, number)


def _add_department(
    tree: TreeBuilder, department: Mapping[str, Any], parent: str, letters: str, number: int
) -> None:
    kind = Kind(department["kind"])
    code = tree.add(
        code=f"000.00.{number:02d}.{letters}",
        name=department["name"],
        level=OrgLevel.UNIT,
        parent=parent,
        kind=kind,
        province=department.get("province", "01"),
        size=department.get("size", 1.0),
    )
    child = 0
    for unit in department.get("units", ()):
        child += 1
        tree.add(
            code=f"000.{child:02d}.{number:02d}.{letters}",
            name=unit["name"],
            level=OrgLevel.UNIT,
            parent=code,
            kind=Kind(unit["kind"]),
            province=unit.get("province", "01"),
            size=unit.get("size", 1.0),
        )
    if "branches" in department:
        child = _add_branches(tree, department["branches"], code, letters, child, depth=3)
    if kind is Kind.OFFICE and "branches" not in department:
        for section in tree.rng.sample(agencies()["sections"], tree.rng.randint(2, 4)):
            child += 1
            tree.add(
                code=f"000.{child:02d}.{number:02d}.{letters}",
                name=section,
                level=OrgLevel.UNIT,
                parent=code,
                kind=Kind.OFFICE,
                province="01",
                size=0.6,
            )


def _add_branches(
    tree: TreeBuilder,
    branches: Mapping[str, Any],
    parent: str,
    letters: str,
    last: int,
    *,
    depth: int,
) -> int:
    """Adds one branch per province or region below `parent`; returns the last number used."""
    provinces = load_code_list("provinces").entries
    places: list[tuple[str, dict[str, str]]]
    if branches["each"] == "province":
        places = [(p["code"], {"province": province_display(p)}) for p in provinces]
    else:
        count = branches["count"]
        places = [
            # spread the regional branches over the country
            (
                provinces[n * len(provinces) // count]["code"],
                {"region": _ROMAN[n], "number": str(n + 1)},
            )
            for n in range(count)
        ]
    number = last
    for province, fields in places:
        number += 1
        position = f"000.00.{number:02d}" if depth == 2 else f"000.{number:02d}.{parent[7:9]}"
        code = tree.add(
            code=f"{position}.{letters}",
            name=branches["name"].format(**fields),
            level=OrgLevel.UNIT,
            parent=parent,
            kind=Kind(branches["kind"]),
            province=province,
            size=branches.get("size", 1.0),
        )
        for index, child in enumerate(branches.get("children", ()), start=1):
            tree.add(
                code=f"{index:03d}.{code[4:]}",
                name=child.format(**fields),
                level=OrgLevel.UNIT,
                parent=code,
                kind=Kind(branches["kind"]),
                province=province,
            )
    return number


def _add_merged_agency(tree: TreeBuilder, agency: Mapping[str, Any], root: str) -> None:
    merged = agency["merged"]
    on = date.fromisoformat(merged["date"])
    successor = f"000.00.00.{merged['into']}"
    letters = agency["code"]
    code = tree.add(
        code=f"000.00.00.{letters}",
        name=agency["name"],
        short_name=agency["short_name"],
        level=OrgLevel.MINISTRY,
        parent=root,
        kind=Kind.AGENCY,
        province="01",
        established_on=date.fromisoformat(agency["established_on"]),
        ended=(OrgStatus.MERGED, on, successor),
    )
    for number, department in enumerate(agency["departments"], start=1):
        target = department.get("into", department["name"])
        into = next(
            (
                org.code
                for org in tree.orgs.values()
                if org.parent_code == successor and org.name == target
            ),
            successor,
        )
        tree.add(
            code=f"000.00.{number:02d}.{letters}",
            name=department["name"],
            level=OrgLevel.UNIT,
            parent=code,
            kind=Kind(department["kind"]),
            province="01",
            ended=(OrgStatus.MERGED, on, into),
        )
