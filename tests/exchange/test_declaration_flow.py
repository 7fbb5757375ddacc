"""A declaration over real processes: a person (HTTP to the gateway under uvicorn) declares, the
gateway seals it to the sandbox agency's connector (a real HTTP server), the agency approves in
its own database, `cbccvc declarations follow-up --sync` (a real process) collects the signed
decision and syncs, and the store holds the change with provenance linking back. Also: the bad
inputs refused before anything is sent, and a rejection carrying the agency's reason."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
import yaml
from exchange_env import Agencies
from graphql_client import token_for
from sqlalchemy.engine import URL, make_url

from adapters.registry import SourceRegistry
from gateway.app import create_app
from gateway.settings import Settings
from policies.types import Caller, Level
from resolvers import global_id
from sandbox.declarations import decide
from sandbox.fill_by_sync import copy_organization_register
from sandbox.services.running import RunningService, start_connector
from sandbox.services.serving import ServerThread
from store.database import drop_database, ensure_database, sync_free_dsn
from store.prepare import prepare_store
from sync.run import sync_source
from vocabulary.sources import make_source_id

NEW_ADDRESS = "Số 12 phố Hàng Bài, phường Hoàn Kiếm, Hà Nội"


def text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@dataclass
class Flow:
    connector: RunningService
    code: str
    store: str
    sources_config: Path
    gateway: str
    app: Any
    person_id: int
    personal_id: str
    staff_no: str
    other_person_id: int


@pytest_asyncio.fixture(scope="module")
async def flow(
    seeded_store_url: URL, postgres_server: URL, agencies: Agencies, tmp_path_factory: Any
) -> AsyncIterator[Flow]:
    code = agencies.small.code
    connector = await start_connector(
        text(seeded_store_url), text(postgres_server),
        f"cbccvc_test_decl_conn_{uuid.uuid4().hex[:8]}", [agencies.small],
    )  # fmt: skip
    store_url = await ensure_database(postgres_server, f"cbccvc_test_decl_{uuid.uuid4().hex[:8]}")
    await prepare_store(store_url)
    store = text(store_url)
    assert connector.keys is not None
    folder = connector.keys.folder
    config = tmp_path_factory.mktemp("declarations") / "sources.yaml"
    config.write_text(
        yaml.safe_dump({"sources": [{
            "id": make_source_id(code, "HRM"), "kind": "exchange", "owner": code,
            "base_url": connector.base_url(code), "timeout_s": 5.0,
            "envelope": {"keys": str(folder.moha_keys),
                         "agency_jwks": str(folder.agency_jwks(code))},
        }]}),
        encoding="utf-8",
    )  # fmt: skip
    # the store as the national sync makes it: the register's tree, then the agency's feed
    await copy_organization_register(sync_free_dsn(seeded_store_url), sync_free_dsn(store_url))
    registry = SourceRegistry.from_yaml(config)
    try:
        result = await sync_source(sync_free_dsn(store_url), registry[make_source_id(code, "HRM")])
        assert result.status == "ok", result
    finally:
        await registry.aclose()
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        people = await conn.fetch(
            "SELECT id, personal_id, source_record_id FROM person ORDER BY id LIMIT 2"
        )
    finally:
        await conn.close()
    app = create_app(Settings(sources_config=config), make_url(store))
    server = ServerThread(app, name="gateway-declarations")
    server.start(timeout=30)
    try:
        yield Flow(
            connector, code, store, config, server.url, app,
            people[0]["id"], people[0]["personal_id"], people[0]["source_record_id"],
            people[1]["id"],
        )  # fmt: skip
    finally:
        server.stop(timeout=10)
        await connector.aclose()
        await drop_database(postgres_server, str(store_url.database))


def graphql(flow: Flow, caller: Caller, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = httpx.post(
        f"{flow.gateway}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token_for(flow.app, caller)}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def me(flow: Flow) -> Caller:
    return Caller(Level.SELF, subject=flow.personal_id, client_id="portal")


DECLARE = """
mutation($field: String, $value: String, $list: String, $entry: [DeclaredValueInput!],
         $note: String, $person: ID) {
  declare(field: $field, value: $value, list: $list, entry: $entry, note: $note,
          person: $person) {
    id field value list entry { column value } status channel dueOn receipt sourceRecordId
  }
}"""
MINE = """{ myDeclarations { id field status reason appliedVersion inStore outcome dueOn } }"""
PERSON = """query($id: ID!) {
  person(id: $id) { currentAddress provenance { version declarations } } }"""


@pytest_asyncio.fixture
async def agency_db(flow: Flow) -> AsyncIterator[Any]:
    conn = await asyncpg.connect(flow.connector.dsn)
    yield conn
    await conn.close()


async def staff_row(agency_db: Any, flow: Flow) -> Any:
    return await agency_db.fetchrow(
        "SELECT version, profile::text AS profile, sections::text AS sections FROM hrm.staff"
        " WHERE agency_code = $1 AND staff_no = $2",
        flow.code,
        flow.staff_no,
    )


def cbccvc(flow: Flow, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command line as an operator runs it: its own process, on the flow's store."""
    env = {
        "DATABASE_URL": flow.store, "CBCCVC_SOURCES": str(flow.sources_config),
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *arguments],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def follow_up(flow: Flow) -> subprocess.CompletedProcess[str]:
    return cbccvc(flow, "declarations", "follow-up", "--sync")


