"""The sandbox agencies approve their month (TT 06/2023/TT-BNV), so the demo shows
`Person.provenance.approval` with a proof.

    kept = await approve_month(connector_dsn, agency_keys, store_engine, "2026-12")

Each connector agency digests its OWN current records exactly as MOHA's sync does (the record as
the feed carries it, exchange/approval.py's record_digest), signs the manifest with its key,
and MOHA keeps it after checking the signature and that the digests give its root
(exchange/approvals_store.py). A record the store holds in that version is then covered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from exchange import protocol
from exchange.approval import manifest_of, record_digest, sign_manifest
from exchange.approvals_store import store_approval
from exchange.keys import PartyKeys, TrustedKeys
from exchange.staffdb import DEFAULT_SCHEMA, check_schema

APPROVER = "Trưởng phòng Tổ chức cán bộ (sandbox)"


async def agency_digests(conn: Any, code: str, source_id: str, schema: str) -> list[str]:
    rows = await conn.fetch(
        f"""SELECT staff_no, version, profile::text AS profile FROM {check_schema(schema)}.staff
             WHERE agency_code = $1 AND NOT deleted""",
        code,
    )
    records = [
        protocol.change_record(r["staff_no"], str(r["version"]), False, orjson.loads(r["profile"]))
        for r in rows
    ]
    # the record as MOHA reads it off the wire: the same typed values, so the same digest
    payload = orjson.loads(
        protocol.dumps(protocol.changes_payload(source_id, records, None, False))
    )
    page = protocol.parse_changes(payload, max(1, len(records)))
    return [record_digest(source_id, r.source_record_id, r.version, r.fields) for r in page.records]


async def approve_month(
    connector_dsn: str,
    keys: Mapping[str, PartyKeys],
    engine: AsyncEngine,
    period: str | None = None,
    *,
    schema: str = DEFAULT_SCHEMA,
) -> int:
    """Every agency of `keys` approves `period` (default: this month); manifests kept."""
    now = datetime.now(UTC)
    month = period or now.strftime("%Y-%m")
    conn = await asyncpg.connect(connector_dsn)
    kept = 0
    try:
        for code, agency in sorted(keys.items()):
            digests = await agency_digests(conn, code, agency.party, schema)
            if not digests:
                continue
            manifest = manifest_of(agency.party, month, digests, APPROVER, now.timestamp())
            token = sign_manifest(manifest, agency, now.timestamp())
            await store_approval(engine, token, digests, TrustedKeys.of(agency, now))
            kept += 1
    finally:
        await conn.close()
    return kept
