"""The electronic CV: printed from the dossier, readable in Vietnamese, and never past policy.

The PDF's text is read back with pypdf: the diacritics must survive, and what the caller may
not see (sensitive fields for a consented reader) must be absent from it, values and all.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.types import Caller, Level
from resolvers import global_id
from resolvers.curriculum_vitae import show

GRANT = """
mutation($org: String!, $purpose: String!, $until: DateTime!) {
  grantConsent(organizationCode: $org, purpose: $purpose, validUntil: $until) { id }
}
"""


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


async def _facts(engine: AsyncEngine, person_id: int) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT p.full_name, p.personal_id, p.birth_date, e.name AS ethnicity,"
                    " e.code AS ethnicity_code, r.name AS religion, r.code AS religion_code,"
                    " (SELECT full_name FROM dossier_family_member f WHERE f.person_id = p.id"
                    "   AND relation = 'father') AS father,"
                    " (SELECT status FROM dossier_health_record h WHERE h.person_id = p.id"
                    "   LIMIT 1) AS health,"
                    " (SELECT count(*) FROM dossier_family_member f WHERE f.person_id = p.id)"
                    "   AS family_size"
                    " FROM person p JOIN ethnic_group e ON e.code = p.ethnicity_code"
                    " JOIN religion r ON r.code = p.religion_code WHERE p.id = :id"
                ),
                {"id": person_id},
            )
        ).one()


async def _get(client: Any, path: str) -> httpx.Response:
    response: httpx.Response = await client.http.get(path, headers=client.headers)
    return response


async def test_the_managing_province_prints_the_whole_cv_with_diacritics(
    as_caller: Callable[[Caller | None], Any], world: Any, engine: AsyncEngine
) -> None:
    person = world.insider
    facts = await _facts(engine, person.id)
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    response = await _get(province, f"/persons/{global_id.encode('Person', person.id)}/cv.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    printed = _pdf_text(response.content)
    assert "SƠ YẾU LÝ LỊCH" in printed
    assert "Quan hệ gia đình" in printed
    assert facts.full_name in printed  # Vietnamese letters and tones, as stored
    assert facts.father in printed
    assert facts.personal_id in printed
    assert f"Tôn giáo: {facts.religion} ({facts.religion_code})" in printed
    assert show(facts.health, "HealthStatus") in printed


async def test_a_consented_reader_sees_personal_fields_but_no_sensitive_ones_in_print(
    as_caller: Callable[[Caller | None], Any], world: Any, engine: AsyncEngine
) -> None:
    person = world.outsider
    facts = await _facts(engine, person.id)
    reader = as_caller(
        Caller(Level.PROVINCE, organization=world.province, purposes=frozenset({"cv-check"}))
    )
    path = f"/persons/{global_id.encode('Person', person.id)}/cv"
    refused = await _get(reader, f"{path}.pdf")
    assert refused.status_code == 403
    assert refused.json()["code"] == "FORBIDDEN"

    me = as_caller(Caller(Level.SELF, subject=person.personal_id))
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await me.data(GRANT, {"org": world.province, "purpose": "cv-check", "until": until})

    pdf = await _get(reader, f"{path}.pdf")
    assert pdf.status_code == 200, pdf.text
    printed = _pdf_text(pdf.content)
    assert facts.full_name in printed
    assert facts.personal_id in printed  # personal: the consent reaches it
    assert facts.birth_date.strftime("%d/%m/%Y") in printed
    assert facts.father in printed  # family is personal
    # sensitive: neither the value nor its line is printed, only the withheld notice
    assert f"{facts.religion} ({facts.religion_code})" not in printed
    assert f"{facts.ethnicity} ({facts.ethnicity_code})" not in printed
    assert "Tôn giáo:" not in printed
    assert show(facts.health, "HealthStatus") not in printed
    assert "Không hiển thị (không có quyền xem)" in printed

    page = await _get(reader, f"{path}.html")
    assert page.status_code == 200
    assert f"{facts.religion} ({facts.religion_code})" not in page.text
    assert facts.full_name in page.text

    async with engine.connect() as conn:
        audited = (
            await conn.execute(
                text(
                    "SELECT fields FROM audit_log WHERE :id = ANY(person_ids)"
                    " AND 'Person.curriculumVitae' = ANY(fields) ORDER BY id DESC LIMIT 1"
                ),
                {"id": person.id},
            )
        ).scalar_one()
    assert "Person.personalId" in audited
    assert "Person.religion" not in audited  # audited as printed: what was withheld was not


async def test_the_cv_in_graphql_matches_the_store(
    as_caller: Callable[[Caller | None], Any], world: Any, engine: AsyncEngine
) -> None:
    person = world.insider
    facts = await _facts(engine, person.id)
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    data = await province.data(
        "query($id: ID!) { person(id: $id) { curriculumVitae { form sections { key titleVi "
        "lines { labelVi value } tables { columnsVi rows } withheldVi } } "
        "familyMembers(first: 50) { edges { node { fullName relation } } } } }",
        {"id": global_id.encode("Person", person.id)},
    )
    sections = {s["key"]: s for s in data["person"]["curriculumVitae"]["sections"]}
    [family] = sections["family"]["tables"]
    assert len(family["rows"]) == facts.family_size
    assert len(data["person"]["familyMembers"]["edges"]) == facts.family_size
    assert {"labelVi": "Số định danh cá nhân", "value": facts.personal_id} in sections["identity"][
        "lines"
    ]
    assert all(not s["withheldVi"] for s in sections.values())


async def test_bad_requests_for_a_cv_are_refused_clearly(
    as_caller: Callable[[Caller | None], Any], world: Any
) -> None:
    province = as_caller(Caller(Level.PROVINCE, organization=world.province))
    public = as_caller(None)
    good = global_id.encode("Person", world.insider.id)
    assert (await _get(public, f"/persons/{good}/cv.pdf")).status_code == 403
    bad = await _get(province, "/persons/not-an-id/cv.pdf")
    assert bad.status_code == 400
    assert bad.json()["code"] == "BAD_USER_INPUT"
    missing = await _get(province, f"/persons/{global_id.encode('Person', 2**62)}/cv.html")
    assert missing.status_code == 404
    assert (await _get(province, f"/persons/{good}/cv.docx")).status_code == 404
