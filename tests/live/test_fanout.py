"""Live fan-out through the gateway: histories from each agency's own source, identity and
insurance checks, partial results when a source fails, and the sources query."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from live_helpers import CENTRAL, DEADLINE_S, agencies
from sqlalchemy.ext.asyncio import AsyncEngine

from sandbox.agencies import AgencyKind, SandboxAgencies

PEOPLE = """
query($org: String!) {
  persons(first: 3, filter: {organization: $org}) { edges { node {
    fullName
    workHistory { start organization position }
    salaryHistory { start gradeCode step coefficient }
    family { relation fullName }
  } } }
}
"""
TWO_AGENCIES = """
query($a: String!, $b: String!) {
  a: persons(first: 2, filter: {organization: $a}) { ...Histories }
  b: persons(first: 2, filter: {organization: $b}) { ...Histories }
}
fragment Histories on PersonConnection {
  edges { node { fullName workHistory { start } } }
}
"""


@pytest.mark.parametrize("kind", [AgencyKind.SQL_VI, AgencyKind.SQL_EN, AgencyKind.EXCHANGE])
async def test_histories_come_from_the_owning_agencys_source(
    live: Callable[[Any], Any], sandbox: SandboxAgencies, engine: AsyncEngine, kind: AgencyKind
) -> None:
    code = (await agencies(sandbox, engine, kind))[0]
    body = (await live(CENTRAL).post(PEOPLE, {"org": code})).json()
    assert "errors" not in body, body.get("errors")
    nodes = [edge["node"] for edge in body["data"]["persons"]["edges"]]
    assert len(nodes) == 3
    for node in nodes:
        assert node["workHistory"], node
        assert node["salaryHistory"][0]["coefficient"]
        assert {member["relation"] for member in node["family"]} <= {
            "father",
            "mother",
            "spouse",
            "child",
            "sibling",
        }


async def test_a_file_drop_agency_has_no_live_history_and_says_so(
    live: Callable[[Any], Any], sandbox: SandboxAgencies, engine: AsyncEngine
) -> None:
    code = (await agencies(sandbox, engine, AgencyKind.FILE))[0]
    body = (await live(CENTRAL).post(PEOPLE, {"org": code})).json()
    assert all(e["node"]["fullName"] for e in body["data"]["persons"]["edges"])
    assert all(e["node"]["workHistory"] is None for e in body["data"]["persons"]["edges"])
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SOURCE_ERROR"}
    assert all("offers no person_detail" in e["message"] for e in body["errors"])


async def test_a_hung_source_nulls_only_its_fields_within_the_deadline(
    live: Callable[[Any], Any],
    sandbox: SandboxAgencies,
    engine: AsyncEngine,
    faults: Callable[[dict[str, Any]], None],
) -> None:
    hung, healthy = (await agencies(sandbox, engine, AgencyKind.EXCHANGE))[:2]
    faults({"hang": True, "path_prefix": f"/agencies/{hung}"})
    started = time.monotonic()
    body = (await live(CENTRAL).post(TWO_AGENCIES, {"a": hung, "b": healthy})).json()
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE_S + 0.5, elapsed
    hung_nodes = [e["node"] for e in body["data"]["a"]["edges"]]
    healthy_nodes = [e["node"] for e in body["data"]["b"]["edges"]]
    assert all(n["fullName"] and n["workHistory"] is None for n in hung_nodes)
    assert all(n["workHistory"] for n in healthy_nodes)
    codes = {(e["extensions"]["code"], e["extensions"]["source"]) for e in body["errors"]}
    assert codes == {("SOURCE_TIMEOUT", f"VN:GOV:{hung}:HRM")}
    assert all(e["path"][0] == "a" and e["path"][-1] == "workHistory" for e in body["errors"])


async def test_source_calls_of_one_request_run_concurrently(
    live: Callable[[Any], Any],
    sandbox: SandboxAgencies,
    engine: AsyncEngine,
    faults: Callable[[dict[str, Any]], None],
) -> None:
    first, second = (await agencies(sandbox, engine, AgencyKind.EXCHANGE))[:2]
    faults({"latency_ms": 400, "path_prefix": "/agencies/"})
    started = time.monotonic()
    body = (await live(CENTRAL).post(TWO_AGENCIES, {"a": first, "b": second})).json()
    elapsed = time.monotonic() - started
    assert "errors" not in body, body["errors"]
    assert 0.4 <= elapsed < 0.75, "two 400 ms sources answered side by side, not one after another"


async def test_a_failing_source_opens_its_circuit_and_the_sources_query_shows_it(
    live: Callable[[Any], Any],
    sandbox: SandboxAgencies,
    engine: AsyncEngine,
    faults: Callable[[dict[str, Any]], None],
) -> None:
    broken = (await agencies(sandbox, engine, AgencyKind.EXCHANGE))[2]
    faults({"failure_rate": 1.0, "path_prefix": f"/agencies/{broken}"})
    client = live(CENTRAL)
    for _ in range(4):
        body = (await client.post(PEOPLE, {"org": broken})).json()
        assert {e["extensions"]["code"] for e in body["errors"]} == {"SOURCE_UNAVAILABLE"}
    sources = (await client.data("{ sources { id circuitState failures lastError { code } } }"))[
        "sources"
    ]
    mine = next(s for s in sources if s["id"] == f"VN:GOV:{broken}:HRM")
    assert mine["circuitState"] == "open"
    assert mine["lastError"]["code"] == "SOURCE_UNAVAILABLE"


async def test_the_sources_query_lists_every_source_with_its_health(
    live: Callable[[Any], Any], sandbox: SandboxAgencies
) -> None:
    sources = (
        await live(CENTRAL).data(
            "{ sources { id kind owner capabilities healthy recentLatencyMs circuitState } }"
        )
    )["sources"]
    assert len(sources) == len(sandbox.sources)
    kinds = {s["kind"] for s in sources}
    assert kinds == {"sql", "exchange", "file", "population", "insurance"}
    # a circuit another test opened on purpose answers for its source without calling it
    assert all(s["healthy"] for s in sources if s["circuitState"] == "closed")
    assert sum(s["circuitState"] == "closed" for s in sources) >= len(sources) - 1
    population = next(s for s in sources if s["kind"] == "population")
    assert population["capabilities"] == ["identity_check"]
    assert population["owner"] is None


async def test_identity_is_checked_against_the_population_database(
    live: Callable[[Any], Any], engine: AsyncEngine
) -> None:
    body = await live(CENTRAL).data(
        "{ persons(first: 60) { edges { node { fullName identityCheck { matches "
        "fields { field store population matches } } } } } }"
    )
    checks = [e["node"]["identityCheck"] for e in body["persons"]["edges"]]
    assert all(
        {f["field"] for f in c["fields"]} == {"fullName", "birthDate", "gender"} for c in checks
    )
    assert sum(c["matches"] for c in checks) >= 50, "about 2% of the population records differ"
    for check in checks:
        for field in check["fields"]:
            assert field["matches"] is (field["store"] == field["population"])


async def test_social_insurance_matches_the_persons_salary(live: Callable[[Any], Any]) -> None:
    body = await live(CENTRAL).data(
        "{ persons(first: 10, filter: {categories: [CIVIL_SERVANT], statuses: [ACTIVE]}) "
        "{ edges { node { salary { coefficient } socialInsurance { insuranceNumber "
        "periods { start end salaryBasis } } } } } }"
    )
    for edge in body["persons"]["edges"]:
        node = edge["node"]
        insurance = node["socialInsurance"]
        assert insurance["insuranceNumber"]
        current = [p for p in insurance["periods"] if p["end"] is None]
        assert len(current) == 1
        expected = float(node["salary"]["coefficient"]) * 2_340_000
        assert abs(float(current[0]["salaryBasis"]) - expected) < 1
