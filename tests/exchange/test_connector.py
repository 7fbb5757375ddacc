"""The agency connector over HTTP, as any client of the exchange protocol sees it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from exchange_env import Agencies
from sqlalchemy.engine import URL

from exchange import protocol
from sandbox.services.agency_data import simulate_departure, simulate_update
from sandbox.services.running import RunningService, start_connector
from vocabulary.sources import DetailPart


@pytest_asyncio.fixture
async def http(connector: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=connector.url, timeout=10) as client:
        yield client


def feed(agencies: Agencies) -> str:
    return f"/agencies/{agencies.medium.code}/v1/changes"


async def test_paging_the_feed_to_the_end_yields_every_person_of_the_agency_once(
    http: httpx.AsyncClient, agencies: Agencies, medium_people: dict[str, str]
) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 25}
    pages = 0
    while True:
        body = (await http.get(feed(agencies), params=params)).json()
        pages += 1
        seen += [record["fields"]["personal_id"] for record in body["records"]]
        if not body["has_more"]:
            break
        params["cursor"] = body["next_cursor"]
    assert sorted(seen) == sorted(medium_people)
    assert pages == -(-len(medium_people) // 25)  # one call per page, none wasted


async def test_every_payload_names_the_protocol_and_its_version(
    http: httpx.AsyncClient, agencies: Agencies
) -> None:
    body = (await http.get(feed(agencies), params={"limit": 1})).json()
    assert (body["protocol"], body["version"]) == (protocol.PROTOCOL, protocol.VERSION)
    assert body["source_id"] == f"VN:GOV:{agencies.medium.code}:HRM"


async def test_records_carry_the_standard_fields_and_the_stores_record_id(
    http: httpx.AsyncClient, agencies: Agencies, medium_people: dict[str, str]
) -> None:
    record = (await http.get(feed(agencies), params={"limit": 1})).json()["records"][0]
    assert record["source_record_id"].startswith("NV-")
    assert (record["version"], record["deleted"]) == ("1", False)
    fields = record["fields"]
    assert fields["full_name"] == medium_people[fields["personal_id"]]
    assert set(fields) <= set(protocol.PERSON_FIELDS)
    assert len(fields["birth_date"]) == 10  # ISO 8601


async def test_the_last_page_hands_back_a_cursor_to_resume_from_later(
    http: httpx.AsyncClient, agencies: Agencies
) -> None:
    last = (await http.get(feed(agencies), params={"limit": 1000})).json()
    after = await http.get(feed(agencies), params={"cursor": last["next_cursor"]})
    assert after.json()["records"] == []
    assert after.json()["next_cursor"] == last["next_cursor"]
    assert after.json()["has_more"] is False


@pytest.mark.parametrize("cursor", ["garbage", "YzE6LTE", "YzE6MTA=", "x" * 100])
async def test_a_cursor_the_connector_never_issued_is_refused(
    http: httpx.AsyncClient, agencies: Agencies, cursor: str
) -> None:
    response = await http.get(feed(agencies), params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_CURSOR"


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
async def test_a_page_size_outside_1_to_1000_is_refused(
    http: httpx.AsyncClient, agencies: Agencies, limit: str
) -> None:
    response = await http.get(feed(agencies), params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_LIMIT"


async def test_detail_lookup_answers_for_the_agencys_people_with_the_parts_asked(
    http: httpx.AsyncClient, agencies: Agencies, medium_people: dict[str, str]
) -> None:
    known = sorted(medium_people)[:3]
    body = protocol.detail_request(
        [*known, "999999999999"], [DetailPart.WORK_HISTORY, DetailPart.FAMILY]
    )
    response = await http.post(f"/agencies/{agencies.medium.code}/v1/persons/detail", json=body)
    persons = response.json()["persons"]
    assert sorted(p["personal_id"] for p in persons) == known
    assert all(set(p["parts"]) == {"work_history", "family"} for p in persons)
    assert all(p["parts"]["work_history"] for p in persons)


async def test_one_agency_never_answers_for_another_agencys_people(
    http: httpx.AsyncClient, agencies: Agencies, medium_people: dict[str, str]
) -> None:
    body = protocol.detail_request(sorted(medium_people)[:5], [DetailPart.FAMILY])
    response = await http.post(f"/agencies/{agencies.small.code}/v1/persons/detail", json=body)
    assert response.json()["persons"] == []


async def test_a_detail_batch_above_the_protocols_maximum_is_refused(
    http: httpx.AsyncClient, agencies: Agencies
) -> None:
    ids = [f"{n:012d}" for n in range(protocol.MAX_DETAIL_BATCH + 1)]
    response = await http.post(
        f"/agencies/{agencies.medium.code}/v1/persons/detail",
        json=protocol.detail_request(ids, [DetailPart.FAMILY]),
    )
    assert response.status_code == 400
    assert "at most 200" in response.json()["error"]["message"]


async def test_a_detail_request_of_another_protocol_version_is_refused(
    http: httpx.AsyncClient, agencies: Agencies
) -> None:
    body = {**protocol.detail_request(["001090000001"], [DetailPart.FAMILY]), "version": "2.0"}
    response = await http.post(f"/agencies/{agencies.medium.code}/v1/persons/detail", json=body)
    assert response.status_code == 400
    assert "version" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/changes"),
        ("DELETE", "/v1/changes"),
        ("PUT", "/v1/persons/detail"),
        ("GET", "/v1/persons/detail"),
        ("PATCH", "/v1/organizations"),
    ],
)
async def test_the_connector_offers_no_way_to_write(
    http: httpx.AsyncClient, agencies: Agencies, method: str, path: str
) -> None:
    response = await http.request(method, f"/agencies/{agencies.medium.code}{path}")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


async def test_an_agency_the_connector_does_not_serve_is_not_found(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/agencies/000.00.00.Z99/v1/changes")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_organizations_are_the_agencys_subtree_with_parents_first(
    http: httpx.AsyncClient, agencies: Agencies
) -> None:
    body = (await http.get(f"/agencies/{agencies.medium.code}/v1/organizations")).json()
    codes = [org["code"] for org in body["organizations"]]
    assert codes[0] == agencies.medium.code
    placed = set()
    for org in body["organizations"]:
        assert org["code"] == agencies.medium.code or org["parent_code"] in placed
        placed.add(org["code"])


async def test_health_reports_how_many_records_the_agency_holds(
    http: httpx.AsyncClient, agencies: Agencies, medium_people: dict[str, str]
) -> None:
    body = (await http.get(f"/agencies/{agencies.medium.code}/v1/health")).json()
    assert body["status"] == "ok"
    assert body["records"] == len(medium_people)


@pytest_asyncio.fixture
async def own_connector(
    seeded_store_url: URL, postgres_server: URL, agencies: Agencies
) -> AsyncIterator[RunningService]:
    """A connector of its own, for tests that change the agency's data."""
    service = await start_connector(
        seeded_store_url.render_as_string(hide_password=False),
        postgres_server.render_as_string(hide_password=False),
        f"cbccvc_test_connector_own_{uuid.uuid4().hex[:8]}",
        [agencies.small],
    )
    yield service
    await service.aclose()


