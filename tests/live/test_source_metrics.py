"""/metrics shows the gateway's traffic to its sources: every guarded call, and each circuit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from live_helpers import CENTRAL, agencies
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

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
        return value(after, name, source=source, **labels) - value(
            before, name, source=source, **labels
        )

    assert grew("cbccvc_source_calls_total", outcome="error") >= 3
    assert grew("cbccvc_source_calls_total", outcome="refused") >= 1
    assert grew("cbccvc_source_failures_total", kind="retriable") >= 4
    assert value(after, "cbccvc_circuit_state", source=source) == OPEN
