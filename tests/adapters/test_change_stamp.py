"""A drop's change stamp as clerks type it or Excel stores it (adapters/change_stamp.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from adapters.change_stamp import read_change_stamp
from vocabulary.problems import Problem

VN = timezone(timedelta(hours=7))
FRIDAY_BEFORE_TET = datetime(2026, 2, 13, 16, 30, tzinfo=VN)


@pytest.mark.parametrize(
    "cell",
    [
        "13/02/2026 16:30",
        "13/02/2026 16:30:00",
        " 2026-02-13T16:30:00+07:00 ",
        "2026-02-13 16:30",  # ISO without a zone: the agency's wall clock
        "2026-02-13T09:30:00Z",
        datetime(2026, 2, 13, 16, 30),  # an XLSX date-time cell, no zone
        datetime(2026, 2, 13, 9, 30, tzinfo=UTC),
    ],
)
def test_every_form_of_the_same_moment_reads_as_that_moment(cell: object) -> None:
    assert read_change_stamp(cell) == FRIDAY_BEFORE_TET


def test_a_bare_day_is_the_start_of_that_day_on_the_agencys_clock() -> None:
    start = datetime(2026, 2, 13, tzinfo=VN)
    assert read_change_stamp("13/02/2026") == start
    assert read_change_stamp(date(2026, 2, 13)) == start


@pytest.mark.parametrize("cell", [None, "", "   "])
def test_an_empty_cell_is_not_measured(cell: object) -> None:
    assert read_change_stamp(cell) is None


@pytest.mark.parametrize("cell", ["hôm qua", "13/13/2026 10:00", "2026-02-30"])
def test_a_mistyped_stamp_is_a_date_format_problem_quoting_it(cell: str) -> None:
    problem = read_change_stamp(cell)
    assert isinstance(problem, Problem)
    assert (problem.field, problem.rule, problem.value) == (None, "date_format", cell)
    assert problem.expected is not None
    assert "dd/mm/yyyy" in problem.expected
