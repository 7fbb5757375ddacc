"""The 3-working-day clock over weekends, Tết and moved days, by hand-counted cases."""

from datetime import date

import pytest

from vocabulary.working_days import CalendarOutOfRange, vietnam_calendar


@pytest.mark.parametrize(
    ("start", "count", "deadline"),
    [
        (date(2026, 3, 2), 3, date(2026, 3, 5)),  # Monday: Tue, Wed, Thu
        (date(2026, 3, 5), 3, date(2026, 3, 10)),  # Thursday: Fri, then Mon, Tue
        (date(2026, 2, 12), 3, date(2026, 2, 24)),  # Tết Bính Ngọ 16–20/2 is not counted
        (date(2026, 4, 24), 1, date(2026, 4, 28)),  # Hùng Kings' day off moved to Monday 27/4
        (date(2026, 4, 29), 2, date(2026, 5, 5)),  # 30/4 and 1/5, then the weekend
        (date(2025, 4, 25), 1, date(2025, 4, 26)),  # Saturday 26/4/2025 worked for 2/5
        (date(2025, 12, 30), 2, date(2026, 1, 2)),  # New Year's Day across the year's end
        (date(2026, 3, 7), 0, date(2026, 3, 7)),
    ],
)
def test_deadline_is_counted_in_working_days(start: date, count: int, deadline: date) -> None:
    assert vietnam_calendar().add_working_days(start, count) == deadline


def test_days_between_is_the_inverse_of_adding() -> None:
    calendar = vietnam_calendar()
    start = date(2026, 2, 10)
    for count in range(12):
        end = calendar.add_working_days(start, count)
        assert calendar.working_days_between(start, end) == count


def test_a_date_outside_the_file_is_refused_not_guessed() -> None:
    with pytest.raises(CalendarOutOfRange, match="2031"):
        vietnam_calendar().add_working_days(date(2031, 1, 5), 3)


def test_years_not_checked_against_a_notice_are_marked() -> None:
    assert 2027 in vietnam_calendar().unverified_years
    assert 2026 not in vietnam_calendar().unverified_years
