"""/metrics shows the gateway's traffic to its sources: every guarded call, and each circuit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from live_helpers import CENTRAL, agencies
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from policies.types import Caller, Level
from sandbox.agencies import AgencyKind, SandboxAgencies

HISTORIES = """
query($org: String!) {
  persons(first: 3, filter: {organization: $org}) { edges { node { workHistory { start } } } }
}
"""
CLOSED, OPEN = 0.0, 2.0
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(app: Starlette) -> Samples:
    """Every sample of the app's /metrics, by name and labels, read over HTTP."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grown(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much a sample grew between two scrapes."""
    return value(after, name, **labels) - value(before, name, **labels)


async def test_a_source_call_shows_on_metrics_with_its_latency_and_closed_circuit(
    live: Callable[[Any], Any], live_app: Starlette, sandbox: SandboxAgencies, engine: AsyncEngine
) -> None:
    code = (await agencies(sandbox, engine, AgencyKind.SQL_VI))[0]
    source = f"VN:GOV:{code}:HRM"
    before = await scrape(live_app)
    body = (await live(CENTRAL).post(HISTORIES, {"org": code})).json()
    assert "errors" not in body, body.get("errors")
    after = await scrape(live_app)

    calls = "cbccvc_source_calls_total"
    assert value(after, calls, source=source, outcome="ok") > value(
        before, calls, source=source, outcome="ok"
    )
    timed = "cbccvc_source_call_duration_seconds_count"
    assert value(after, timed, source=source) > value(before, timed, source=source)
    assert value(after, "cbccvc_circuit_state", source=source) == CLOSED


async def test_a_failing_source_shows_its_failures_refusals_and_open_circuit_on_metrics(
    live: Callable[[Any], Any],
    live_app: Starlette,
    sandbox: SandboxAgencies,
    engine: AsyncEngine,
    faults: Callable[[dict[str, Any]], None],
) -> None:
    broken = (await agencies(sandbox, engine, AgencyKind.EXCHANGE))[-1]
    source = f"VN:GOV:{broken}:HRM"
    before = await scrape(live_app)
    faults({"failure_rate": 1.0, "path_prefix": f"/agencies/{broken}"})
    client = live(CENTRAL)
    for _ in range(4):  # the live tests' circuit opens after 3 failures in a row
        body = (await client.post(HISTORIES, {"org": broken})).json()
        assert {e["extensions"]["code"] for e in body["errors"]} == {"SOURCE_UNAVAILABLE"}
    after = await scrape(live_app)

    def grew(name: str, **labels: str) -> float:
        return grown(before, after, name, source=source, **labels)

    assert grew("cbccvc_source_calls_total", outcome="error") >= 3
    assert grew("cbccvc_source_calls_total", outcome="refused") >= 1
    assert grew("cbccvc_source_failures_total", kind="retriable") >= 4
    assert value(after, "cbccvc_circuit_state", source=source) == OPEN


async def test_one_request_calls_each_agency_once_though_its_call_leaves_early(
    live: Callable[[Any], Any], live_app: Starlette, sandbox: SandboxAgencies, engine: AsyncEngine
) -> None:
    # the compiled reads start the agency's call from the statement's answer; the fields'
    # resolvers then load the same key and must not call the agency a second time
    code = (await agencies(sandbox, engine, AgencyKind.EXCHANGE))[0]
    source = f"VN:GOV:{code}:HRM"
    before = await scrape(live_app)
    body = (await live(CENTRAL).post(HISTORIES, {"org": code})).json()
    assert "errors" not in body, body.get("errors")
    assert all(edge["node"]["workHistory"] for edge in body["data"]["persons"]["edges"])
    after = await scrape(live_app)
    assert grown(before, after, "cbccvc_source_calls_total", source=source, outcome="ok") == 1


async def test_a_live_field_the_caller_may_not_see_calls_no_agency(
    live: Callable[[Any], Any], live_app: Starlette, sandbox: SandboxAgencies, engine: AsyncEngine
) -> None:
    # a province sees only public fields of another province's people: their work history is
    # internal, so it is FORBIDDEN, and the agency that holds it is never asked for it
    code = (await agencies(sandbox, engine, AgencyKind.EXCHANGE))[0]
    async with engine.connect() as conn:
        other = (
            await conn.execute(
                text(
                    "SELECT code FROM organization WHERE level = 'province' AND depth = 1 "
                    "AND status = 'active' "
                    "AND code <> :code ORDER BY code LIMIT 1"
                ),
                {"code": code},
            )
        ).scalar_one()
    source = f"VN:GOV:{code}:HRM"
    before = await scrape(live_app)
    caller = Caller(Level.PROVINCE, organization=other, client_id="live-tests")
    body = (await live(caller).post(HISTORIES, {"org": code})).json()
    assert "data" in body, body
    edges = body["data"]["persons"]["edges"]
    assert edges
    assert all(edge["node"]["workHistory"] is None for edge in edges)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    after = await scrape(live_app)
    for outcome in ("ok", "error", "refused"):
        calls = "cbccvc_source_calls_total"
        assert grown(before, after, calls, source=source, outcome=outcome) == 0
