"""Consent (NĐ 27/2026): a person widens what one organisation sees of them, and no more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from policies.types import Caller, Level
from resolvers import global_id

GRANT = """
mutation($org: String!, $purpose: String!, $until: DateTime!) {
  grantConsent(organizationCode: $org, purpose: $purpose, validUntil: $until) {
    id organizationCode purpose active
  }
}
"""
READ = "query($id: ID!) { person(id: $id) { birthDate personalId religion { name } } }"


async def test_a_consent_lets_that_organisation_see_personal_fields_until_revoked(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    person = world.outsider
    me = as_caller(Caller(Level.SELF, subject=person.personal_id))
    reader = as_caller(
        Caller(Level.PROVINCE, organization=world.province, purposes=frozenset({"recruitment"}))
    )
    other_purpose = as_caller(
        Caller(Level.PROVINCE, organization=world.province, purposes=frozenset({"statistics"}))
    )
    variables = {"id": global_id.encode("Person", person.id)}

    before = (await reader.post(READ, variables)).json()["data"]["person"]
    assert before["birthDate"] is None

    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    granted = (
        await me.data(GRANT, {"org": world.province, "purpose": "recruitment", "until": until})
    )["grantConsent"]
    assert granted["active"] is True

    during = (await reader.post(READ, variables)).json()
    assert during["data"]["person"]["birthDate"] is not None
    assert during["data"]["person"]["personalId"] == person.personal_id
    assert during["data"]["person"]["religion"] is None, "consent never reaches sensitive fields"
    assert (await other_purpose.post(READ, variables)).json()["data"]["person"]["birthDate"] is None

    mine = (await me.data("{ myConsents { id purpose active } }"))["myConsents"]
    assert {"id": granted["id"], "purpose": "recruitment", "active": True} in mine

    revoked = await me.data(
        "mutation($id: ID!) { revokeConsent(id: $id) { active revokedAt } }",
        {"id": granted["id"]},
    )
    assert revoked["revokeConsent"]["active"] is False
    after = (await reader.post(READ, variables)).json()["data"]["person"]
    assert after["birthDate"] is None


async def test_only_the_person_themselves_can_grant_consent(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = (
        await province.post(GRANT, {"org": world.province, "purpose": "x", "until": until})
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_consent_for_an_unknown_organisation_or_past_date_is_refused(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    me = as_caller(Caller(Level.SELF, subject=world.insider.personal_id))
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    unknown = (await me.post(GRANT, {"org": "999.Z", "purpose": "x", "until": future})).json()
    assert unknown["errors"][0]["extensions"]["argument"] == "organizationCode"
    ended = (await me.post(GRANT, {"org": world.province, "purpose": "x", "until": past})).json()
    assert ended["errors"][0]["extensions"]["argument"] == "validUntil"
