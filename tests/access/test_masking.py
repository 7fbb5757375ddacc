"""Per-row masking by the caller's level and relation to the record, through GraphQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policies.types import Caller, Level
from resolvers import global_id

PERSON = """
query($id: ID!) {
  person(id: $id) {
    id fullName birthDate personalId category
    ethnicity { name }
    salary { coefficient }
    education { professionalLevel }
  }
}
"""


async def person_as(client: Any, person_id: int) -> dict[str, Any]:
    response = await client.post(PERSON, {"id": global_id.encode("Person", person_id)})
    assert response.status_code == 200
    return dict(response.json())


def forbidden_paths(body: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {
        tuple(error["path"])
        for error in body.get("errors", [])
        if error["extensions"]["code"] == "FORBIDDEN"
    }


async def test_a_province_sees_everything_of_its_own_people(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    body = await person_as(province, world.insider.id)
    person = body["data"]["person"]
    assert "errors" not in body
    assert person["personalId"] == world.insider.personal_id
    assert person["ethnicity"]["name"]
    assert person["category"]


async def test_a_province_sees_only_public_fields_of_other_provinces_people(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    body = await person_as(province, world.outsider.id)
    person = body["data"]["person"]
    assert person["fullName"]
    for field in ("birthDate", "personalId", "category", "ethnicity", "salary", "education"):
        assert person[field] is None, field
    assert forbidden_paths(body) == {
        ("person", field)
        for field in ("birthDate", "personalId", "category", "ethnicity", "salary", "education")
    }
    messages = {error["message"] for error in body["errors"]}
    assert messages == {"you are not permitted to see this field"}
    assert world.outsider.personal_id not in str(body)


async def test_the_public_sees_names_and_posts_only(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    body = await person_as(as_caller(None), world.insider.id)
    person = body["data"]["person"]
    assert person["fullName"]
    assert person["birthDate"] is None
    assert person["category"] is None
    assert len(forbidden_paths(body)) == 6


async def test_node_obeys_the_same_rules_as_person(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    response = await province.post(
        "query($id: ID!) { node(id: $id) { ... on Person { fullName birthDate } } }",
        {"id": global_id.encode("Person", world.outsider.id)},
    )
    body = response.json()
    assert body["data"]["node"]["fullName"]
    assert body["data"]["node"]["birthDate"] is None
    assert forbidden_paths(body) == {("node", "birthDate")}


async def test_one_denial_never_nulls_a_page(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    response = await province.post(
        "query($org: String!) { persons(first: 5, filter: {organization: $org}) "
        "{ edges { node { fullName birthDate } } } }",
        {"org": world.other_province},
    )
    body = response.json()
    nodes = [edge["node"] for edge in body["data"]["persons"]["edges"]]
    assert len(nodes) == 5
    assert all(node["fullName"] and node["birthDate"] is None for node in nodes)
    assert forbidden_paths(body) == {("persons", "edges", i, "node", "birthDate") for i in range(5)}


async def test_self_sees_their_own_record_and_only_public_fields_of_others(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    me = as_caller(Caller(Level.SELF, subject=world.insider.personal_id))
    mine = await person_as(me, world.insider.id)
    assert mine["data"]["person"]["personalId"] == world.insider.personal_id
    assert mine["data"]["person"]["ethnicity"] is not None
    theirs = await person_as(me, world.outsider.id)
    assert theirs["data"]["person"]["personalId"] is None


async def test_a_partner_sees_the_fields_of_its_purpose_and_no_others(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    partner = as_caller(
        Caller(
            Level.PARTNER,
            organization="000.00.00.G12",
            client_id="bhxh",
            purposes=frozenset({"insurance-reconciliation"}),
        )
    )
    person = (await person_as(partner, world.outsider.id))["data"]["person"]
    assert person["personalId"] == world.outsider.personal_id
    assert person["birthDate"] is not None
    assert person["ethnicity"] is None
    assert person["salary"] is None


async def test_filters_on_fields_the_caller_cannot_see_are_refused_outside_its_subtree(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    query = (
        "query($org: String) { persons(first: 3, filter: {organization: $org, "
        "categories: [CIVIL_SERVANT]}) { edges { node { category } } } }"
    )
    refused = (await province.post(query, {"org": world.other_province})).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "categories" in refused["errors"][0]["message"]
    assert (await province.post(query, {"org": None})).json()["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    allowed = (await province.post(query, {"org": world.province})).json()
    assert "errors" not in allowed
    assert {e["node"]["category"] for e in allowed["data"]["persons"]["edges"]} == {"CIVIL_SERVANT"}


async def test_me_returns_the_callers_claims(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    caller = Caller(
        Level.PROVINCE,
        organization=world.province,
        subject="officer-7",
        client_id="hn-portal",
        purposes=frozenset({"personnel"}),
    )
    me = await as_caller(caller).data("{ me { level organization subject clientId purposes } }")
    assert me["me"] == {
        "level": "province",
        "organization": world.province,
        "subject": "officer-7",
        "clientId": "hn-portal",
        "purposes": ["personnel"],
    }
    public = await as_caller(None).data("{ me { level organization } }")
    assert public["me"] == {"level": "public", "organization": None}
