"""Contribution periods of the simulated social insurance database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sandbox.services.insurance_data import base_salary_on, insurance_number, periods_of

PERSON = {
    "personal_id": "001090012345",
    "birth_date": date(1990, 3, 7),
    "recruited_on": date(2018, 9, 1),
    "status": "active",
    "status_since": None,
    "salary_coefficient": Decimal("2.67"),
}


def test_the_base_salary_is_the_one_in_force_on_the_day() -> None:
    assert base_salary_on(date(2024, 6, 30)) == 1_800_000
    assert base_salary_on(date(2024, 7, 1)) == 2_340_000
    assert base_salary_on(date(1999, 1, 1)) == 450_000  # before the table: its first value


def test_periods_split_at_every_base_salary_change_and_the_last_is_open() -> None:
    periods = [p for p in periods_of(PERSON, "Sở Nội vụ", seed=1) if p.employer == "Sở Nội vụ"]
    assert [p.start for p in periods] == [
        date(2018, 9, 1), date(2019, 7, 1), date(2023, 7, 1), date(2024, 7, 1),
    ]  # fmt: skip
    assert periods[-1].end is None
    assert periods[-1].salary_basis == int(Decimal("2.67") * 2_340_000)


def test_someone_who_left_stops_contributing_on_that_day() -> None:
    left = {**PERSON, "status": "retired", "status_since": date(2023, 12, 31)}
    periods = periods_of(left, "Sở Nội vụ", seed=1)
    assert periods[-1].end == date(2023, 12, 31)
    assert all(p.start <= date(2023, 12, 31) for p in periods)


def test_contract_staff_contribute_on_a_wage_of_their_own() -> None:
    contract = {**PERSON, "salary_coefficient": None}
    current = periods_of(contract, "Sở Nội vụ", seed=1)[-1]
    assert current.start == date(2018, 9, 1)
    assert 4_500_000 <= current.salary_basis < 9_000_000


def test_insurance_numbers_never_repeat() -> None:
    numbers = {insurance_number(index, seed=5) for index in range(20_000)}
    assert len(numbers) == 20_000
    assert all(len(n) == 10 and n.isdigit() for n in numbers)