async def test_a_declared_change_reaches_the_store_through_the_agencys_approval(
    flow: Flow, agency_db: Any
) -> None:
    before = await staff_row(agency_db, flow)
    body = graphql(flow, me(flow), DECLARE, {"field": "current_address", "value": NEW_ADDRESS,
                                             "note": "Chuyển nơi ở từ tháng 11"})  # fmt: skip
    assert "errors" not in body, body
    declared = body["data"]["declare"]
    assert declared["status"] == "RECEIVED"  # the agency's signed receipt came back
    assert declared["receipt"].count(".") == 2  # a compact JWS
    assert declared["channel"] == "connector"
    assert declared["sourceRecordId"] == flow.staff_no
    # the gateway wrote nothing to the agency's record: only its inbox holds the declaration
    assert await staff_row(agency_db, flow) == before
    inbox = await agency_db.fetchrow(
        "SELECT status, declaration::text AS declaration FROM hrm.declaration_inbox"
        " WHERE declaration_id = $1",
        declared["id"],
    )
    assert inbox["status"] == "received"
    assert NEW_ADDRESS in inbox["declaration"]

    # the agency's staff see it in their list, with its due date
    central = Caller(Level.CENTRAL, organization="000.00.00.G09", client_id="portal")
    pending = graphql(flow, central, "{ agencyDeclarations { id status dueOn } }")
    assert {"id": declared["id"], "status": "RECEIVED", "dueOn": declared["dueOn"]} in (
        pending["data"]["agencyDeclarations"]
    )

    decided = await decide(
        agency_db,
        flow.connector.keys.agencies,
        declared["id"],
        approve=True,  # type: ignore[union-attr]
    )
    after = await staff_row(agency_db, flow)
    assert NEW_ADDRESS in after["profile"]  # the agency changed its own record
    assert after["version"] == before["version"] + 1 == decided.applied_version

    out = follow_up(flow).stdout
    assert "decided 1" in out
    assert f"synced {make_source_id(flow.code, 'HRM')}: ok" in out
    mine = graphql(flow, me(flow), MINE)["data"]["myDeclarations"]
    approved = next(d for d in mine if d["id"] == declared["id"])
    assert approved["status"] == "APPROVED"
    assert approved["appliedVersion"] == str(after["version"])
    assert approved["inStore"] is True
    person = graphql(flow, central, PERSON, {"id": global_id.encode("Person", flow.person_id)})
    assert person["data"]["person"]["currentAddress"] == NEW_ADDRESS
    # provenance links back: the store's version is the one the declaration was applied in
    provenance = person["data"]["person"]["provenance"]
    assert provenance["version"] == approved["appliedVersion"]
    assert provenance["declarations"] == [declared["id"]]


async def test_a_rejection_carries_the_agencys_reason_back_to_the_person(
    flow: Flow, agency_db: Any
) -> None:
    body = graphql(flow, me(flow), DECLARE, {"field": "home_town", "value": "Nam Định"})
    declared = body["data"]["declare"]
    reason = "Quê quán khác với giấy khai sinh; đề nghị nộp bản sao có chứng thực"
    await decide(
        agency_db, flow.connector.keys.agencies, declared["id"],  # type: ignore[union-attr]
        approve=False, reason=reason,
    )  # fmt: skip
    before = await staff_row(agency_db, flow)
    follow_up(flow)
    rejected = next(
        d for d in graphql(flow, me(flow), MINE)["data"]["myDeclarations"]
        if d["id"] == declared["id"]
    )  # fmt: skip
    assert rejected["status"] == "REJECTED"
    assert rejected["reason"] == reason
    assert rejected["inStore"] is False
    assert await staff_row(agency_db, flow) == before  # nothing applied


