"""What a synthetic person does: category, grade, salary, education and post (groups 4 to 6).

Everything depends on the kind of organisation: schools and hospitals employ public employees on
their sectors' professional titles, ministries and Sở civil servants on the civil-service grades,
commune People's Committees cadres and civil servants. Pure: reads the code lists once.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sandbox.datafiles import texts
from sandbox.draw import Weighted
from sandbox.orgtree import SERVICE_KINDS, Kind, OrgSpec
from store.codelists import load_code_list, salary_steps
from store.vocabulary import PersonnelCategory as Category

CADRE, CIVIL, PUBLIC, CONTRACT = (
    Category.CADRE,
    Category.CIVIL_SERVANT,
    Category.PUBLIC_EMPLOYEE,
    Category.CONTRACT_WORKER,
)

# Who works in each kind of organisation (shares), chosen with the group shares of
# sandbox/organizations.py so that the country has ≈66% public employees, ≈17% civil servants,
# ≈5% cadres and ≈12% contract workers (MOHA's reported proportions, roughly).
_CATEGORIES: Mapping[str, Mapping[Category, float]] = {
    "government": {CADRE: 0.6, CIVIL: 0.3, CONTRACT: 0.1},
    "agency": {CADRE: 0.04, CIVIL: 0.84, CONTRACT: 0.12},
    "province": {CADRE: 0.12, CIVIL: 0.74, CONTRACT: 0.14},
    "office": {CIVIL: 0.87, CONTRACT: 0.13},
    "commune": {CADRE: 0.42, CIVIL: 0.48, CONTRACT: 0.10},
    "service": {PUBLIC: 0.88, CONTRACT: 0.12},
}
# Share of women: teachers and nurses are mostly women, elected cadres mostly men.
_FEMALE = {CADRE: 0.25, CIVIL: 0.4, PUBLIC: 0.5, CONTRACT: 0.4}
_FEMALE_PUBLIC = {
    Kind.PRESCHOOL: 0.9,
    Kind.PRIMARY_SCHOOL: 0.65,
    Kind.LOWER_SCHOOL: 0.6,
    Kind.UPPER_SCHOOL: 0.55,
    Kind.HOSPITAL: 0.58,
    Kind.HEALTH_STATION: 0.6,
}
# The professional titles (grade-code prefixes) of each kind of public-service unit.
_TITLES = {
    Kind.UNIVERSITY: ("V.07.01",),
    Kind.UPPER_SCHOOL: ("V.07.05",),
    Kind.LOWER_SCHOOL: ("V.07.04",),
    Kind.PRIMARY_SCHOOL: ("V.07.03",),
    Kind.PRESCHOOL: ("V.07.02",),
    Kind.HOSPITAL: ("V.08",),
    Kind.HEALTH_STATION: ("V.08.03", "V.08.05", "V.08.06"),
    Kind.RESEARCH: ("V.05",),
    Kind.CULTURE: ("V.10",),
}
# How common each salary group is among grades, and the service years before a grade of that
# group is usual: seniors are older.
_GROUP_WEIGHT = {"A3": 0.04, "A2": 0.25, "A1": 1.0, "A0": 0.3, "B": 0.15, "C": 0.05}
_GROUP_SENIORITY = {"A3": 15, "A2": 8}
# Posts by the kind of organisation, matched on position names (positions.yaml codes are ours).
_POSTS: Mapping[str, tuple[str, ...]] = {
    "agency": ("Bộ trưởng", "Thứ trưởng"),
    "department": ("Vụ trưởng", "Phó Vụ trưởng", "Cục trưởng", "Phó Cục trưởng", "Chánh "),
    "section": ("Trưởng phòng thuộc Vụ", "Phó Trưởng phòng thuộc Vụ"),
    "province": ("Chủ tịch Ủy ban nhân dân tỉnh", "Phó Chủ tịch Ủy ban nhân dân tỉnh"),
    "province_office": (
        "Giám đốc Sở",
        "Phó Giám đốc Sở",
        "Chi cục trưởng",
        "Trưởng phòng thuộc Sở",
        "Phó Trưởng phòng thuộc Sở",
    ),
    "commune": (
        "Chủ tịch Ủy ban nhân dân xã",
        "Phó Chủ tịch Ủy ban nhân dân xã",
        "Trưởng phòng thuộc Ủy ban nhân dân xã",
        "Phó Trưởng phòng thuộc Ủy ban nhân dân xã",
    ),
    "hospital": ("Giám đốc bệnh viện", "Phó Giám đốc bệnh viện", "Trưởng khoa"),
    "school": ("Hiệu trưởng", "Phó Hiệu trưởng", "Tổ trưởng chuyên môn"),
}


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    category: str
    scale: str
    group: str
    steps: tuple[Decimal, ...]
    """Coefficient of step n at index n - 1: exactly the scale table's value."""
    interval: int
    """Years between step increases: 3 for university-level groups (A), 2 below."""
    seniority: int
    job: str


