"""The GraphQL-over-HTTP audit (npm `graphql-http`) against the live gateway, in demo and in
production mode: every MUST passes.

The audit is Node code from the spec's own reference implementation, pinned in
tests/fuzz/graphql_http_audit/package-lock.json and installed by `.ci/run` (`npm ci`). Without
Node or without those packages the test skips and says which is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fuzz_helpers import LiveGateway

AUDIT = Path(__file__).with_name("graphql_http_audit")


def _run_audit(gateway: LiveGateway) -> list[dict[str, str | None]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the graphql-http audit needs it")
    if not (AUDIT / "node_modules" / "graphql-http").is_dir():
        pytest.skip(f"graphql-http is not installed: run `npm ci` in {AUDIT}")
    finished = subprocess.run(
        [node, "audit.mjs", gateway.endpoint, gateway.token],
        cwd=AUDIT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return [json.loads(line) for line in finished.stdout.splitlines() if line.strip()]


def _musts_failing(results: list[dict[str, str | None]]) -> list[str]:
    return [
        f"{result['name']}: {result['reason']}"
        for result in results
        if str(result["name"]).startswith("MUST") and result["status"] != "ok"
    ]


@pytest.mark.parametrize("mode", ["demo_gateway", "production_gateway"])
def test_every_must_of_the_graphql_over_http_spec_passes(
    mode: str, request: pytest.FixtureRequest
) -> None:
    gateway: LiveGateway = request.getfixturevalue(mode)
    results = _run_audit(gateway)
    assert len([r for r in results if str(r["name"]).startswith("MUST")]) >= 13
    assert _musts_failing(results) == []
