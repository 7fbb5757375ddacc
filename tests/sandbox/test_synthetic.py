"""The synthetic national data: deterministic, realistic, and consistent with the standard."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pytest

from sandbox.draw import add_years, full_years
from sandbox.synthetic import (
    PERSON_COLUMNS,
    REFERENCE_DATE,
    OrgSpec,
    build_organizations,
    content_hash,
    iter_people,
    quota_for,
)
from store.codelists import load_code_list, salary_steps
from store.models import Person
from store.text import name_search_key, name_sort_key

SEED = 2026
ROOT = Path(__file__).parents[2]
Row = dict[str, object]


@pytest.fixture(scope="module")
def orgs() -> list[OrgSpec]:
    return build_organizations(random.Random(SEED))


@pytest.fixture(scope="module")
def people(orgs: list[OrgSpec]) -> list[Row]:
    """50,000 people as column -> value mappings (about two seconds)."""
    return [dict(zip(PERSON_COLUMNS, row, strict=True)) for row in iter_people(SEED, 50_000, orgs)]


@pytest.fixture(scope="module")
def sample(people: list[Row]) -> list[Row]:
    return people[:5_000]


def share(rows: list[Row], column: str, value: object) -> float:
    return sum(row[column] == value for row in rows) / len(rows)


# --- determinism ---------------------------------------------------------------------------------


def test_the_same_seed_gives_identical_organisations_and_people(orgs: list[OrgSpec]) -> None:
    assert build_organizations(random.Random(SEED)) == orgs
    assert list(iter_people(7, 300, orgs)) == list(iter_people(7, 300, orgs))


def test_another_seed_gives_other_people(orgs: list[OrgSpec]) -> None:
    first = list(iter_people(7, 300, orgs))
    second = list(iter_people(8, 300, orgs))
    hash_at = PERSON_COLUMNS.index("content_hash")
    assert {row[hash_at] for row in first}.isdisjoint(row[hash_at] for row in second)
    assert build_organizations(random.Random(SEED + 1)) != orgs


def test_the_same_seed_gives_the_same_rows_in_another_process() -> None:
    # string hashing is randomised per process: the output must not depend on it
    script = (
        "import hashlib, random\n"
        "from sandbox.synthetic import build_organizations, iter_people\n"
        "orgs = build_organizations(random.Random(5))\n"
        "rows = repr((orgs, list(iter_people(5, 500, orgs)))).encode()\n"
        "print(hashlib.sha256(rows).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1


def test_people_stream_one_at_a_time(orgs: list[OrgSpec]) -> None:
    rows = iter_people(SEED, 10**9, orgs)
    assert isinstance(rows, Iterator)
    assert len(list(islice(rows, 3))) == 3  # a billion would never fit in memory as a list


def test_rows_follow_the_person_table_columns() -> None:
    columns = [c.name for c in Person.__table__.columns if c.name not in ("id", "synced_at")]
    assert list(PERSON_COLUMNS) == columns


# --- names ---------------------------------------------------------------------------------------


def test_nguyen_is_38_percent_and_thi_the_commonest_female_middle_name(sample: list[Row]) -> None:
    assert share(sample, "family_name", "Nguyễn") == pytest.approx(0.38, abs=0.03)
    women = [row["middle_name"] for row in sample if row["gender"] == "female"]
    assert Counter(women).most_common(1)[0][0] == "Thị"


def test_names_are_nfc_with_search_and_sort_keys_from_store_text(sample: list[Row]) -> None:
    for row in sample:
        full = str(row["full_name"])
        assert unicodedata.normalize("NFC", full) == full
        assert full == f"{row['family_name']} {row['middle_name']} {row['given_name']}"
        assert row["name_search"] == name_search_key(full)
        assert row["name_sort"] == name_sort_key(
            str(row["family_name"]), str(row["middle_name"]), str(row["given_name"])
        )


def test_men_and_women_are_about_even_with_more_women_among_public_employees(
    people: list[Row],
) -> None:
    assert share(people, "gender", "female") == pytest.approx(0.5, abs=0.06)
    public = [row for row in people if row["category"] == "public_employee"]
    others = [row for row in people if row["category"] != "public_employee"]
    assert share(public, "gender", "female") > share(others, "gender", "female")


# --- identifiers and dates -----------------------------------------------------------------------


def test_personal_ids_agree_with_gender_birth_year_and_province(people: list[Row]) -> None:
    old_provinces = set(load_code_list("old_provinces").codes)
    for row in people:
        personal_id = str(row["personal_id"])
        birth = row["birth_date"]
        assert isinstance(birth, date)
        assert re.fullmatch(r"[0-9]{12}", personal_id)
        assert personal_id[:3] in old_provinces
        female = row["gender"] == "female"
        assert int(personal_id[3]) == 2 * (birth.year // 100 - 19) + female
        assert personal_id[4:6] == f"{birth.year % 100:02d}"


def test_personal_ids_are_unique(people: list[Row]) -> None:
    assert len({row["personal_id"] for row in people}) == len(people) == 50_000


def test_everyone_is_18_to_62_on_the_reference_date(people: list[Row]) -> None:
    ages = [full_years(row["birth_date"], REFERENCE_DATE) for row in people]
    assert min(ages) >= 18
    assert max(ages) <= 62


def test_careers_start_after_18_and_nothing_is_dated_after_the_reference_date(
    people: list[Row],
) -> None:
    for row in people:
        birth, recruited = row["birth_date"], row["recruited_on"]
        assert isinstance(birth, date)
        assert isinstance(recruited, date)
        assert add_years(birth, 18) <= recruited <= REFERENCE_DATE
        for column in ("status_since", "position_since", "salary_since", "party_joined_on"):
            value = row[column]
            assert value is None or (isinstance(value, date) and value <= REFERENCE_DATE)


# --- work, grades and salary ---------------------------------------------------------------------


def test_every_coefficient_is_the_scale_tables_value_for_its_step(people: list[Row]) -> None:
    tables = {
        entry["code"]: dict(salary_steps(entry))
        for entry in load_code_list("salary_scales").entries
    }
    paid = [row for row in people if row["salary_scale_code"] is not None]
    assert len(paid) > len(people) * 0.8
    for row in paid:
        coefficient = row["salary_coefficient"]
        assert isinstance(coefficient, Decimal)
        assert tables[str(row["salary_scale_code"])][row["salary_step"]] == coefficient


def test_grades_match_the_category_and_carry_their_scale(people: list[Row]) -> None:
    grades = load_code_list("grades").by_code
    for row in people:
        if row["category"] == "contract_worker":
            continue
        grade = grades[str(row["grade_code"])]
        expected = "civil_servant" if row["category"] == "cadre" else row["category"]
        assert grade["category"] == expected
        assert grade["scale"] == row["salary_scale_code"]


def test_categories_come_in_national_proportions(people: list[Row]) -> None:
    assert 0.60 <= share(people, "category", "public_employee") <= 0.70
    assert 0.15 <= share(people, "category", "civil_servant") <= 0.20
    assert 0.03 <= share(people, "category", "cadre") <= 0.07
    assert 0.08 <= share(people, "category", "contract_worker") <= 0.14


def test_schools_and_hospitals_employ_public_employees_and_ministries_civil_servants(
    orgs: list[OrgSpec], people: list[Row]
) -> None:
    kinds = {index: org.kind.value for index, org in enumerate(orgs, start=1)}
    by_kind: dict[str, Counter[object]] = {}
    for row in people:
        by_kind.setdefault(kinds[row["organization_id"]], Counter())[row["category"]] += 1
    for kind in ("primary_school", "upper_school", "hospital"):
        assert set(by_kind[kind]) == {"public_employee", "contract_worker"}
    assert by_kind["office"].most_common(1)[0][0] == "civil_servant"


def test_posts_ratings_and_party_membership_are_plausible(people: list[Row]) -> None:
    with_post = [row for row in people if row["position_code"] is not None]
    assert 0.05 <= len(with_post) / len(people) <= 0.11
    assert all(full_years(r["birth_date"], REFERENCE_DATE) >= 30 for r in with_post)
    rated = [row for row in people if row["performance_year"] == 2025]
    assert share(rated, "performance_rating", "excellent") == pytest.approx(0.10, abs=0.02)
    assert share(rated, "performance_rating", "not_completed") == pytest.approx(0.01, abs=0.005)
    civil = [
        row for row in people if row["category"] == "civil_servant" and not row["position_code"]
    ]
    members = sum(row["party_joined_on"] is not None for row in civil) / len(civil)
    assert members == pytest.approx(0.40, abs=0.04)
    assert share(people, "status", "active") > 0.95


def test_people_work_only_in_active_organisations(orgs: list[OrgSpec], people: list[Row]) -> None:
    status = {index: org.status for index, org in enumerate(orgs, start=1)}
    assert {status[row["organization_id"]] for row in people} == {"active"}


def test_provenance_names_the_top_level_agency_and_hashes_the_content(
    orgs: list[OrgSpec], sample: list[Row]
) -> None:
    codes = {index: org.code for index, org in enumerate(orgs, start=1)}
    agencies = {org.code for org in orgs if org.parent_code == orgs[0].code}
    for row in sample[:500]:
        source = str(row["source_id"])
        assert source.startswith("VN:GOV:")
        assert source.endswith(":HRM")
        assert source.removeprefix("VN:GOV:").removesuffix(":HRM") in agencies
        values = tuple(row.values())
        assert content_hash(values, codes[row["organization_id"]]) == row["content_hash"]
        changed = (*values[:1], "Nguyễn Văn Khác", *values[2:])
        assert content_hash(changed, codes[row["organization_id"]]) != row["content_hash"]
    assert len({row["source_record_id"] + str(row["source_id"]) for row in sample}) == len(sample)


# --- organisations -------------------------------------------------------------------------------


def test_the_tree_is_3_to_5_levels_deep_with_thousands_of_organisations(
    orgs: list[OrgSpec],
) -> None:
    by_code = {org.code: org for org in orgs}

    def levels(org: OrgSpec) -> int:
        count = 1
        while org.parent_code is not None:
            org, count = by_code[org.parent_code], count + 1
        return count

    assert 3_000 <= len(orgs) <= 6_000
    assert [org.parent_code for org in orgs].count(None) == 1
    assert 3 <= max(levels(org) for org in orgs) <= 5
    assert {org.level for org in orgs} == {"central", "ministry", "province", "commune", "unit"}
    assert sum(org.level == "province" and org.status == "active" for org in orgs) == 34


def test_codes_are_unique_well_formed_and_parents_come_first(orgs: list[OrgSpec]) -> None:
    seen: set[str] = set()
    for org in orgs:
        assert re.fullmatch(r"[0-9A-Z.]{1,35}", org.code), org.code
        assert org.code not in seen
        assert org.parent_code is None or org.parent_code in seen
        assert org.successor_code is None or org.successor_code in seen
        seen.add(org.code)
    assert {"000.00.00.G09", "000.00.00.G12", "000.00.00.G22", "000.00.00.H41"} <= seen


def test_merged_and_dissolved_organisations_keep_their_history_and_no_staff(
    orgs: list[OrgSpec],
) -> None:
    by_code = {org.code: org for org in orgs}
    ended = [org for org in orgs if org.status != "active"]
    assert {org.status for org in ended} == {"merged", "dissolved"}
    for org in ended:
        assert org.status_changed_on in (date(2025, 3, 1), date(2025, 7, 1))
        assert org.weight == 0
        if org.status == "merged":
            assert org.successor_code is not None
            assert by_code[org.successor_code].status == "active"
    for org in orgs:
        if org.status == "active":
            assert org.status_changed_on is None
            assert org.successor_code is None
    merged_into = {
        org.name: by_code[org.successor_code].name for org in ended if org.successor_code
    }
    assert merged_into["Bộ Kế hoạch và Đầu tư"] == "Bộ Tài chính"
    assert merged_into["Bộ Lao động – Thương binh và Xã hội"] == "Bộ Nội vụ"
    assert sum(o.weight for o in orgs) == pytest.approx(1.0)


def test_communes_come_from_the_code_list(orgs: list[OrgSpec]) -> None:
    communes = {org.administrative_unit_code for org in orgs if org.level == "commune"}
    assert communes == set(load_code_list("communes").codes)


# --- quotas --------------------------------------------------------------------------------------


def test_quotas_are_near_headcount_and_about_8_percent_are_below_it() -> None:
    rng = random.Random(SEED)
    headcounts = [
        (rng.randint(0, 60), rng.randint(1, 400), rng.randint(0, 40)) for _ in range(2000)
    ]
    over = 0
    for headcount in headcounts:
        quota = quota_for(rng, headcount)
        if any(q < h for q, h in zip(quota, headcount, strict=True)):
            over += 1
            assert all(q >= 0.85 * h - 1 for q, h in zip(quota, headcount, strict=True))
        else:
            assert all(q <= 1.15 * h + 1 for q, h in zip(quota, headcount, strict=True))
    assert over / len(headcounts) == pytest.approx(0.08, abs=0.02)