@dataclass(frozen=True, slots=True)
class Post:
    code: str
    name: str
    allowance: Decimal


@dataclass(frozen=True, slots=True)
class Workplace:
    """What the generator needs to know about one organisation people work in."""

    org: OrgSpec
    org_id: int
    source_id: str
    categories: Weighted[Category]
    grades: Mapping[Category, Sequence[Weighted[Grade]]]
    """Per category, the grades open to people by seniority band (see seniority_band)."""
    posts: Weighted[Post] | None
    fields: Sequence[str]
    local_births: float
    """Share of its people born in (a former part of) its province: most, in provincial bodies;
    fewer in central ones, which recruit from the whole country."""


def seniority_band(service_years: int) -> int:
    return 0 if service_years < 8 else 1 if service_years < 15 else 2


def workplaces(orgs: Sequence[OrgSpec], org_ids: Mapping[str, int] | None) -> Weighted[Workplace]:
    """The organisations with people, each drawn with its headcount weight.

    Without `org_ids` an organisation's id is its 1-based position in `orgs`: the ids an empty
    store gives them when they are inserted in that order.
    """
    grades = _grades()
    posts = _posts()
    fields: Mapping[str, Sequence[str]] = texts()["fields_of_study"]
    by_code = {org.code: org for org in orgs}
    pools: dict[tuple[Kind, Category, bool], Sequence[Weighted[Grade]]] = {}
    places = []
    for index, org in enumerate(orgs, start=1):
        if org.weight <= 0:
            continue
        role = _role(org, by_code)
        mix = _CATEGORIES[_mix_key(org.kind)]
        inspectorate = org.name.startswith("Thanh tra")
        org_grades = {}
        for category in mix:
            key = (org.kind, category, inspectorate)
            if key not in pools:
                pools[key] = _grade_bands(grades, org.kind, category, inspectorate)
            org_grades[category] = pools[key]
        matching = [
            p
            for p in posts
            if role is not None and role in _POSTS and p.name.startswith(_POSTS[role])
        ]
        places.append(
            (
                Workplace(
                    org=org,
                    org_id=org_ids[org.code] if org_ids is not None else index,
                    source_id=f"VN:GOV:{org.agency_code}:HRM",
                    categories=Weighted(mix.items()),
                    grades=org_grades,
                    posts=Weighted((p, _post_weight(p)) for p in matching) if matching else None,
                    fields=fields.get(org.kind.value, fields["office"]),
                    local_births=0.75 if _in_province(org) else 0.35,
                ),
                org.weight,
            )
        )
    return Weighted(places)


def female_share(place: Workplace, category: Category) -> float:
    if category is PUBLIC:
        return _FEMALE_PUBLIC.get(place.org.kind, _FEMALE[PUBLIC])
    return _FEMALE[category]


def civil_job(rng: random.Random, grade: Grade | None, category: Category) -> str:
    if category is CONTRACT or grade is None:
        return str(rng.choice(texts()["contract_jobs"]))
    if grade.category == CIVIL.value and grade.code.startswith("01."):
        return str(rng.choice(texts()["civil_jobs"]))
    return grade.job


