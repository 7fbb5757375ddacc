"""`cbccvc seed` against a real, freshly migrated store."""

from __future__ import annotations

import asyncpg
import pytest

from sandbox.seed import SeedError, seed_store
from store.database import sync_free_dsn

PEOPLE = 3_000
SEED = 2026


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


async def _hashes(url: str) -> set[str]:
    return {r["content_hash"] for r in await _fetch(url, "SELECT content_hash FROM person")}


async def test_seeding_fills_people_organisations_and_quotas(fresh_store_url: str) -> None:
    report = await seed_store(fresh_store_url, PEOPLE, SEED, progress=False)

    assert report.people == PEOPLE
    [counts] = await _fetch(
        fresh_store_url,
        "SELECT (SELECT count(*) FROM person) AS people,"
        " (SELECT count(*) FROM organization) AS orgs,"
        " (SELECT max(depth) FROM organization) AS depth",
    )
    assert counts["people"] == PEOPLE
    assert counts["orgs"] == report.organizations
    assert counts["depth"] in (2, 3, 4)  # 3 to 5 levels, the root at depth 0
    inactive = await _fetch(
        fresh_store_url,
        "SELECT p.id FROM person p JOIN organization o ON o.id = p.organization_id"
        " WHERE o.status <> 'active'",
    )
    assert inactive == []
    without_quota = await _fetch(
        fresh_store_url,
        "SELECT DISTINCT p.organization_id FROM person p"
        " WHERE p.status = 'active' AND NOT EXISTS (SELECT 1 FROM staffing_quota q"
        " WHERE q.organization_id = p.organization_id AND q.year IN (2025, 2026))",
    )
    assert without_quota == []
    over_quota = await _fetch(
        fresh_store_url,
        """
        SELECT q.organization_id FROM staffing_quota q
          JOIN (SELECT organization_id,
                       count(*) FILTER (WHERE category IN ('cadre', 'civil_servant')) AS civil,
                       count(*) FILTER (WHERE category = 'public_employee') AS public,
                       count(*) FILTER (WHERE category = 'contract_worker') AS contract
                  FROM person WHERE status = 'active' GROUP BY organization_id) h
            USING (organization_id)
         WHERE q.year = 2026 AND (q.civil_servants < h.civil
               OR q.public_employees < h.public OR q.contract_staff < h.contract)
        """,
    )
    assert over_quota, "some organisations should employ more people than their quota"


async def test_seeding_again_refuses_and_changes_nothing_unless_replacing(
    fresh_store_url: str,
) -> None:
    await seed_store(fresh_store_url, PEOPLE, SEED, progress=False)
    before = await _hashes(fresh_store_url)

    with pytest.raises(SeedError, match="already holds 3000 people"):
        await seed_store(fresh_store_url, 10, SEED + 1, progress=False)
    assert await _hashes(fresh_store_url) == before

    report = await seed_store(fresh_store_url, PEOPLE, SEED, progress=False, replace=True)
    assert report.people == PEOPLE
    assert await _hashes(fresh_store_url) == before
    [ids] = await _fetch(fresh_store_url, "SELECT min(id) AS lowest FROM organization")
    assert ids["lowest"] == 1, "replacing starts the ids afresh"
