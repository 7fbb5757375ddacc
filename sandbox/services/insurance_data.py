"""The simulated social insurance database (BHXH), built from the store's people.

Each person has a 10-digit insurance number and contribution periods: from recruitment, split
at every change of the base salary (the salary basis is coefficient × base salary), closed when
the person left; some began with a period at a private employer. Contract staff, who have no
coefficient, contribute on a wage of their own. Pure rules (periods_of, insurance_number) and
a builder that writes schema `insurance`.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox.draw import add_years, date_between
from sandbox.services.truth import all_people

# Base salary (lương cơ sở / lương tối thiểu chung), VND a month, by the day it took effect
# (decrees on the base salary; unverified here beyond 2,340,000 from 1 July 2024, STANDARD.md).
BASE_SALARY: tuple[tuple[date, int], ...] = (
    (date(2006, 10, 1), 450_000),
    (date(2008, 1, 1), 540_000),
    (date(2009, 5, 1), 650_000),
    (date(2010, 5, 1), 730_000),
    (date(2011, 5, 1), 830_000),
    (date(2012, 5, 1), 1_050_000),
    (date(2013, 7, 1), 1_150_000),
    (date(2016, 5, 1), 1_210_000),
    (date(2017, 7, 1), 1_300_000),
    (date(2018, 7, 1), 1_390_000),
    (date(2019, 7, 1), 1_490_000),
    (date(2023, 7, 1), 1_800_000),
    (date(2024, 7, 1), 2_340_000),
)
_NUMBERS = 10**10
_MULTIPLIER = 7919  # coprime with 10**10: index -> number is a bijection, numbers never repeat
PRIVATE_START_SHARE = 0.25
PRIVATE_EMPLOYERS = (
    "Công ty TNHH Thương mại Dịch vụ Minh Phát",
    "Công ty Cổ phần Xây dựng Hòa Bình",
    "Công ty TNHH Phần mềm Sao Việt",
    "Công ty Cổ phần Vận tải Hoàng Long",
)

DDL = [
    "CREATE SCHEMA insurance",
    """CREATE TABLE insurance.participant (
        personal_id text PRIMARY KEY,
        insurance_number text NOT NULL UNIQUE)""",
    """CREATE TABLE insurance.contribution (
        insurance_number text NOT NULL REFERENCES insurance.participant (insurance_number),
        period_no integer NOT NULL,
        start_on date NOT NULL,
        end_on date,
        employer text NOT NULL,
        salary_basis bigint NOT NULL,
        PRIMARY KEY (insurance_number, period_no))""",
]


CONTRIBUTION_COLUMNS = (
    "insurance_number", "period_no", "start_on", "end_on", "employer", "salary_basis",
)  # fmt: skip


CONTRIBUTION_COLUMNS = (
    "insurance_number", "period_no", "start_on", "end_on", "employer", "salary_basis",
)  # fmt: skip


@dataclass(frozen=True)
class Period:
    start: date
    end: date | None
    employer: str
    salary_basis: int


def insurance_number(index: int, seed: int) -> str:
    """The number of the `index`-th participant (by personal ID): unique for index < 10**10."""
    return f"{(index * _MULTIPLIER + _offset(seed)) % _NUMBERS:010d}"


@functools.cache
def _offset(seed: int) -> int:
    return random.Random(f"insurance:{seed}").randrange(_NUMBERS)  # noqa: S311 (synthetic)


def base_salary_on(day: date) -> int:
    amount = BASE_SALARY[0][1]
    for since, value in BASE_SALARY:
        if since <= day:
            amount = value
    return amount


def periods_of(person: Mapping[str, Any], employer: str, seed: int) -> list[Period]:
    rng = random.Random(f"insurance:{seed}:{person['personal_id']}")  # noqa: S311 (synthetic)
    recruited: date = person["recruited_on"] or add_years(person["birth_date"], 22)
    end: date | None = person["status_since"] if person["status"] != "active" else None
    periods: list[Period] = []
    if rng.random() < PRIVATE_START_SHARE and recruited > add_years(person["birth_date"], 24):
        start = date_between(rng, add_years(person["birth_date"], 22), recruited - timedelta(30))
        wage = rng.randrange(30, 90) * 100_000
        periods.append(Period(start, recruited - timedelta(1), rng.choice(PRIVATE_EMPLOYERS), wage))
    coefficient: Decimal | None = person["salary_coefficient"]
    if coefficient is None:
        wage = rng.randrange(45, 90) * 100_000
        periods.append(Period(recruited, end, employer, wage))
        return periods
    starts = [recruited] + [
        since for since, _ in BASE_SALARY if recruited < since and (end is None or since <= end)
    ]
    for index, start in enumerate(starts):
        stop = starts[index + 1] - timedelta(1) if index + 1 < len(starts) else end
        basis = int(coefficient * base_salary_on(start))
        periods.append(Period(start, stop, employer, basis))
    return periods


async def build_insurance_database(store: Any, target: Any, *, seed: int) -> int:
    """(Re)creates schema `insurance` in the target's database; returns the participants."""
    people: Sequence[Mapping[str, Any]] = await all_people(store)  # by personal ID
    participants = []
    contributions = []
    for index, person in enumerate(people):
        number = insurance_number(index, seed)
        participants.append((person["personal_id"], number))
        for period_no, period in enumerate(
            periods_of(person, person["organization_name"], seed), start=1
        ):
            contributions.append(
                (number, period_no, period.start, period.end, period.employer, period.salary_basis)
            )
    async with target.transaction():
        await target.execute("DROP SCHEMA IF EXISTS insurance CASCADE")
        for statement in DDL:
            await target.execute(statement)
        await target.copy_records_to_table(
            "participant",
            schema_name="insurance",
            records=participants,
            columns=("personal_id", "insurance_number"),
        )
        await target.copy_records_to_table(
            "contribution",
            schema_name="insurance",
            records=contributions,
            columns=CONTRIBUTION_COLUMNS,
        )
    return len(participants)