def _in_province(org: OrgSpec) -> bool:
    return org.agency_code.rsplit(".", 1)[-1].startswith("H")


def _mix_key(kind: Kind) -> str:
    if kind.value in _CATEGORIES:
        return kind.value
    return "service" if kind in SERVICE_KINDS else "office"


def _role(org: OrgSpec, by_code: Mapping[str, OrgSpec]) -> str | None:
    """Which posts an organisation has, from its kind and what it sits under."""
    if org.kind in (Kind.AGENCY, Kind.PROVINCE, Kind.COMMUNE, Kind.HOSPITAL):
        return org.kind.value
    if org.kind in (Kind.UPPER_SCHOOL, Kind.LOWER_SCHOOL, Kind.PRIMARY_SCHOOL, Kind.PRESCHOOL):
        return "school"
    if org.kind is not Kind.OFFICE:
        return None
    if _in_province(org):
        return "province_office"
    parent = by_code.get(org.parent_code or "")
    return "department" if parent is not None and parent.kind is Kind.AGENCY else "section"


def _grades() -> list[Grade]:
    scales = {e["code"]: e for e in load_code_list("salary_scales").entries}
    grades = []
    for entry in load_code_list("grades").entries:
        scale = scales[entry["scale"]]
        group = scale["group"]
        grades.append(
            Grade(
                code=entry["code"],
                category=entry["category"],
                scale=scale["code"],
                group=group,
                steps=tuple(coefficient for _, coefficient in salary_steps(scale)),
                interval=3 if group.startswith("A") else 2,
                seniority=_GROUP_SENIORITY.get(group, 0),
                job=_job_of(entry["name"]),
            )
        )
    return grades


def _job_of(title: str) -> str:
    """'Giáo viên trung học phổ thông hạng II' -> 'Giáo viên trung học phổ thông'."""
    for marker in (" (hạng", " hạng "):
        if marker in title:
            title = title[: title.index(marker)]
    for prefix in ("Bác sĩ", "Giảng viên", "Nghiên cứu viên"):
        if title.startswith(prefix):
            return prefix
    return title


def _grade_bands(
    grades: Sequence[Grade], kind: Kind, category: Category, inspectorate: bool
) -> Sequence[Weighted[Grade]]:
    if category is CONTRACT:
        return ()
    if category is PUBLIC:
        prefixes = _TITLES.get(kind, ("V.05", "V.10"))
        pool = [g for g in grades if g.category == PUBLIC.value and g.code.startswith(prefixes)]
    else:
        # cadres hold civil-service grades too; inspection grades only in inspectorates
        sectors = ("01.", "06.", "04.") if inspectorate else ("01.", "06.")
        pool = [g for g in grades if g.category == CIVIL.value and g.code.startswith(sectors)]
    if not pool:
        raise ValueError(f"grades.yaml has no grade for {category} in a {kind}")

    def weight(grade: Grade, band: int) -> float:
        if grade.seniority > (0, 8, 15)[band]:
            return 0.0
        # accountants and inspectors are a minority beside general specialists
        sector = 0.08 if grade.code.startswith("06.") else 1.0
        return _GROUP_WEIGHT.get(grade.group, 0.1) * sector

    bands = []
    for band in range(3):
        pairs = [(g, weight(g, band)) for g in pool]
        if not any(w > 0 for _, w in pairs):  # nothing junior enough: take the most junior
            junior = min(pool, key=lambda g: g.seniority)
            pairs = [(junior, 1.0)]
        bands.append(Weighted(pairs))
    return bands


def _posts() -> list[Post]:
    return [
        Post(code=e["code"], name=e["name"], allowance=e["allowance_coefficient"])
        for e in load_code_list("positions").entries
    ]


def _post_weight(post: Post) -> float:
    """Deputies and section heads outnumber the heads above them."""
    if post.allowance <= 0:  # a minister, on a position salary of their own
        return 0.05
    return float(1 / max(post.allowance, Decimal("0.15")) ** 2)
