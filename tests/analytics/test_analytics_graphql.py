"""The analysis fields over GraphQL: quotas (central only, validated, logged, flagged),
staffing equal to direct counts, statistics with policy refusals and suppression."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from graphql_client import GraphQLClient
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.types import BigInteger

from analytics.orgs import OrgIndex
from analytics.staffing import Counts
from policies.types import Caller, Level

YEAR = 2031  # not seeded: the shared store's seeded quotas stay as they are

SET_QUOTA = """
mutation($org: String!, $year: Int!, $c: Int!, $p: Int!, $k: Int!) {
  setStaffingQuota(orgCode: $org, year: $year, civilServants: $c, publicEmployees: $p,
                   contractStaff: $k) {
    organization { organizationCode quota { civilServants total } allocationExceedsQuota }
    parent { organizationCode allocationExceedsQuota }
    previous { total }
    flags
  }
}"""

STAFFING = """
query($org: String!, $year: Int!) {
  staffing(orgCode: $org, year: $year) {
    organization { organizationCode headcount { civilServants publicEmployees contractStaff }
                   subtreeHeadcount { total } }
    lines { organizationCode headcount { civilServants publicEmployees contractStaff }
            quota { civilServants publicEmployees contractStaff } vacancies { total }
            overQuota }
    overQuota { organizationCode }
  }
}"""

STATISTICS = """
query($groupBy: [StatisticsDimension!]!, $filter: StatisticsFilter) {
  statistics(groupBy: $groupBy, filter: $filter, referenceYear: 2026) {
    cells { keys count suppressed } total minimumCount summary
  }
}"""


def _province(orgs: OrgIndex) -> str:
    """The province with the largest subtree (merged provinces have none)."""
    provinces = [o for o in orgs.by_id.values() if o.level == "province"]
    return max(provinces, key=lambda o: (len(orgs.subtree(o)), o.code)).code


def _unit_with_parent(orgs: OrgIndex) -> tuple[str, str]:
    unit = min(
        (o for o in orgs.by_id.values() if o.level == "unit" and o.parent_id is not None),
        key=lambda o: o.code,
    )
    assert unit.parent_id is not None
    return unit.code, orgs.by_id[unit.parent_id].code


async def test_quota_mutation_is_central_only_validated_logged_and_flagged(
    gql: GraphQLClient,
    as_caller: Callable[[Caller | None], GraphQLClient],
    orgs: OrgIndex,
    engine: AsyncEngine,
) -> None:
    unit, parent = _unit_with_parent(orgs)
    province = as_caller(Caller(Level.PROVINCE, organization=_province(orgs)))
    refused = (
        await province.post(SET_QUOTA, {"org": unit, "year": YEAR, "c": 1, "p": 1, "k": 1})
    ).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bad = (await gql.post(SET_QUOTA, {"org": unit, "year": YEAR, "c": -1, "p": 0, "k": 0})).json()
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    await gql.data(SET_QUOTA, {"org": parent, "year": YEAR, "c": 5, "p": 5, "k": 5})
    data = await gql.data(SET_QUOTA, {"org": unit, "year": YEAR, "c": 9, "p": 0, "k": 0})
    change = data["setStaffingQuota"]
    assert change["organization"]["quota"] == {"civilServants": 9, "total": 9}
    assert change["previous"] is None
    assert change["parent"] == {"organizationCode": parent, "allocationExceedsQuota": True}
    assert any(parent in flag for flag in change["flags"])
    again = await gql.data(SET_QUOTA, {"org": unit, "year": YEAR, "c": 2, "p": 0, "k": 0})
    assert again["setStaffingQuota"]["previous"] == {"total": 9}
    assert again["setStaffingQuota"]["parent"]["allocationExceedsQuota"] is False

    async with engine.connect() as conn:
        log = (
            await conn.execute(
                text(
                    "SELECT c.civil_servants, c.previous_civil_servants, c.level, c.request_id"
                    " FROM staffing_quota_change c JOIN organization o"
                    " ON o.id = c.organization_id WHERE o.code = :code AND c.year = :year"
                    " ORDER BY c.id"
                ),
                {"code": unit, "year": YEAR},
            )
        ).all()
    assert [(r[0], r[1], r[2]) for r in log] == [(9, None, "central"), (2, 9, "central")]
    assert all(r[3] for r in log)


async def direct_headcounts(conn: AsyncConnection, ids: list[int]) -> dict[int, Counts]:
    """Active headcount per organisation straight from `person`: the baseline the staffing
    report (read from the summary cubes) must equal."""
    rows = (
        await conn.execute(
            text(
                "SELECT organization_id,"
                " count(*) FILTER (WHERE category IN ('cadre', 'civil_servant')),"
                " count(*) FILTER (WHERE category = 'public_employee'),"
                " count(*) FILTER (WHERE category = 'contract_worker')"
                " FROM person WHERE status = 'active' AND organization_id = ANY(:ids)"
                " GROUP BY 1"
            ).bindparams(bindparam("ids", type_=ARRAY(BigInteger))),
            {"ids": ids},
        )
    ).all()
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


async def test_staffing_equals_direct_counts_and_stays_in_the_callers_subtree(
    as_caller: Callable[[Caller | None], GraphQLClient], orgs: OrgIndex, engine: AsyncEngine
) -> None:
    code = _province(orgs)
    caller = as_caller(Caller(Level.PROVINCE, organization=code))
    staffing = (await caller.data(STAFFING, {"org": code, "year": 2026}))["staffing"]
    ids = [o.id for o in orgs.subtree(orgs.by_code[code])]
    async with engine.connect() as conn:
        expected = await direct_headcounts(conn, ids)
    for line in staffing["lines"]:
        org = orgs.by_code[line["organizationCode"]]
        counts = expected.get(org.id, (0, 0, 0))
        assert tuple(line["headcount"].values()) == counts
        if line["quota"] is not None:
            over = any(h > q for h, q in zip(counts, line["quota"].values(), strict=True))
            assert line["overQuota"] is over
    assert staffing["organization"]["subtreeHeadcount"]["total"] == sum(
        sum(c) for c in expected.values()
    )
    assert {o["organizationCode"] for o in staffing["overQuota"]} == {
        line["organizationCode"] for line in staffing["lines"] if line["overQuota"]
    }
    other = min(o.code for o in orgs.by_id.values() if o.level == "province" and o.code != code)
    refused = (await caller.post(STAFFING, {"org": other, "year": 2026})).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    public = (await as_caller(None).post(STAFFING, {"org": code, "year": 2026})).json()
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_group_bys_and_filters_need_the_right_to_see_their_field(
    as_caller: Callable[[Caller | None], GraphQLClient], orgs: OrgIndex
) -> None:
    code = _province(orgs)
    province = as_caller(Caller(Level.PROVINCE, organization=code))
    for group_by, filter_ in [
        (["GENDER"], None),  # nationally: gender is personal, outside is public only
        (["PROVINCE"], {"categories": ["CIVIL_SERVANT"]}),
        (["ETHNICITY"], None),
    ]:
        body = (await province.post(STATISTICS, {"groupBy": group_by, "filter": filter_})).json()
        assert body["data"] is None or body["data"]["statistics"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        assert "count" not in body["errors"][0]["message"]
    own = await province.data(
        STATISTICS, {"groupBy": ["GENDER", "ETHNICITY"], "filter": {"organization": code}}
    )
    assert own["statistics"]["minimumCount"] is None
    public = as_caller(None)
    for group_by in (["CATEGORY"], ["AGE_BAND"], ["SALARY_SCALE"]):
        body = (await public.post(STATISTICS, {"groupBy": group_by})).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_public_gets_aggregates_with_small_cells_suppressed(
    gql: GraphQLClient, as_caller: Callable[[Caller | None], GraphQLClient]
) -> None:
    variables = {"groupBy": ["PROVINCE", "ORGANIZATION"]}
    exact = (await gql.data(STATISTICS, variables))["statistics"]
    public = (await as_caller(None).data(STATISTICS, variables))["statistics"]
    assert exact["minimumCount"] is None
    minimum = public["minimumCount"]
    assert minimum == 5
    assert [c["keys"] for c in exact["cells"]] == [c["keys"] for c in public["cells"]]
    small = 0
    for full, shown in zip(exact["cells"], public["cells"], strict=True):
        if full["count"] < minimum:
            small += 1
            assert shown == {"keys": full["keys"], "count": None, "suppressed": True}
        else:
            assert shown["count"] == full["count"]
            assert not shown["suppressed"]
    assert small > 0, "the seeded store should have small cells"
    assert public["total"] is None
    assert exact["total"] == sum(c["count"] for c in exact["cells"])


TREND = """
query($org: String, $cats: [PersonnelCategory!]) {
  headcountTrend(organization: $org, categories: $cats, months: 30, until: "2026-06-15") {
    month headcount
  }
}"""


async def test_monthly_headcount_equals_a_direct_count_at_each_month_end(
    gql: GraphQLClient,
    as_caller: Callable[[Caller | None], GraphQLClient],
    orgs: OrgIndex,
    engine: AsyncEngine,
) -> None:
    code = _province(orgs)
    ids = [o.id for o in orgs.subtree(orgs.by_code[code])]
    trend = (await gql.data(TREND, {"org": code, "cats": ["PUBLIC_EMPLOYEE"]}))["headcountTrend"]
    assert len(trend) == 30
    assert trend[-1]["month"] == "2026-06-01"
    async with engine.connect() as conn:
        for point in trend[::7]:
            expected = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM person WHERE organization_id = ANY(:ids)"
                        " AND category = 'public_employee' AND recruited_on <"
                        " (CAST(:m AS date) + interval '1 month') AND (status = 'active' OR"
                        " status_since >= (CAST(:m AS date) + interval '1 month'))"
                    ),
                    {"ids": ids, "m": date.fromisoformat(point["month"])},
                )
            ).scalar_one()
            assert point["headcount"] == expected, point
    national = (await gql.data(TREND, {}))["headcountTrend"]
    assert national[-1]["headcount"] >= trend[-1]["headcount"]
    public = (await as_caller(None).post(TREND, {})).json()
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    province = as_caller(Caller(Level.PROVINCE, organization=code))
    assert (await province.post(TREND, {})).json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own = (await province.data(TREND, {"org": code}))["headcountTrend"]
    assert own[-1]["headcount"] > 0
