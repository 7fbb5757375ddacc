"""Synthetic people, one row at a time: realistic, deterministic for a seed, in bounded memory.

`iter_people` yields tuples in the column order of store.person_row.PERSON_COLUMNS, ready for
PostgreSQL COPY.
Nothing is remembered per person: personal IDs are unique by construction (see
sandbox.identity.PersonalIds), so 2.5 million rows cost no more memory than one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from sandbox.careers import (
    CADRE,
    CIVIL,
    CONTRACT,
    PUBLIC,
    Grade,
    Post,
    Workplace,
    civil_job,
    female_share,
    seniority_band,
    workplaces,
)
from sandbox.datafiles import texts
from sandbox.draw import REFERENCE_DATE, Weighted, add_years, date_between, full_years
from sandbox.identity import Names, PersonalIds, Places, ethnic_groups, religions
from sandbox.organizations import OrgSpec
from store.person_row import content_hash
from store.vocabulary import PersonnelCategory as Category

PERFORMANCE_YEAR = 2025

_RATINGS = Weighted((("excellent", 10), ("good", 60), ("completed", 29), ("not_completed", 1)))
_PARTY_SHARE = {CADRE: 0.85, CIVIL: 0.4, PUBLIC: 0.25, CONTRACT: 0.05}
_POST_SHARE = {CADRE: 0.6, CIVIL: 0.1, PUBLIC: 0.1, CONTRACT: 0.0}
_LEVELS = {
    "A3": Weighted((("doctorate", 45), ("master", 50), ("bachelor", 5))),
    "A2": Weighted((("doctorate", 8), ("master", 45), ("bachelor", 47))),
    "A1": Weighted((("master", 15), ("bachelor", 85))),
    "A0": Weighted((("college", 80), ("bachelor", 20))),
    "B": Weighted((("intermediate", 85), ("college", 15))),
    "C": Weighted((("intermediate", 60), ("none", 40))),
    None: Weighted((("bachelor", 30), ("college", 15), ("intermediate", 30), ("none", 25))),
}
_THEORY = {
    "A3": Weighted((("advanced", 85), ("intermediate", 15))),
    "A2": Weighted((("advanced", 30), ("intermediate", 60), ("elementary", 10))),
    "A1": Weighted((("intermediate", 20), ("elementary", 45), ("none", 35))),
    None: Weighted((("elementary", 30), ("none", 70))),
}
_MANAGEMENT = {
    "A3": "senior_specialist",
    "A2": "principal_specialist",
    "A1": "specialist",
}


def iter_people(
    rng_seed: int,
    count: int,
    orgs: Sequence[OrgSpec],
    org_ids: Mapping[str, int] | None = None,
) -> Iterator[tuple[object, ...]]:
    """`count` people working in the active organisations of `orgs`, by their weights.

    `org_ids` maps organisation codes to store ids; without it an organisation's id is its
    1-based position in `orgs` (what an empty store assigns when they are inserted in order).
    """
    # a stream of its own: the organisations may be built from a Random of the same seed
    rng = random.Random(f"people:{rng_seed}")  # noqa: S311 (synthetic data, not secrets)
    generator = _Generator(rng, workplaces(orgs, org_ids))
    for _ in range(count):
        yield generator.person()


class _Generator:
    def __init__(self, rng: random.Random, places: Weighted[Workplace]) -> None:
        self.rng = rng
        self.places = places
        self.ethnic_groups = ethnic_groups()
        self.religions = religions()
        self.names = Names(self.ethnic_groups)
        self.geography = Places()
        self.ids = PersonalIds(offset=rng.randrange(1_000_000))
        self.record_numbers: dict[str, int] = {}
        self.languages: Weighted[str] = Weighted(texts()["foreign_languages"].items())
        self.it_skills: Weighted[str] = Weighted(texts()["it_skills"].items())

    def person(self) -> tuple[object, ...]:
        rng = self.rng
        place = self.places.pick(rng)
        org = place.org
        category = place.categories.pick(rng)
        female = rng.random() < female_share(place, category)

        # ages 18 to 62 on the reference date; women retire earlier, contract staff start younger
        if category is CONTRACT:
            age = 18 + int(44 * rng.betavariate(1.6, 2.2))
        else:
            age = 22 + int((36 if female else 40) * rng.betavariate(2.0, 2.2))
        birth = date(REFERENCE_DATE.year - age - 1, 7, 2) + timedelta(days=rng.randrange(365))

        ethnicity = self.ethnic_groups.pick(rng)
        name = self.names.draw(rng, female, ethnicity)
        birth_province = self.geography.birth_province(rng, org.province_code, place.local_births)
        personal_id = self.ids.issue(birth_province, female, birth.year)
        home = birth_province if rng.random() < 0.7 else self.geography.anywhere.pick(rng)
        permanent = self.geography.address(rng, org.province_code)
        current = (
            permanent if rng.random() < 0.8 else self.geography.address(rng, org.province_code)
        )

        recruit_age = min(age, (18 if category is CONTRACT else 22) + int(rng.expovariate(0.3)))
        start = add_years(birth, recruit_age)
        recruited_on = date_between(rng, start, min(start + timedelta(days=364), REFERENCE_DATE))
        service = full_years(recruited_on, REFERENCE_DATE)

        grade = self._grade(place, category, service)
        step, coefficient, salary_since = self._salary(grade, recruited_on, service)
        group = grade.group if grade else None
        post = self._post(place, category, age)
        position_since = None
        if post is not None:
            earliest = max(add_years(recruited_on, 3), add_years(birth, 28))
            position_since = date_between(rng, min(earliest, REFERENCE_DATE), REFERENCE_DATE)

        level = _LEVELS.get(group, _LEVELS[None]).pick(rng)
        theory, management = self._training(category, group, post)
        rated = recruited_on <= date(PERFORMANCE_YEAR, 6, 30)
        party_joined, party_official = self._party(category, post, birth, age)
        union = None
        if category is not CONTRACT or rng.random() < 0.5:
            latest = min(recruited_on + timedelta(days=365), REFERENCE_DATE)
            union = date_between(rng, recruited_on, latest)
        youth = date_between(rng, add_years(birth, 16), add_years(birth, 18))
        status, status_since = self._status(female, age, recruited_on)

        agency = org.agency_code
        number = self.record_numbers.get(agency, 0) + 1
        self.record_numbers[agency] = number
        language = self.languages.pick(rng)
        skill = self.it_skills.pick(rng)
        row = (
            personal_id,
            name.full,
            name.family,
            name.middle,
            name.given,
            rng.choice(self.names.given["female" if female else "male"].values)
            if rng.random() < 0.003
            else None,
            name.search,
            name.sort,
            "female" if female else "male",
            birth,
            self.geography.old_names[birth_province],
            self.geography.old_names[home],
            ethnicity,
            self.religions.pick(rng),
            permanent,
            current,
            category.value,
            status,
            status_since,
            recruited_on,
            post.code if post else None,
            position_since,
            "10/10" if birth.year < 1975 and rng.random() < 0.3 else "12/12",
            level,
            rng.choice(place.fields) if level != "none" else None,
            theory,
            management,
            language or None,
            skill or None,
            place.org_id,
            post.name if post else civil_job(rng, grade, category),
            grade.code if grade else None,
            grade.scale if grade else None,
            step,
            coefficient,
            salary_since,
            _RATINGS.pick(rng) if rated else None,
            PERFORMANCE_YEAR if rated else None,
            party_joined,
            party_official,
            union,
            youth if rng.random() < 0.75 else None,
            place.source_id,
            f"NV-{number:07d}",
            "1",
        )
        return (*row, content_hash(row, org.code))

    def _grade(self, place: Workplace, category: Category, service: int) -> Grade | None:
        bands = place.grades.get(category)
        if not bands:
            return None
        return bands[seniority_band(service)].pick(self.rng)

    def _salary(
        self, grade: Grade | None, recruited_on: date, service: int
    ) -> tuple[int | None, Decimal | None, date | None]:
        if grade is None:
            return None, None, None
        in_grade = max(0, service - grade.seniority)
        step = min(len(grade.steps), 1 + in_grade // grade.interval)
        if step > 1 and self.rng.random() < 0.05:  # a step held back by a disciplinary measure
            step -= 1
        since = add_years(recruited_on, min(service, grade.seniority) + (step - 1) * grade.interval)
        return step, grade.steps[step - 1], since

    def _post(self, place: Workplace, category: Category, age: int) -> Post | None:
        if place.posts is None or age < 30 or self.rng.random() >= _POST_SHARE[category]:
            return None
        return place.posts.pick(self.rng)

    def _training(
        self, category: Category, group: str | None, post: Post | None
    ) -> tuple[str, str]:
        """Political theory and state management: what posts and senior grades require."""
        if post is not None and (post.allowance >= 1 or post.allowance == 0):
            theory = "advanced"
        elif post is not None or category is CADRE:
            theory = "intermediate" if self.rng.random() < 0.7 else "advanced"
        else:
            theory = _THEORY.get(group, _THEORY[None]).pick(self.rng)
        management = _MANAGEMENT.get(group or "", "none")
        if category is CONTRACT or (category is PUBLIC and self.rng.random() < 0.6):
            management = "none"
        return theory, management

    def _party(
        self, category: Category, post: Post | None, birth: date, age: int
    ) -> tuple[date | None, date | None]:
        share = 0.95 if post is not None else _PARTY_SHARE[category]
        if self.rng.random() >= share:
            return None, None
        latest = min(add_years(birth, max(18, min(age, 40))), REFERENCE_DATE)
        joined = date_between(self.rng, add_years(birth, 18), latest)
        official = add_years(joined, 1)  # after twelve months as a probationary member
        return joined, official if official <= REFERENCE_DATE else None

    def _status(self, female: bool, age: int, recruited_on: date) -> tuple[str, date | None]:
        roll = self.rng.random()
        if age >= (56 if female else 60) and roll < 0.3:
            return "retired", self._since(recruited_on, date(2024, 1, 1))
        if roll > 0.99:
            return "transferred", self._since(recruited_on, date(2025, 7, 1))
        if roll > 0.985:
            return "resigned", self._since(recruited_on, date(2025, 1, 1))
        return "active", None

    def _since(self, recruited_on: date, earliest: date) -> date:
        return date_between(self.rng, max(recruited_on, earliest), REFERENCE_DATE)
