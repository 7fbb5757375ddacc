"""Rejects through GraphQL as a clerk reads them: the owning province's token sees the value,
the form expected and the file name + row; another province's token sees none of its rejects,
and the central level sees them without the personal values its policy masks. A response that
carries personal values of rejects leaves its audit row, as a Person's fields do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from sqlalchemy.engine import URL
from starlette.applications import Starlette

from policies.types import Caller, Level
from store.database import sync_free_dsn
from tests.graphql_client import GraphQLClient
from tests.sync.sync_helpers import audit_rows

QUERY = """
query($lang: Language) {
  rejects(first: 20, lang: $lang) { edges { node {
    sourceId sourceRecordId location field rule title value expected
  } } }
}
"""


@pytest_asyncio.fixture
async def provinces(seeded_store_url: URL) -> AsyncIterator[tuple[str, str]]:
    """Two provinces of the seeded store, each with a drop whose rows were rejected."""
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        codes = [
            row["code"]
            for row in await conn.fetch(
                "SELECT code FROM organization WHERE level = 'province' AND status = 'active'"
                " ORDER BY code LIMIT 2"
            )
        ]
        own, other = (f"VN:GOV:{code}:REJECTTEST" for code in codes)
        # a person the store holds, whose new version was refused (the others are newcomers)
        held = await conn.fetchval("SELECT personal_id FROM person ORDER BY id LIMIT 1")
        await conn.executemany(
            "INSERT INTO sync_reject (source_id, source_record_id, source_version, field, rule,"
            " value, expected, location, personal_id)"
            " VALUES ($1, $2, 'abc', $3, $4, $5, $6, $7, $8)",
            [
                (own, "nhan_su_2026-06.xlsx#14", "birth_date", "date_format", "03/04/1980",
                 "a date of the form yyyy-mm-dd", "nhan_su_2026-06.xlsx#14", None),
                (own, "001080012345", "salary_coefficient", "salary_coefficient_mismatch",
                 "3.10", "3.00, the coefficient of step 3 of scale A1", "nhan_su_2026-06.xlsx#15",
                 held),
                (own, "001080012345", "dossier_family_member[2].relation", "code_unknown",
                 "Chú ruột", "a value of the code map hs_relation", None, held),
                (other, "079080012345", "personal_id", "personal_id_gender", "079080012345",
                 "an even 4th digit for a man, odd for a woman", "ho_so.csv#2", None),
            ],
        )  # fmt: skip
        yield codes[0], codes[1]
        await conn.execute("DELETE FROM sync_reject WHERE source_id LIKE '%:REJECTTEST'")
    finally:
        await conn.close()


async def _rejects(client: GraphQLClient, lang: str = "VI") -> list[dict[str, Any]]:
    data = await client.data(QUERY, {"lang": lang})
    return [
        edge["node"]
        for edge in data["rejects"]["edges"]
        if edge["node"]["sourceId"].endswith(":REJECTTEST")
    ]


async def test_the_owning_province_sees_values_expected_forms_and_file_rows(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str]
) -> None:
    own, _other = provinces
    found = await _rejects(GraphQLClient(client, app, Caller(Level.PROVINCE, organization=own)))
    by_field = {node["field"]: node for node in found}
    assert set(by_field) == {  # not the other province's
        "birth_date", "salary_coefficient", "dossier_family_member[2].relation",
    }  # fmt: skip
    birth = by_field["birth_date"]
    assert (birth["value"], birth["expected"]) == ("03/04/1980", "a date of the form yyyy-mm-dd")
    assert birth["location"] == "nhan_su_2026-06.xlsx#14"  # the file's name and row
    assert birth["title"] == "Ngày không đúng định dạng"  # Vietnamese by default
    assert by_field["salary_coefficient"]["value"] == "3.10"
    # a dossier entry's value is shown as Person.familyMembers is: to the owning agency
    relative = by_field["dossier_family_member[2].relation"]
    assert (relative["value"], relative["title"]) == ("Chú ruột", "Mã không có trong danh mục")


async def test_another_province_sees_none_of_them(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str]
) -> None:
    own, other = provinces
    found = await _rejects(GraphQLClient(client, app, Caller(Level.PROVINCE, organization=other)))
    assert [node["field"] for node in found] == ["personal_id"]  # only its own
    assert all(own not in node["sourceId"] for node in found)


async def test_the_central_level_sees_the_rules_with_values_masked_by_policy(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str]
) -> None:
    central = GraphQLClient(client, app, Caller(Level.CENTRAL, organization="000.00.00.G09"))
    found = await _rejects(central, "EN")
    assert len(found) == 4
    titles = {node["rule"]: node["title"] for node in found}
    assert titles["personal_id_gender"] == "Personal ID does not match the gender"
    # what the central level's policy lets it see of a person outside its own subtree is what
    # it sees of the rejected value: the same engine decides both
    for node in found:
        assert (node["value"] is None) == (node["expected"] is None)


async def _person_id(seeded_store_url: URL) -> int:
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT id FROM person ORDER BY id LIMIT 1"))
    finally:
        await conn.close()


async def test_reading_rejects_with_values_is_audited_as_a_persons_fields_are(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str], seeded_store_url: URL
) -> None:
    own, _other = provinces
    clerk = GraphQLClient(
        client, app, Caller(Level.PROVINCE, organization=own, client_id="clerk-portal")
    )
    source = f"VN:GOV:{own}:REJECTTEST"
    query = (
        "query($s: String) { rejects(source: $s, first: 20) { edges { node { field value } } } }"
    )
    response = await clerk.post(query, {"s": source})
    assert {e["node"]["value"] for e in response.json()["data"]["rejects"]["edges"]} == {
        "03/04/1980", "3.10", "Chú ruột",
    }  # fmt: skip
    rows = await audit_rows(seeded_store_url, response)
    held = await _person_id(seeded_store_url)
    assert rows == [
        # the refused newcomer's birth date: no person in the store to name, the read recorded
        ([], ["Person.birthDate", "SyncReject.value"], "clerk-portal", own),
        # the held person's refused pay and relative, by the person's store id
        ([held], ["Person.familyMembers", "Salary.coefficient", "SyncReject.value"],
         "clerk-portal", own),
    ]  # fmt: skip

    # the expected forms only: audited as what they are
    expected = (
        "query($s: String) { rejects(source: $s, first: 20) { edges { node { expected } } } }"
    )
    rows = await audit_rows(seeded_store_url, await clerk.post(expected, {"s": source}))
    assert [r[1][-1] for r in rows] == ["SyncReject.expected", "SyncReject.expected"]


async def test_reading_rejects_without_personal_values_leaves_no_audit_row(
    client: httpx.AsyncClient, app: Starlette, provinces: tuple[str, str], seeded_store_url: URL
) -> None:
    own, other = provinces
    clerk = GraphQLClient(client, app, Caller(Level.PROVINCE, organization=own))
    no_values = "{ rejects(first: 20) { edges { node { sourceId field rule location } } } }"
    assert await audit_rows(seeded_store_url, await clerk.post(no_values)) == []
    # another province reads values, but only of its own source: nothing of the first one's
    # people or fields is recorded as seen by it
    stranger = GraphQLClient(client, app, Caller(Level.PROVINCE, organization=other))
    rows = await audit_rows(seeded_store_url, await stranger.post(QUERY, {"lang": "VI"}))
    held = await _person_id(seeded_store_url)
    assert ([], ["Person.personalId", "SyncReject.expected", "SyncReject.value"]) in [
        (r[0], r[1]) for r in rows
    ]  # its own refused newcomer's personal ID
    assert all(held not in r[0] for r in rows)
    fields = {f for r in rows for f in r[1]}
    assert not fields & {"Person.birthDate", "Salary.coefficient", "Person.familyMembers"}


async def test_reject_rules_answer_in_both_languages(gql: GraphQLClient) -> None:
    query = "query($lang: Language) { rejectRules(lang: $lang) { id kind title expected } }"
    vi = {rule["id"]: rule for rule in (await gql.data(query, {"lang": "VI"}))["rejectRules"]}
    en = {rule["id"]: rule for rule in (await gql.data(query, {"lang": "EN"}))["rejectRules"]}
    assert set(vi) == set(en)
    assert vi["grade_scale_mismatch"]["title"] == "Ngạch lương không khớp ngạch"
    assert en["grade_scale_mismatch"]["title"] == "Salary scale does not match the grade"
    assert vi["invisible_removed"]["kind"] == "correction"
