"""The scorecard's figures from facts, hand-computed, on Viet Nam's working-day calendar.

Tết Bính Ngọ 2026: Monday 16 to Friday 20 February are days off, so the weekend before and after
join them into nine days without a working day (vocabulary/data/vn_public_holidays.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from analytics.scorecard import (
    DEFAULT_THRESHOLDS,
    AgencyFacts,
    Breach,
    Run,
    lag_working_days,
    score,
)
from vocabulary.working_days import vietnam_calendar

VN = timezone(timedelta(hours=7))
CAL = vietnam_calendar()


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=VN)


def facts(**changes: Any) -> AgencyFacts:
    base: Mapping[str, Any] = dict(
        agency_code="000.00.00.H40",
        organization_id=1,
        level="province",
        sources=("VN:GOV:000.00.00.H40:HRM",),
        runs=[Run(at("2026-02-25", 8), at("2026-02-25", 9), "ok", "VN:GOV:000.00.00.H40:HRM")],
        ever_ran=True,
        last_success_at=at("2026-02-25", 9),
        arrivals=[],
        outstanding=[],
        people=100,
        complete_by_group={1: 100, 4: 100, 6: 100},
        complete_all=100,
        rejected_records=0,
        rejected_by_rule={},
        cross_field_records=0,
        identity_mismatches=0,
        open_conflicts=0,
        oldest_reject_seen=None,
        coded_values=400,
        unmapped_values=0,
    )
    return AgencyFacts(**{**base, **changes})


def test_a_change_made_before_tet_and_served_after_it_can_still_be_on_time() -> None:
    # Friday 13 Feb -> Tuesday 24 Feb: eleven calendar days, two working days (23, 24)
    assert lag_working_days(CAL, at("2026-02-13"), at("2026-02-24")) == 2
    # Thursday 12 Feb -> Wednesday 25 Feb: 13, 23, 24, 25 are four working days: late
    assert lag_working_days(CAL, at("2026-02-12"), at("2026-02-25")) == 4


def test_the_lag_is_counted_in_viet_nam_time_not_utc() -> None:
    # 18:00 UTC on Monday 2 March is 01:00 on Tuesday 3 March in Ha Noi
    changed = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    arrived = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assert lag_working_days(CAL, changed, arrived) == 3  # 4, 5, 6 March


def test_the_share_within_three_working_days_over_tet() -> None:
    card = score(
        facts(
            arrivals=[
                (at("2026-02-13"), at("2026-02-24")),  # 2 working days
                (at("2026-02-12"), at("2026-02-25")),  # 4: late
                (at("2026-02-23"), at("2026-02-23", 15)),  # same day: 0
            ]
        ),
        date(2026, 2, 25),
        CAL,
    )
    assert card.changes == 3
    assert card.within_deadline_share == Decimal("0.6667")
    assert card.detail["lag_histogram"] == {"0": 1, "1": 0, "2": 1, "3": 0, "4+": 1}
    assert Breach.LATE in card.breaches


def test_a_change_still_held_back_past_three_working_days_is_late() -> None:
    card = score(facts(outstanding=[at("2026-02-12")]), date(2026, 2, 25), CAL)
    assert card.oldest_outstanding_days == 4
    assert card.within_deadline_share is None  # nothing arrived: no share, not 100 %
    assert card.breaches == (Breach.LATE,)


def test_a_clean_agency_breaks_nothing() -> None:
    card = score(facts(), date(2026, 2, 25), CAL)
    assert card.breaches == ()
    assert card.complete_share == Decimal("1.0000")
    assert card.reject_rate == Decimal("0.0000")


def test_an_agency_never_connected_is_named_so_not_stale() -> None:
    card = score(
        facts(runs=[], ever_ran=False, last_success_at=None, people=0, complete_all=0,
              complete_by_group={}, coded_values=0),
        date(2026, 2, 25),
        CAL,
    )  # fmt: skip
    assert card.breaches == (Breach.NEVER_CONNECTED,)
    assert not card.connected
    assert card.complete_share is None
    assert card.reject_rate is None


def test_no_successful_run_for_more_than_three_working_days_is_stale() -> None:
    # last success on Thursday 12 February; on Wednesday 25th that is 4 working days ago
    failed = Run(at("2026-02-24"), at("2026-02-24", 11), "failed", "VN:GOV:000.00.00.H40:HRM")
    card = score(facts(last_success_at=at("2026-02-12"), runs=[failed]), date(2026, 2, 25), CAL)
    assert card.breaches == (Breach.STALE,)
    assert card.failed_runs == 1


def test_correct_clean_complete_and_unified_measures() -> None:
    card = score(
        facts(
            people=97,
            complete_all=90,
            complete_by_group={1: 97, 4: 95, 6: 90},
            # the two records held back by "mandatory" lack an identity field and are not held
            lacking_by_group={1: 2},
            lacking_any=2,
            corrections_by_rule={"invisible_removed": 3, "double_decoding_repaired": 1},
            rejected_records=3,
            rejected_by_rule={"mandatory": 2, "personal_id_gender": 1},
            cross_field_records=1,
            open_conflicts=1,
            oldest_reject_seen=at("2026-02-23"),
            coded_values=199,
            unmapped_values=1,
        ),
        date(2026, 2, 25),
        CAL,
    )
    assert card.reject_rate == Decimal("0.0300")  # 3 of 97 + 3 records
    assert card.detail["rejects_by_rule"] == {
        "mandatory": {"records": 2, "rate": "0.0200"},
        "personal_id_gender": {"records": 1, "rate": "0.0100"},
    }
    # đủ over the people held and the records held back for a missing mandatory field
    assert card.complete_share == Decimal("0.9091")  # 90 / (97 + 2)
    assert card.detail["complete_by_group"] == {
        "1": "0.9798",  # 97 / 99
        "4": "0.9794",  # 95 / 97
        "6": "0.9278",  # 90 / 97
    }
    assert card.detail["normalisation_corrections"] == 4  # corrections do not break sạch
    assert card.detail["corrections_by_rule"] == {
        "double_decoding_repaired": 1,
        "invisible_removed": 3,
    }
    assert card.unmapped_share == Decimal("0.0050")  # 1 of 200: under the 1 % threshold
    assert card.oldest_reject_days == 2  # 24, 25 February
    assert card.cross_field_violations == 1
    assert card.breaches == (Breach.INCOMPLETE, Breach.INCORRECT, Breach.UNCLEAN)


def test_thresholds_are_arguments() -> None:
    strict = replace(DEFAULT_THRESHOLDS, unmapped_share=Decimal("0.001"))
    card = score(facts(coded_values=199, unmapped_values=1), date(2026, 2, 25), CAL, strict)
    assert card.breaches == (Breach.UNUNIFIED,)
