"""Helpers of the sync tests: read the store back, independent of surrogate keys and times."""

from __future__ import annotations

from typing import Any

import asyncpg


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
