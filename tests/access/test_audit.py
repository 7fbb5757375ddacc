"""The audit trail: who saw whose personal data, append-only and hash-chained."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.types import Caller, Level
from resolvers import global_id
from store import audit
from store.database import create_engine

LOG = """
query($person: ID) {
  auditLog(person: $person, first: 5) {
    edges { node { requestId clientId level organization purposes fields people } }
  }
}
"""


async def test_reading_personal_fields_is_audited_and_public_ones_are_not(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    reader = Caller(
        Level.PROVINCE,
        organization=world.province,
        client_id="hn-portal",
        subject="officer-9",
        purposes=frozenset({"personnel"}),
    )
    person_id = global_id.encode("Person", world.insider.id)
    response = await as_caller(reader).post(
        "query($id: ID!) { person(id: $id) { fullName birthDate religion { name } } }",
        {"id": person_id},
    )
    central = as_caller(Caller(Level.CENTRAL, organization="000.00.00.G09"))
    entries = (await central.data(LOG, {"person": person_id}))["auditLog"]["edges"]
    newest = entries[0]["node"]
    assert newest["requestId"] == response.headers["x-request-id"]
    assert newest["clientId"] == "hn-portal"
    assert newest["level"] == "province"
    assert newest["organization"] == world.province
    assert newest["purposes"] == ["personnel"]
    assert newest["fields"] == ["Person.birthDate", "Person.religion"]

    public_read = await as_caller(reader).post(
        "query($id: ID!) { person(id: $id) { fullName jobPosition } }", {"id": person_id}
    )
    entries = (await central.data(LOG, {"person": person_id}))["auditLog"]["edges"]
    assert public_read.headers["x-request-id"] not in {e["node"]["requestId"] for e in entries}


async def test_concurrent_responses_each_leave_their_own_audit_record(
    as_caller: Callable[[Caller | None], Any], world: Any, engine: AsyncEngine
) -> None:
    # requests finishing together share the audit's statements (group commit): still one
    # record per response, with that response's request id and reader, in an intact chain
    person_id = global_id.encode("Person", world.insider.id)
    readers = [
        Caller(Level.PROVINCE, organization=world.province, client_id=f"portal-{i}")
        for i in range(12)
    ]
    responses = await asyncio.gather(
        *(
            as_caller(reader).post(
                "query($id: ID!) { person(id: $id) { birthDate } }", {"id": person_id}
            )
            for reader in readers
        )
    )
    assert all(r.status_code == 200 and "errors" not in r.json() for r in responses)
    central = as_caller(Caller(Level.CENTRAL, organization="000.00.00.G09"))
    entries = (
        await central.data(
            "query($person: ID) { auditLog(person: $person, first: 40) "
            "{ edges { node { requestId clientId fields } } } }",
            {"person": person_id},
        )
    )["auditLog"]["edges"]
    logged = {e["node"]["requestId"]: e["node"] for e in entries}
    for reader, response in zip(readers, responses, strict=True):
        record = logged[response.headers["x-request-id"]]
        assert record["clientId"] == reader.client_id
        assert record["fields"] == ["Person.birthDate"]
    _checked, problems = await audit.verify(engine)
    assert problems == []


async def test_a_person_reads_who_accessed_their_record(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    reader = Caller(Level.PROVINCE, organization=world.province, client_id="hn-hr")
    await as_caller(reader).post(
        "query($id: ID!) { person(id: $id) { birthDate } }",
        {"id": global_id.encode("Person", world.insider.id)},
    )
    me = as_caller(Caller(Level.SELF, subject=world.insider.personal_id))
    log = await me.data("{ myAccessLog(first: 3) { edges { node { clientId fields } } } }")
    assert log["myAccessLog"]["edges"][0]["node"] == {
        "clientId": "hn-hr",
        "fields": ["Person.birthDate"],
    }


async def test_my_access_log_names_readers_by_organisation_never_by_their_personal_id(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    # an officer whose token subject is their own personal ID (a trusted issuer's officer
    # tokens are), and another person reading their own record in the same store
    officer_id = world.outsider.personal_id
    officer = Caller(
        Level.PROVINCE,
        organization=world.province,
        subject=officer_id,
        client_id="hn-portal",
        purposes=frozenset({"recruitment"}),
    )
    person = {"id": global_id.encode("Person", world.insider.id)}
    await as_caller(officer).post("query($id: ID!) { person(id: $id) { birthDate } }", person)
    await as_caller(Caller(Level.SELF, subject=world.insider.personal_id)).post(
        "query($id: ID!) { person(id: $id) { birthDate } }", person
    )
    me = as_caller(Caller(Level.SELF, subject=world.insider.personal_id))
    response = await me.post(
        "{ myAccessLog(first: 2) { edges { node { level organization clientId purposes"
        " fields byYou } } } }"
    )
    assert officer_id not in response.text
    readings = [edge["node"] for edge in response.json()["data"]["myAccessLog"]["edges"]]
    assert readings[0]["byYou"] is True
    assert readings[1] == {
        "level": "province",
        "organization": world.province,
        "clientId": "hn-portal",
        "purposes": ["recruitment"],
        "fields": ["Person.birthDate"],
        "byYou": False,
    }
    # the audit keeps the full record, reader's subject included, for central auditors
    central = as_caller(Caller(Level.CENTRAL, organization="000.00.00.G09"))
    audit = await central.data(
        "query($person: ID) { auditLog(person: $person, first: 2) { edges { node { subject } } } }",
        {"person": person["id"]},
    )
    assert officer_id in {edge["node"]["subject"] for edge in audit["auditLog"]["edges"]}


async def test_a_subject_field_is_not_in_what_a_person_may_ask_of_their_log(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    me = as_caller(Caller(Level.SELF, subject=world.insider.personal_id))
    body = (await me.post("{ myAccessLog(first: 1) { edges { node { subject } } } }")).json()
    assert "data" not in body or body["data"] is None
    assert "subject" in body["errors"][0]["message"]


async def test_only_the_central_level_reads_the_audit_log(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    body = (await province.post(LOG, {"person": None})).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_log_refuses_updates_and_deletes(engine: AsyncEngine) -> None:
    for statement in ("UPDATE audit_log SET level = 'central'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))


async def test_verify_detects_an_altered_removed_or_reordered_row(fresh_store_url: str) -> None:
    engine = create_engine(fresh_store_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await audit.append(
                conn,
                [
                    audit.draft(
                        request_id=f"r{i}",
                        client_id="c",
                        subject=None,
                        level="province",
                        organization="X",
                        purposes=[],
                        person_ids=[i],
                        fields=["Person.birthDate"],
                    )
                    for i in range(1, 6)
                ],
            )
        assert await audit.verify(engine) == (5, [])
        async with engine.begin() as conn:
            # someone with the power to switch the trigger off tampers with the table
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
            await conn.execute(text("UPDATE audit_log SET person_ids = '{99}' WHERE id = 2"))
        _checked, problems = await audit.verify(engine)
        assert [(p.row_id, "altered" in p.problem) for p in problems] == [(2, True)]
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM audit_log WHERE id = 4"))
        assert 5 in {p.row_id for p in (await audit.verify(engine))[1]}
    finally:
        await engine.dispose()


def test_cbccvc_audit_verify_reports_an_intact_log(seeded_store_url: URL) -> None:
    env = {"DATABASE_URL": seeded_store_url.render_as_string(hide_password=False), "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "audit log intact" in result.stdout