async def test_a_new_child_is_applied_to_the_agencys_own_list_and_carried_by_its_feed(
    flow: Flow, agency_db: Any
) -> None:
    """And, where the sync stores the dossier's lists (sync/dossier_store.py, issue 17 item 3,
    another piece of work), the next sync brings the child into the store's list."""
    entry = [{"column": "relation", "value": "child"},
             {"column": "full_name", "value": "Nguyễn Bảo Ngọc"},
             {"column": "birth_year", "value": "2025"}]  # fmt: skip
    body = graphql(flow, me(flow), DECLARE, {"list": "dossier_family_member", "entry": entry})
    assert "errors" not in body, body
    declared = body["data"]["declare"]
    assert declared["list"] == "dossier_family_member"
    await decide(
        agency_db,
        flow.connector.keys.agencies,
        declared["id"],
        approve=True,  # type: ignore[union-attr]
    )
    row = await staff_row(agency_db, flow)
    assert "Nguyễn Bảo Ngọc" in row["sections"]  # appended to the agency's own list
    # its next change feed carries the list (version 2): the store takes it where the sync
    # stores the dossier's lists (issue 17, item 3)
    registry = SourceRegistry.from_yaml(flow.sources_config)
    try:
        source = registry[make_source_id(flow.code, "HRM")]
        page = await source.changes(None, 1000)
    finally:
        await registry.aclose()
    record = next(r for r in page.records if r.source_record_id == flow.staff_no)
    sections, _ = record.typed_sections()
    assert sections is not None
    assert {"relation": "child", "full_name": "Nguyễn Bảo Ngọc", "birth_year": 2025} in [
        {k: e[k] for k in ("relation", "full_name", "birth_year")}
        for e in sections["dossier_family_member"]
    ]
    follow_up(flow)
    conn = await asyncpg.connect(sync_free_dsn(make_url(flow.store)))
    try:
        names = await conn.fetch(
            "SELECT full_name FROM dossier_family_member WHERE person_id = $1", flow.person_id
        )
    finally:
        await conn.close()
    assert "Nguyễn Bảo Ngọc" in [r["full_name"] for r in names]


@pytest.fixture
def inbox_count(flow: Flow) -> Any:
    async def count() -> int:
        conn = await asyncpg.connect(flow.connector.dsn)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM hrm.declaration_inbox"))
        finally:
            await conn.close()

    return count


@pytest.mark.parametrize(
    ("variables", "code", "words"),
    [
        ({"field": "grade_code", "value": "01.003"}, "BAD_USER_INPUT", "not declarable"),
        ({"list": "dossier_family_member", "entry": [
            {"column": "relation", "value": "cousin"}, {"column": "full_name", "value": "A"},
            {"column": "birth_year", "value": "1990"}]}, "BAD_USER_INPUT", "unknown code"),
        ({"list": "dossier_training_course", "entry": [
            {"column": "kind", "value": "degree"}, {"column": "institution", "value": "X"},
            {"column": "start_on", "value": "2024-02-30"}]}, "BAD_USER_INPUT", "yyyy-mm-dd"),
        ({"list": "dossier_military_service", "entry": [
            {"column": "enlisted_on", "value": "2090-01-01"},
            {"column": "highest_rank", "value": "Trung úy"}]}, "BAD_USER_INPUT", "impossible"),
        ({"field": "current_address", "value": "x" * 501}, "BAD_USER_INPUT", "at most 500"),
        ({"field": "current_address", "value": "Huế", "person": "OTHER"}, "FORBIDDEN", "own"),
    ],
)  # fmt: skip
async def test_bad_declarations_are_refused_before_anything_is_sent(
    flow: Flow, inbox_count: Any, variables: dict[str, Any], code: str, words: str
) -> None:
    if variables.get("person") == "OTHER":
        variables = {**variables, "person": global_id.encode("Person", flow.other_person_id)}
    held = await inbox_count()
    mine = len(graphql(flow, me(flow), MINE)["data"]["myDeclarations"])
    body = graphql(flow, me(flow), DECLARE, variables)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code
    assert words in error["message"]
    assert flow.personal_id not in error["message"]
    assert (body.get("data") or {}).get("declare") is None, body
    assert await inbox_count() == held  # nothing reached the agency
    assert len(graphql(flow, me(flow), MINE)["data"]["myDeclarations"]) == mine  # nor stored


