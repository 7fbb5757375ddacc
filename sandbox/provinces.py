"""The provincial part of the synthetic organisation tree: the 34 People's Committees with their
departments (Sở), schools and hospitals, the sample communes with their units, and what the 2025
reorganisation merged or dissolved (the 29 former provinces, district-level bodies, five Sở).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sandbox.datafiles import agencies
from sandbox.draw import date_between
from sandbox.orgtree import (
    MINISTRY_MERGERS_ON,
    PROVINCE_MERGERS_ON,
    Kind,
    TreeBuilder,
    h_number,
    province_display,
)
from store.codelists import load_code_list
from store.vocabulary import OrgLevel, OrgStatus


def add_province(tree: TreeBuilder, province: Mapping[str, Any], root: str) -> None:
    data = agencies()
    rng = tree.rng
    p = province["code"]
    h = h_number(f"0{p}")
    display = province_display(province)
    fields = {"province": display, "name": province["name"]}
    committee = tree.add(
        code=f"000.00.00.{h}",
        name=f"Ủy ban nhân dân {display}",
        short_name=f"UBND {display}",
        level=OrgLevel.PROVINCE,
        parent=root,
        kind=Kind.PROVINCE,
        province=p,
        administrative_unit_code=p,
        established_on=date_between(rng, date(1976, 1, 1), date(2008, 8, 1)),
    )
    number = 0
    by_name: dict[str, str] = {}
    for department in data["province_departments"]:
        if rng.random() >= department.get("share", 1.0):
            continue
        number += 1
        name = department["name"]
        code = tree.add(
            code=f"000.00.{number:02d}.{h}",
            name=name.format(**fields) if "{" in name else f"{name} {display}",
            level=OrgLevel.UNIT,
            parent=committee,
            kind=Kind(department["kind"]),
            province=p,
        )
        by_name[name] = code
        units = [
            (u["name"], Kind(u["kind"]), u.get("size", 1.0)) for u in department.get("units", ())
        ]
        if department.get("schools"):
            names = rng.sample(data["school_names"], rng.randint(3, 6))
            units += [(f"Trường Trung học phổ thông {n}", Kind.UPPER_SCHOOL, 1.0) for n in names]
        for child, (unit_name, kind, size) in enumerate(units, start=1):
            tree.add(
                code=f"000.{child:02d}.{number:02d}.{h}",
                name=unit_name.format(**fields),
                level=OrgLevel.UNIT,
                parent=code,
                kind=kind,
                province=p,
                size=size,
            )
    for commune in load_code_list("communes").entries:
        if commune["province"] == p:
            _add_commune(tree, commune, committee, h)
    for index, district in enumerate(data["districts"].get(p, ()), start=60):
        _add_district(tree, district, committee, h, index, p)
    for merged in data["merged_province_departments"]:
        number += 1
        tree.add(
            code=f"000.00.{number:02d}.{h}",
            name=f"{merged['name']} {display}",
            level=OrgLevel.UNIT,
            parent=committee,
            kind=Kind.OFFICE,
            province=p,
            ended=(OrgStatus.MERGED, MINISTRY_MERGERS_ON, by_name[merged["into"]]),
        )


def _add_commune(tree: TreeBuilder, commune: Mapping[str, Any], parent: str, h: str) -> None:
    c = commune["code"]
    kind_word = commune["kind"]
    name = commune["name"]
    bare = name[len(kind_word) + 1 :] if name.lower().startswith(kind_word) else name
    display = f"{kind_word} {bare}"  # 'xã Bảo Lâm': lower case after another word
    code = tree.add(
        code=f"000.00.{c}.{h}",
        name=f"Ủy ban nhân dân {display}",
        short_name=f"UBND {display}",
        level=OrgLevel.COMMUNE,
        parent=parent,
        kind=Kind.COMMUNE,
        province=commune["province"],
        administrative_unit_code=c,
        established_on=PROVINCE_MERGERS_ON,  # every commune of the two-level system dates from then
    )
    units = agencies()["commune_units"]
    count = tree.rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
    for index, unit in enumerate(units[:count], start=1):
        tree.add(
            code=f"000.{index:02d}.{c}.{h}",
            name=unit["name"].format(name=bare, commune=display),
            level=OrgLevel.UNIT,
            parent=code,
            kind=Kind(unit["kind"]),
            province=commune["province"],
        )


def _add_district(
    tree: TreeBuilder, district: str, parent: str, h: str, number: int, p: str
) -> None:
    dissolved = (OrgStatus.DISSOLVED, PROVINCE_MERGERS_ON, None)
    code = tree.add(
        code=f"000.00.{number:02d}.{h}",
        name=f"Ủy ban nhân dân {district}",
        short_name=f"UBND {district}",
        level=OrgLevel.UNIT,  # the store has no district level any more
        parent=parent,
        kind=Kind.DISTRICT,
        province=p,
        ended=dissolved,
    )
    for index, office in enumerate(agencies()["district_offices"], start=1):
        tree.add(
            code=f"000.{index:02d}.{number:02d}.{h}",
            name=f"{office} {district}",
            level=OrgLevel.UNIT,
            parent=code,
            kind=Kind.OFFICE,
            province=p,
            ended=dissolved,
        )


def add_old_provinces(tree: TreeBuilder, root: str) -> None:
    """The People's Committees of the 29 provinces merged away on 1 July 2025, and a few of their
    departments, each merged into its counterpart in the new province."""
    departments: Sequence[str] = agencies()["old_province_departments"]
    for old in load_code_list("old_provinces").entries:
        new = old["merged_into"]
        if old["code"] == f"0{new}":
            continue
        h = h_number(old["code"])
        successor = f"000.00.00.{h_number(f'0{new}')}"
        code = tree.add(
            code=f"000.00.00.{h}",
            name=f"Ủy ban nhân dân tỉnh {old['name']}",
            short_name=f"UBND tỉnh {old['name']}",
            level=OrgLevel.PROVINCE,
            parent=root,
            kind=Kind.PROVINCE,
            province=new,
            administrative_unit_code=old["code"][1:],
            established_on=date_between(tree.rng, date(1976, 1, 1), date(2008, 8, 1)),
            ended=(OrgStatus.MERGED, PROVINCE_MERGERS_ON, successor),
        )
        for number, department in enumerate(departments, start=1):
            into = next(
                org.code
                for org in tree.orgs.values()
                if org.parent_code == successor and org.name.startswith(department + " ")
            )
            tree.add(
                code=f"000.00.{number:02d}.{h}",
                name=f"{department} tỉnh {old['name']}",
                level=OrgLevel.UNIT,
                parent=code,
                kind=Kind.OFFICE,
                province=new,
                ended=(OrgStatus.MERGED, PROVINCE_MERGERS_ON, into),
            )
