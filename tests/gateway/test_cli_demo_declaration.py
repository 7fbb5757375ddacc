"""`cbccvc demo` shows self-declaration: the person of the identity picker declares, the sandbox
agency approves after a short delay, the demo collects the decision and syncs, the CV shows the
new value; the clerk's command rejects another with a reason; a month is approved, so
Person.provenance.approval is covered."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_cli_demo import free_port, stop_with_ctrl_c, wait_for_graphiql_line, wait_until_serving

pytestmark = pytest.mark.slow

ADDRESS = "Số 8 phố Tràng Thi, phường Hoàn Kiếm, Hà Nội"
DECLARE = """mutation($field: String, $value: String) {
  declare(field: $field, value: $value) { id status channel dueOn } }"""
MINE = "{ myDeclarations { id status reason inStore appliedVersion } }"


def post(address: str, token: str | None, query: str, variables: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        address, json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_the_demos_person_declares_and_the_cv_shows_it_once_the_agency_approved(
    pg_tmp: Path,
) -> None:
    data_dir = pg_tmp / "demo"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CBCCVC_SOURCES")}
    env["CBCCVC_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--port", str(port), "--people", "400",
         "--approve-after", "12"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        address = wait_for_graphiql_line(process, lines)
        wait_until_serving(address)
        assert any("approved this month's data" in line for line in lines), "".join(lines)
        base = address.removesuffix("/graphql")
        identities = {i["key"]: i for i in httpx.get(f"{base}/graphiql/identities").json()}
        person, central = identities["self"]["token"], identities["central"]["token"]

        approved = post(address, person, DECLARE, {"field": "current_address", "value": ADDRESS})
        rejected = post(address, person, DECLARE, {"field": "home_town", "value": "Hải Dương"})
        assert approved["declare"]["status"] == "RECEIVED", approved
        assert approved["declare"]["channel"] == "connector"
        # the agency's clerk, by hand, beside the demo, before the automatic approval
        clerk = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "agency-clerk", "reject",
             rejected["declare"]["id"], "--reason", "Quê quán cần giấy khai sinh"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert clerk.returncode == 0, clerk.stderr
        assert "rejected" in clerk.stdout

        deadline = time.monotonic() + 120
        while True:
            mine = {d["id"]: d for d in post(address, person, MINE)["myDeclarations"]}
            done = mine[approved["declare"]["id"]]
            if done["status"] == "APPROVED" and done["inStore"]:
                break
            assert time.monotonic() < deadline, mine
            time.sleep(1)
        refused = mine[rejected["declare"]["id"]]
        assert (refused["status"], refused["reason"]) == ("REJECTED", "Quê quán cần giấy khai sinh")

        name = identities["self"]["label"].removeprefix("self: ")
        found = post(address, central, """query($name: String) { persons(filter: {name: $name},
            first: 5) { edges { node { id currentAddress provenance { version } } } } }""",
                     {"name": name})["persons"]["edges"]  # fmt: skip
        node = next(e["node"] for e in found if e["node"]["currentAddress"] == ADDRESS)
        assert node["provenance"]["version"] == done["appliedVersion"]
        cv = httpx.get(
            f"{base}/persons/{node['id']}/cv.html",
            headers={"Authorization": f"Bearer {person}"},
            timeout=30,
        )
        assert cv.status_code == 200
        assert ADDRESS in cv.text

        covered = post(
            address,
            central,
            """{ persons(first: 20) { edges { node {
            provenance { approval { covered period } } } } } }""",
        )["persons"]["edges"]
        assert any((e["node"]["provenance"]["approval"] or {}).get("covered") for e in covered), (
            covered
        )
        assert stop_with_ctrl_c(process, lines) == 0, "".join(lines)
        assert "Traceback" not in "".join(lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
