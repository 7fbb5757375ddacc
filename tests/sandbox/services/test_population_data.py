"""How the simulated population database differs from the store: the usual variants only."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.services.population_data import citizen_row, respell, shifted_birth_date


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("Nguyễn Thị Thủy", "Nguyễn Thị Thuỷ"),  # old tone placement -> new
        ("Nguyễn Thị Thuỷ", "Nguyễn Thị Thủy"),  # and back
        ("Trần Văn Hòa", "Trần Văn Hoà"),
        ("Lê Thị Xòe", "Lê Thị Xoè"),
        ("Lê Thị Mỹ", "Lê Thị Mĩ"),  # y/i
        ("Lý Văn Tài", "Lí Văn Tài"),  # the family name when nothing else has a variant
        ("Nguyễn Văn Quý", "Nguyễn Văn Quí"),  # qu is a consonant: the tone stays on y
        ("Trần Duy", None),  # "Dui" is no spelling of Duy
        ("Nguyễn Văn Hoàn", None),  # a final consonant: both orthographies agree
        ("Nguyễn Thị An", None),  # Thị is never Thỵ
    ],
)
def test_names_are_respelt_only_in_the_other_accepted_orthography(
    name: str, variant: str | None
) -> None:
    assert respell(name) == variant


@pytest.mark.parametrize(
    ("birth", "shifted"),
    [
        (date(1990, 3, 7), date(1990, 7, 3)),  # day and month swapped
        (date(1990, 3, 25), date(1990, 1, 1)),  # no such swap: 1 January of the year
        (date(1990, 5, 5), date(1990, 1, 1)),  # swapping changes nothing
        (date(1990, 1, 1), date(1990, 1, 2)),
    ],
)
def test_birth_dates_shift_the_way_old_records_got_them_wrong(birth: date, shifted: date) -> None:
    assert shifted_birth_date(birth) == shifted


PERSON = {
    "personal_id": "001090012345",
    "full_name": "Nguyễn Thị Thủy",
    "birth_date": date(1990, 3, 7),
    "gender": "female",
    "permanent_address": "Số 1 đường Lê Lợi, Phường Hoàn Kiếm, thành phố Hà Nội",
}


def test_without_a_mismatch_share_the_citizen_is_the_store_person() -> None:
    citizen = citizen_row(PERSON, seed=1, mismatch_share=0.0)
    assert (citizen.full_name, citizen.birth_date, citizen.mismatch) == (
        "Nguyễn Thị Thủy",
        date(1990, 3, 7),
        None,
    )


def test_a_mismatch_is_named_and_the_same_every_time() -> None:
    citizen = citizen_row(PERSON, seed=1, mismatch_share=1.0)
    assert citizen == citizen_row(PERSON, seed=1, mismatch_share=1.0)
    if citizen.mismatch == "name":
        assert citizen.full_name == "Nguyễn Thị Thuỷ"
    else:
        assert citizen.mismatch == "birth_date"
        assert citizen.birth_date == date(1990, 7, 3)