async def read_feed(client: httpx.AsyncClient, path: str, cursor: str | None) -> dict[str, Any]:
    params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
    return dict((await client.get(path, params=params)).json())


async def test_an_edit_in_the_agencys_hr_system_comes_next_in_the_feed_as_a_new_version(
    own_connector: RunningService, agencies: Agencies
) -> None:
    path = f"/agencies/{agencies.small.code}/v1/changes"
    async with httpx.AsyncClient(base_url=own_connector.url) as client:
        first = await read_feed(client, path, None)
        edited = first["records"][0]["fields"]["personal_id"]
        conn = await asyncpg.connect(own_connector.dsn)
        try:
            await simulate_update(conn, agencies.small.code, edited, {"it_skill": "Nâng cao"})
        finally:
            await conn.close()
        later = await read_feed(client, path, first["next_cursor"])
    assert [r["fields"]["personal_id"] for r in later["records"]] == [edited]
    assert later["records"][0]["version"] == "2"
    assert later["records"][0]["fields"]["it_skill"] == "Nâng cao"
    # the feed says when the HR system made the edit: just now, after the first version's time
    edited_at = datetime.fromisoformat(later["records"][0]["changed_at"])
    first_at = datetime.fromisoformat(first["records"][0]["changed_at"])
    assert first_at < edited_at <= datetime.now(UTC)
    assert datetime.now(UTC) - edited_at < timedelta(minutes=1)


async def test_a_record_withdrawn_by_the_agency_comes_next_as_a_tombstone(
    own_connector: RunningService, agencies: Agencies
) -> None:
    path = f"/agencies/{agencies.small.code}/v1/changes"
    async with httpx.AsyncClient(base_url=own_connector.url) as client:
        first = await read_feed(client, path, None)
        gone = first["records"][-1]["fields"]["personal_id"]
        conn = await asyncpg.connect(own_connector.dsn)
        try:
            await simulate_departure(conn, agencies.small.code, gone)
        finally:
            await conn.close()
        later = await read_feed(client, path, first["next_cursor"])
        detail = await client.post(
            f"/agencies/{agencies.small.code}/v1/persons/detail",
            json=protocol.detail_request([gone], [DetailPart.FAMILY]),
        )
    tombstone = later["records"][0]
    assert (tombstone["deleted"], tombstone["fields"]) == (True, {})
    assert detail.json()["persons"] == []  # a withdrawn record has no details to give
