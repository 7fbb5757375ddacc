"""Reconciliation with the population database (Capability.IDENTITY_CHECK): name, birth date and
gender of every person in the store, checked by personal ID.

A mismatch is flagged in `reconciliation` (the differing fields, the person's source, when),
never written over the store's row: the employing agency corrects its record, and the next
check clears the flag. A personal ID the population database does not know is flagged as
`not_found`. People are read in id order in bounded pages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import asyncpg

from adapters.base import Source
from adapters.errors import SourceError
from store.text import nfc
from vocabulary.sources import Capability, IdentityRecord

log = logging.getLogger(__name__)

PAGE = 500


@dataclass
class ReconcileReport:
    checked: int = 0
    mismatches: dict[str, int] = field(default_factory=dict)  # by the person's source
    unavailable: int = 0


def differing_fields(
    full_name: str, birth_date: object, gender: str, identity: IdentityRecord | None
) -> list[str]:
    """The fields on which the store and the population database disagree (pure)."""
    if identity is None:
        return ["not_found"]
    out = []
    if nfc(full_name).casefold() != nfc(identity.full_name).casefold():
        out.append("full_name")
    if birth_date != identity.birth_date:
        out.append("birth_date")
    if gender != identity.gender:
        out.append("gender")
    return out


async def reconcile(
    dsn: str, sources: Mapping[str, Source], *, page: int = PAGE
) -> ReconcileReport:
    """Checks every person against the first identity-check source; returns counts."""
    checkers = [s for s in sources.values() if Capability.IDENTITY_CHECK in s.capabilities]
    report = ReconcileReport()
    if not checkers:
        return report
    checker = sorted(checkers, key=lambda s: s.id)[0]
    conn = await asyncpg.connect(dsn)
    try:
        after = 0
        while True:
            rows = await conn.fetch(
                "SELECT id, personal_id, full_name, birth_date, gender, source_id FROM person"
                " WHERE id > $1 ORDER BY id LIMIT $2",
                after,
                page,
            )
            if not rows:
                break
            after = rows[-1]["id"]
            try:
                found = await checker.identities([r["personal_id"] for r in rows])
            except SourceError as exc:
                log.warning("identity check unavailable: %s", exc)
                report.unavailable += len(rows)
                continue
            flagged, clean = [], []
            for r in rows:
                diff = differing_fields(
                    r["full_name"], r["birth_date"], r["gender"], found.get(r["personal_id"])
                )
                if diff:
                    flagged.append((r["personal_id"], r["source_id"], json.dumps(diff)))
                    report.mismatches[r["source_id"]] = report.mismatches.get(r["source_id"], 0) + 1
                else:
                    clean.append(r["personal_id"])
            async with conn.transaction():
                await conn.executemany(
                    """INSERT INTO reconciliation (personal_id, source_id, differing_fields)
                       VALUES ($1, $2, $3::jsonb)
                       ON CONFLICT (personal_id) DO UPDATE SET source_id = EXCLUDED.source_id,
                           differing_fields = EXCLUDED.differing_fields, checked_at = now()""",
                    flagged,
                )
                await conn.execute(
                    "DELETE FROM reconciliation WHERE personal_id = ANY($1::text[])", clean
                )
            report.checked += len(rows)
    finally:
        await conn.close()
    return report