async def test_only_the_self_level_declares_and_only_agencies_staff_list_pending(
    flow: Flow,
) -> None:
    agency = Caller(Level.MINISTRY, organization=flow.code, client_id="portal")
    body = graphql(flow, agency, DECLARE, {"field": "home_town", "value": "Huế"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # the agency's own staff see the open ones of their own sources, due first
    graphql(
        flow, me(flow), DECLARE, {"field": "it_skill", "value": "Chứng chỉ ứng dụng CNTT cơ bản"}
    )
    listed = graphql(flow, agency, "{ agencyDeclarations { sourceId status dueOn } }")
    open_ones = listed["data"]["agencyDeclarations"]
    assert open_ones
    assert {d["sourceId"] for d in open_ones} == {make_source_id(flow.code, "HRM")}
    assert [d["dueOn"] for d in open_ones] == sorted(d["dueOn"] for d in open_ones)
    other = Caller(Level.MINISTRY, organization="000.00.00.G18", client_id="portal")
    assert graphql(flow, other, "{ agencyDeclarations { id } }")["data"]["agencyDeclarations"] == []
    body = graphql(flow, me(flow), "{ agencyDeclarations { id } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_open_declaration_past_its_due_date_is_overdue(flow: Flow) -> None:
    body = graphql(flow, me(flow), DECLARE, {"field": "foreign_language", "value": "Tiếng Anh B2"})
    declared = body["data"]["declare"]
    conn = await asyncpg.connect(sync_free_dsn(make_url(flow.store)))
    try:  # as if sent a week ago and never answered
        await conn.execute(
            "UPDATE declaration SET due_on = current_date - 2 WHERE declaration_id = $1",
            declared["id"],
        )
    finally:
        await conn.close()
    mine = graphql(flow, me(flow), MINE)["data"]["myDeclarations"]
    assert next(d for d in mine if d["id"] == declared["id"])["status"] == "OVERDUE"


async def test_an_agency_without_a_connector_pulls_its_declarations_as_a_signed_export(
    flow: Flow, tmp_path: Path
) -> None:
    from exchange.declaration import DeclaredChange, verify_export
    from exchange.keys import TrustedKeysFile
    from resolvers.declarations import declare
    from store.database import create_engine

    engine = create_engine(flow.store, pool_size=1)
    try:  # no connector among the sources: the declaration waits in the agency's export
        row = await declare(
            engine, {}, flow.other_person_id, DeclaredChange(field="birth_place", value="Huế")
        )
    finally:
        await engine.dispose()
    assert (row.channel, row.status) == ("export", "sent")
    assert flow.connector.keys is not None
    folder = flow.connector.keys.folder
    source_id = make_source_id(flow.code, "HRM")
    out = tmp_path / "export.jws"
    done = cbccvc(flow, "declarations", "export", source_id,
                  "--moha-keys", str(folder.moha_keys), "--out", str(out))  # fmt: skip
    assert "1 declarations" in done.stdout
    listed = verify_export(
        out.read_text(encoding="utf-8").strip(), TrustedKeysFile(folder.moha_jwks).current(),
        source_id,
    )  # fmt: skip
    assert [d["id"] for d in listed] == [row.declaration_id]
    assert listed[0]["change"] == {"kind": "field", "field": "birth_place", "value": "Huế"}
    conn = await asyncpg.connect(sync_free_dsn(make_url(flow.store)))
    try:
        status = await conn.fetchval(
            "SELECT status FROM declaration WHERE declaration_id = $1", row.declaration_id
        )
    finally:
        await conn.close()
    assert status == "received"


async def test_the_agencies_approve_their_month_and_provenance_shows_the_proof(flow: Flow) -> None:
    from sandbox.monthly_approval import approve_month
    from store.database import create_engine

    assert flow.connector.keys is not None
    engine = create_engine(flow.store, pool_size=1)
    try:
        kept = await approve_month(flow.connector.dsn, flow.connector.keys.agencies, engine)
    finally:
        await engine.dispose()
    assert kept == 1
    central = Caller(Level.CENTRAL, organization="000.00.00.G09", client_id="portal")
    query = """query($id: ID!) { person(id: $id) { provenance { approval {
      covered period proof { size } } } } }"""
    body = graphql(flow, central, query, {"id": global_id.encode("Person", flow.other_person_id)})
    approval = body["data"]["person"]["provenance"]["approval"]
    assert approval["covered"] is True
    assert approval["proof"]["size"] >= 2
