"""Helpers of the sync tests: read the store back, independent of surrogate keys and times."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import URL

from adapters.registry import SourceRegistry
from store.database import sync_free_dsn


async def store_checksum(dsn: str) -> dict[str, Any]:
    """What a sync decides, without surrogate keys or times: people, open rejects, history,
    conflicts, bookmarks."""
    conn = await asyncpg.connect(dsn)
    try:
        return dict(
            await conn.fetchrow(
                """SELECT
                  (SELECT md5(string_agg(concat_ws('|', personal_id, content_hash, status,
                          source_id, source_record_id, source_version), ',' ORDER BY personal_id))
                     FROM person) AS people,
                  (SELECT count(*) FROM person) AS people_count,
                  (SELECT md5(string_agg(concat_ws('|', source_id, source_record_id,
                          source_version, field, rule, value), ','
                          ORDER BY source_id, source_record_id, field, rule))
                     FROM sync_reject WHERE resolved_at IS NULL) AS rejects,
                  (SELECT count(*) FROM sync_reject WHERE resolved_at IS NULL) AS reject_count,
                  (SELECT md5(string_agg(concat_ws('|', p.personal_id, h.change, h.content
                          ->> 'content_hash'), ',' ORDER BY p.personal_id, h.id))
                     FROM person_history h JOIN person p ON p.id = h.person_id) AS history,
                  (SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL) AS conflicts,
                  (SELECT md5(string_agg(source_id || coalesce(cursor, ''), ','
                          ORDER BY source_id)) FROM sync_bookmark) AS bookmarks"""
            )
        )
    finally:
        await conn.close()


async def two_agencies(connector: Any) -> tuple[str, str]:
    """The two agencies behind the connector with the most people."""
    rows = await connector.fetch(
        "SELECT agency_code FROM hrm.staff GROUP BY agency_code ORDER BY count(*) DESC, 1 LIMIT 2"
    )
    return rows[0]["agency_code"], rows[1]["agency_code"]


async def active_people(connector: Any, agency: str, count: int) -> list[asyncpg.Record]:
    return list(
        await connector.fetch(
            """SELECT personal_id, staff_no, profile::text AS profile FROM hrm.staff
                WHERE agency_code = $1 AND NOT deleted AND profile->>'status' = 'active'
                ORDER BY staff_no LIMIT $2""",
            agency,
            count,
        )
    )


async def hire(connector: Any, agency: str, person: asyncpg.Record, number: int) -> None:
    """The person appears at another agency (its own record number and organisation)."""
    org = await connector.fetchval(
        "SELECT code FROM hrm.organization WHERE agency_code = $1 ORDER BY position LIMIT 1",
        agency,
    )
    profile = json.loads(person["profile"]) | {"organization_code": org}
    await connector.execute(
        "INSERT INTO hrm.staff (agency_code, staff_no, personal_id, profile)"
        " VALUES ($1, $2, $3, $4::jsonb)",
        agency,
        f"NV-9{number:06d}",
        person["personal_id"],
        json.dumps(profile, ensure_ascii=False),
    )


def agency_source(registry: SourceRegistry, agency: str) -> Any:
    return registry[f"VN:GOV:{agency}:HRM"]


async def audit_rows(seeded_store_url: URL, response: httpx.Response) -> list[tuple[Any, ...]]:
    """(person ids, fields, client, organisation) of the audit rows of one response."""
    assert response.status_code == 200, response.text
    dsn = sync_free_dsn(seeded_store_url.render_as_string(hide_password=False))
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT person_ids, fields, client_id, organization FROM audit_log"
            " WHERE request_id = $1 ORDER BY id",
            response.headers["x-request-id"],
        )
    finally:
        await conn.close()
    return [(list(r["person_ids"]), list(r["fields"]), r["client_id"], r["organization"])
            for r in rows]  # fmt: skip


async def fetch_rows(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """The rows of one statement, on a connection of its own."""
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()
