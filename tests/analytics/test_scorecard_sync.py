"""The scorecard over real sync runs: a legacy agency database (the Vietnamese schema, whose
`ngay_cap_nhat` stamps every change) synced into a fresh store, then scored and read through
GraphQL. Every expectation is counted from the rows this test wrote at the agency, not from the
store: three changes stamped 30 days before they are served, three records broken on purpose.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from graphql_client import GraphQLClient
from scorecard_scenario import LATE, MISSING_GENDER, REJECTED_LATE, UNKNOWN_RELIGION

from analytics.scorecard import VIETNAM, Breach, local_day
from gateway.app import create_app
from gateway.settings import Settings
from policies.types import Caller, Level
from vocabulary.reject_catalogue import reject_catalogue
from vocabulary.working_days import vietnam_calendar

# the standard's mandatory identity fields (group 1) in the Vietnamese schema
GROUP_1 = ("so_dinh_danh", "ho_ten", "gioi_tinh", "ngay_sinh", "ma_dan_toc", "ton_giao")


async def test_each_measure_matches_the_agencys_own_rows(scored: dict[str, Any]) -> None:
    rows, card = scored["rows"], scored["cards"][scored["code"]]
    n = len(rows)
    rejected = {REJECTED_LATE, MISSING_GENDER, UNKNOWN_RELIGION}
    stored = [row for index, row in enumerate(rows) if index not in rejected]
    # sống: one run ok, one failed; every row is a change served now, three stamped 30 days ago
    assert card.connected
    assert card.last_success_at is not None
    assert card.failed_runs == 1
    assert card.changes == n
    assert card.within_deadline_share == round(Decimal(n - len(LATE)) / n, 4)
    calendar = vietnam_calendar()
    late_days = calendar.working_days_between(
        local_day(scored["late_stamp"].replace(tzinfo=VIETNAM)), scored["today"]
    )
    assert late_days > 3
    assert card.oldest_outstanding_days == late_days  # the late record is also rejected
    assert card.detail["lag_histogram"]["4+"] == len(LATE)
    # đủ: the people held and the two records held back without a gender (group 1); the
    # standard's mandatory fields are groups 1, 4 (category) and 6 (organisation)
    assert card.people == len(stored)
    lacking = [rows[i] for i in (REJECTED_LATE, MISSING_GENDER)]
    assert all(any(row[c] is None for c in GROUP_1) for row in lacking)
    group_1 = sum(1 for row in stored if all(row[c] is not None for c in GROUP_1))
    complete = round(Decimal(group_1) / (len(stored) + len(lacking)), 4)
    assert card.complete_share == complete
    assert card.detail["complete_by_group"] == {"1": str(complete), "4": "1.0000", "6": "1.0000"}
    # sạch: the one name with a zero-width space was stored and its repair counted
    assert card.detail["normalisation_corrections"] == 1
    assert card.detail["corrections_by_rule"] == {"invisible_removed": 1}
    # đúng: three records rejected, two for a missing gender, one for an unknown religion
    assert card.open_rejects == 3
    assert card.reject_rate == round(Decimal(3) / n, 4)
    rules = card.detail["rejects_by_rule"]
    assert isinstance(rules, dict)
    assert {rule: entry["records"] for rule, entry in rules.items()} == {
        "mandatory": 2,
        "code_unknown": 1,
    }
    assert card.cross_field_violations == 0
    assert card.identity_mismatches == 0
    # sạch: no conflicts; the rejects are minutes old
    assert card.open_conflicts == 0
    assert card.oldest_reject_days == 0
    # thống nhất: one religion without a mapping among the coded values held
    coded = sum(
        2 + sum(row[c] is not None for c in ("ngach", "chuc_vu", "ma_thang_luong"))
        for row in stored
    )
    assert card.unmapped_share == round(Decimal(1) / (coded + 1), 4)
    assert Breach.LATE in card.breaches
    assert Breach.INCORRECT in card.breaches  # 3 of a few dozen is over 2 %
    assert (Breach.INCOMPLETE in card.breaches) == (complete < Decimal("0.95"))
    assert Breach.STALE not in card.breaches


async def test_agencies_that_never_synced_are_on_the_card(scored: dict[str, Any]) -> None:
    others = [c for code, c in scored["cards"].items() if code != scored["code"]]
    assert others
    assert all(c.breaches == (Breach.NEVER_CONNECTED,) for c in others)


QUERY = """query($code: String!) {
  agencyScorecard(code: $code) {
    agencyCode connected withinDeadlineShare completeShare rejectRate unmappedShare breaches
    openRejects failedRuns oldestOutstandingDays
    rejectsByRule { rule titleVi titleEn expected expectedEn records }
    normalisationCorrections correctionsByRule { rule titleVi titleEn values }
    trend(days: 7) { day withinDeadlineShare }
  }
  agencyScorecards(breached: [LATE]) { agencyCode breaches }
}"""


async def test_the_api_gives_the_snapshot_and_the_policy_masks_the_breakdowns(
    scored: dict[str, Any],
) -> None:
    code, card = scored["code"], scored["cards"][scored["code"]]
    app = create_app(Settings(max_page_size=100, default_page_size=20), scored["store_url"])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            central = GraphQLClient(http, app)
            data = await central.data(QUERY, {"code": code})
            own = Caller(Level.PROVINCE, organization=code, client_id="test-portal")
            mine = await GraphQLClient(http, app, own).data(QUERY, {"code": code})
            public = (await GraphQLClient(http, app, None).post(QUERY, {"code": code})).json()
    one = data["agencyScorecard"]
    assert one["withinDeadlineShare"] == float(card.within_deadline_share or 0)
    assert one["rejectRate"] == float(card.reject_rate or 0)
    assert one["openRejects"] == 3
    assert one["failedRuns"] == 1
    assert one["breaches"] == [b.name for b in card.breaches]
    assert {r["rule"] for r in one["rejectsByRule"]} >= {"mandatory"}
    mandatory = next(r for r in one["rejectsByRule"] if r["rule"] == "mandatory")
    # the words are the reject catalogue's (vocabulary/data/reject_rules.yaml)
    assert mandatory["titleVi"] == "Thiếu trường bắt buộc"
    rule = reject_catalogue().rules["mandatory"]
    assert (mandatory["titleEn"], mandatory["expected"], mandatory["expectedEn"]) == (
        rule.title.en, rule.expected.vi, rule.expected.en,
    )  # fmt: skip
    assert one["normalisationCorrections"] == 1
    assert one["correctionsByRule"] == [
        {"rule": "invisible_removed", "titleVi": "Đã xóa ký tự ẩn",
         "titleEn": "Invisible characters removed", "values": 1}
    ]  # fmt: skip
    assert one["trend"] == [{"day": scored["today"].isoformat(), "withinDeadlineShare": one[
        "withinDeadlineShare"]}]  # fmt: skip
    assert data["agencyScorecards"] == [{"agencyCode": code, "breaches": one["breaches"]}]
    assert mine["agencyScorecard"] == one  # the province sees its own breakdowns
    # the public sees the league table's headline, not the breakdowns
    shown = public["data"]["agencyScorecard"]
    assert shown["withinDeadlineShare"] == one["withinDeadlineShare"]
    assert shown["openRejects"] is None
    assert shown["rejectsByRule"] is None
    forbidden = {tuple(e["path"]) for e in public["errors"]}
    assert ("agencyScorecard", "openRejects") in forbidden
    assert all(e["extensions"]["code"] == "FORBIDDEN" for e in public["errors"])


FILTERED = """{
  provinces: agencyScorecards(levels: [PROVINCE]) { agencyCode level }
  ministries: agencyScorecards(levels: [MINISTRY]) { agencyCode level }
  incorrect: agencyScorecards(breached: [INCORRECT]) { agencyCode }
  unconnectedProvinces: agencyScorecards(levels: [PROVINCE], breached: [NEVER_CONNECTED]) {
    agencyCode }
}"""


async def test_the_table_filters_by_level_and_by_threshold_breached(
    scored: dict[str, Any],
) -> None:
    code, cards = scored["code"], scored["cards"]
    app = create_app(Settings(max_page_size=100, default_page_size=20), scored["store_url"])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            data = await GraphQLClient(http, app).data(FILTERED)

    def of(level: str) -> set[str]:
        return {c for c, row in cards.items() if row.level == level}

    provinces = {a["agencyCode"] for a in data["provinces"]}
    assert {a["level"] for a in data["provinces"]} == {"PROVINCE"}
    assert {a["level"] for a in data["ministries"]} == {"MINISTRY"}
    assert code in provinces
    assert provinces <= of("province")
    assert {a["agencyCode"] for a in data["ministries"]} <= of("ministry")
    assert provinces.isdisjoint(a["agencyCode"] for a in data["ministries"])
    # the only agency with data breaks the 2 % reject rate; every other never connected
    assert [a["agencyCode"] for a in data["incorrect"]] == [code]
    assert {a["agencyCode"] for a in data["unconnectedProvinces"]} == provinces - {code}
