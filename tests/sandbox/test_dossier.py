"""The sandbox's dossier lists are consistent: families whose ages agree, histories without
overlaps, armed-forces service for a share (mostly men), the person's own rating kept."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import asyncpg

from sandbox.dossier import COLUMNS, Holder, dossier_rows
from sandbox.seed import seed_store
from store.database import sync_free_dsn


def _holder(rng: random.Random, number: int) -> Holder:
    birth = date(rng.randint(1966, 2002), rng.randint(1, 12), rng.randint(1, 28))
    recruited = date(birth.year + rng.randint(21, 35), rng.randint(1, 12), 1)
    return Holder(
        id=number,
        family_name="Nguyễn",
        gender=rng.choice(("male", "female")),
        birth_date=birth,
        recruited_on=min(recruited, date(2026, 1, 1)),
        category=rng.choice(("cadre", "civil_servant", "public_employee")),
        performance_rating="excellent",
        performance_year=2025,
        home_town="Nghệ An",
        current_address="Hà Nội",
        source_id="VN:GOV:000.00.00.G09:hrm",
        source_record_id=str(number),
        source_version="1",
    )


def _people(count: int) -> list[tuple[Holder, dict[str, list[tuple[object, ...]]]]]:
    rng = random.Random(17)
    people = [_holder(rng, n) for n in range(count)]
    return [(p, dossier_rows(random.Random(p.id), p)) for p in people]


def _named(table: str, row: tuple[object, ...]) -> dict[str, object]:
    return dict(zip(COLUMNS[table], row, strict=True))


def test_family_ages_agree_with_the_person_and_each_other() -> None:
    for person, rows in _people(500):
        born = person.birth_date.year
        family = [_named("dossier_family_member", r) for r in rows["dossier_family_member"]]
        by_relation: dict[object, list[dict[str, object]]] = {}
        for member in family:
            by_relation.setdefault(member["relation"], []).append(member)
        [father], [mother] = by_relation["father"], by_relation["mother"]
        assert 18 <= born - int(str(father["birth_year"])) <= 45
        assert born - int(str(mother["birth_year"])) >= 18
        assert str(father["full_name"]).startswith(person.family_name)
        for sibling in by_relation.get("sibling", []):
            assert int(str(sibling["birth_year"])) - int(str(mother["birth_year"])) >= 18
        spouses = by_relation.get("spouse", [])
        assert len(spouses) <= 1
        for child in by_relation.get("child", []):
            [spouse] = spouses  # children only to a couple
            youngest_parent = max(born, int(str(spouse["birth_year"])))
            assert int(str(child["birth_year"])) - youngest_parent >= 18
            assert int(str(child["birth_year"])) < 2026 + 1


def test_personal_history_has_no_overlaps_and_ends_in_the_present_post() -> None:
    for person, rows in _people(500):
        periods = sorted(rows["dossier_history_period"], key=lambda p: p[0])  # type: ignore[arg-type,return-value]
        for earlier, later in itertools.pairwise(periods):
            assert earlier[1] is not None
            assert later[0] == earlier[1] + timedelta(days=1)  # type: ignore[operator]
        assert periods[-1][1] is None
        assert periods[-1][0] == person.recruited_on


def test_armed_forces_service_for_a_share_mostly_men_within_the_history() -> None:
    served = {"male": 0, "female": 0}
    counted = {"male": 0, "female": 0}
    for person, rows in _people(2000):
        counted[person.gender] += 1
        for enlisted, discharged, _rank, _unit in rows["dossier_military_service"]:
            served[person.gender] += 1
            assert (enlisted, discharged) in {(p[0], p[1]) for p in rows["dossier_history_period"]}
    assert 0.1 < served["male"] / counted["male"] < 0.3
    assert served["female"] / counted["female"] < 0.05


def test_the_rating_of_the_persons_rating_year_is_the_persons_own() -> None:
    for _person, rows in _people(200):
        ratings = dict(rows["dossier_annual_rating"])  # type: ignore[arg-type]
        if 2025 in ratings:
            assert ratings[2025] == "excellent"


async def test_seeding_writes_every_list_within_the_stores_constraints(
    fresh_store_url: str,
) -> None:
    await seed_store(fresh_store_url, 300, 2026, progress=False)
    conn = await asyncpg.connect(sync_free_dsn(fresh_store_url))
    try:
        counts = {
            table: await conn.fetchval(f"SELECT count(DISTINCT person_id) FROM {table}")
            for table in COLUMNS
        }
        orphans = await conn.fetchval(
            "SELECT count(*) FROM person p WHERE NOT EXISTS"
            " (SELECT 1 FROM dossier_family_member f WHERE f.person_id = p.id)"
        )
        provenance = await conn.fetchrow(
            "SELECT f.source_id = p.source_id AS same_source,"
            " f.source_record_id LIKE p.source_record_id || '/family_member/%' AS linked"
            " FROM dossier_family_member f JOIN person p ON p.id = f.person_id LIMIT 1"
        )
    finally:
        await conn.close()
    assert orphans == 0
    assert counts["dossier_health_record"] == 300
    assert 0 < counts["dossier_military_service"] < 150
    assert all(counts[t] > 0 for t in COLUMNS if t != "dossier_discipline")
    assert provenance["same_source"]
    assert provenance["linked"]
