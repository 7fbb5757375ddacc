"""Organisation trees from the sources (Capability.ORGANIZATION_TREE) into the store.

Every source's tree is read, then the union is upserted by code in one transaction: parents
before children, successors linked once every organisation exists, status and dates of merged
and dissolved organisations kept (never deleted). An organisation whose parent or successor no
source names and the store does not hold is rejected (sync_reject, record id = its code).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg

from adapters.base import Source
from adapters.errors import SourceError
from store.vocabulary import OrgLevel, OrgStatus
from vocabulary.sources import Capability, OrganizationRecord

log = logging.getLogger(__name__)


@dataclass
class OrgCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def _problems(org: OrganizationRecord) -> list[tuple[str, str, str | None]]:
    # the adapter's own problems, each with its rule (a whole-record one is the code's)
    out: list[tuple[str, str, str | None]] = [
        (p.field or "code", p.rule, p.value) for p in org.problems
    ]
    if org.level not in {v.value for v in OrgLevel}:
        out.append(("level", "code_unknown", org.level))
    if org.status not in {v.value for v in OrgStatus}:
        out.append(("status", "code_unknown", org.status))
    if (org.status == "active") != (org.status_changed_on is None):
        out.append(("status_changed_on", "status_date", str(org.status_changed_on)))
    if org.status == "merged" and not org.successor_code:
        out.append(("successor_code", "mandatory", None))
    return out


async def sync_organizations(dsn: str, sources: Mapping[str, Source]) -> OrgCounts:
    """Reads every tree, upserts the union; returns what changed."""
    records: dict[str, tuple[str, OrganizationRecord]] = {}
    for source in sorted(sources.values(), key=lambda s: s.id):
        if Capability.ORGANIZATION_TREE not in source.capabilities:
            continue
        try:
            for org in await source.organizations():
                records.setdefault(org.code, (source.id, org))
        except SourceError as exc:
            log.warning("organisations of %s unavailable: %s", source.id, exc)
    counts = OrgCounts()
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE organization IN SHARE ROW EXCLUSIVE MODE")
            known = {
                r["code"]: dict(r)
                for r in await conn.fetch(
                    "SELECT o.id, o.code, o.name, o.level, p.code AS parent_code, o.status,"
                    " o.status_changed_on, s.code AS successor_code FROM organization o"
                    " LEFT JOIN organization p ON p.id = o.parent_id"
                    " LEFT JOIN organization s ON s.id = o.successor_id"
                )
            }
            ids = {code: row["id"] for code, row in known.items()}
            rejects: list[tuple[str, str, str, str, str | None]] = []
            good: dict[str, tuple[str, OrganizationRecord]] = {}
            for code, (source_id, org) in records.items():
                problems = _problems(org)
                if problems:
                    rejects += [(source_id, code, f, r, v) for f, r, v in problems]
                else:
                    good[code] = (source_id, org)
            # parents first: repeat until nothing more can be placed
            remaining = dict(good)
            while remaining:
                placed = 0
                for code, (_source, org) in list(remaining.items()):
                    parent = org.parent_code
                    if parent is not None and parent not in ids:
                        continue
                    del remaining[code]
                    placed += 1
                    parent_id = ids.get(parent) if parent else None
                    old = known.get(code)
                    if old is None:
                        ids[code] = await conn.fetchval(
                            """INSERT INTO organization (code, name, level, parent_id, status,
                                   status_changed_on) VALUES ($1, $2, $3, $4, $5, $6)
                               RETURNING id""",
                            code, org.name, org.level, parent_id,
                            "active" if org.status == "merged" else org.status,
                            None if org.status == "merged" else org.status_changed_on,
                        )  # fmt: skip
                        counts.inserted += 1
                    elif (old["name"], old["level"], old["parent_code"]) != (
                        org.name, org.level, org.parent_code,
                    ):  # fmt: skip
                        await conn.execute(
                            "UPDATE organization SET name = $2, level = $3, parent_id = $4"
                            " WHERE id = $1",
                            old["id"], org.name, org.level, parent_id,
                        )  # fmt: skip
                        counts.updated += 1
                    else:
                        counts.unchanged += 1
                if not placed:
                    break
            for code, (source_id, org) in remaining.items():
                rejects.append(
                    (source_id, code, "parent_code", "reference_unknown", org.parent_code)
                )
            # status and successors once every organisation exists
            for code, (source_id, org) in good.items():
                if code not in ids:
                    continue
                successor = ids.get(org.successor_code) if org.successor_code else None
                if org.successor_code and successor is None:
                    rejects.append(
                        (source_id, code, "successor_code", "reference_unknown", org.successor_code)
                    )
                    continue
                old = known.get(code)
                if old is not None and (
                    old["status"],
                    old["status_changed_on"],
                    old["successor_code"],
                ) == (org.status, org.status_changed_on, org.successor_code):
                    continue  # as stored: no statement (a run reads thousands of them)
                await conn.execute(
                    """UPDATE organization SET status = $2, status_changed_on = $3,
                           successor_id = $4
                        WHERE id = $1 AND (status, status_changed_on, successor_id)
                              IS DISTINCT FROM ($2, $3, $4)""",
                    ids[code], org.status, org.status_changed_on, successor,
                )  # fmt: skip
            counts.rejected = len({(r[0], r[1]) for r in rejects})
            await conn.executemany(
                """INSERT INTO sync_reject
                       (source_id, source_record_id, source_version, field, rule, value)
                   VALUES ($1, $2, 'organization', $3, $4, $5)
                   ON CONFLICT (source_id, source_record_id, field, rule)
                       WHERE resolved_at IS NULL
                   DO UPDATE SET last_seen = now()""",
                rejects,
            )
    finally:
        await conn.close()
    return counts
