"""The simulated social insurance database (BHXH) as an HTTP service of its own.

    POST /v1/insured/lookup  {"personal_ids": [up to 100 IDs]}
        -> {"insured": [{"personal_id", "insurance_number", "periods": [{"from", "to" (ISO or
            null while open), "employer", "salary_basis" (VND, integer)}]}]}
    GET  /v1/health          -> {"status": "ok", "insured": <count>}

Rate-limited and fault-injectable like the population service; data from
sandbox/services/insurance_data.py.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import asyncpg
from starlette.types import ASGIApp

from sandbox.services.faults import FaultPlan
from sandbox.services.jsonapi import lookup_app

MAX_IDS = 100


async def insured(pool: asyncpg.Pool, ids: list[str]) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT p.personal_id, p.insurance_number, c.start_on, c.end_on, c.employer,
                  c.salary_basis
             FROM insurance.participant p
             LEFT JOIN insurance.contribution c ON c.insurance_number = p.insurance_number
            WHERE p.personal_id = ANY($1::text[])
            ORDER BY p.personal_id, c.period_no""",
        ids,
    )
    numbers: dict[str, str] = {}
    periods: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        numbers[row["personal_id"]] = row["insurance_number"]
        if row["start_on"] is not None:
            periods[row["personal_id"]].append(
                {
                    "from": row["start_on"].isoformat(),
                    "to": row["end_on"].isoformat() if row["end_on"] else None,
                    "employer": row["employer"],
                    "salary_basis": row["salary_basis"],
                }
            )
    return [
        {"personal_id": pid, "insurance_number": number, "periods": periods[pid]}
        for pid, number in numbers.items()
    ]


def create_insurance_app(
    dsn: str,
    *,
    rate: float = 50.0,
    burst: int = 100,
    baseline: FaultPlan | None = None,
) -> ASGIApp:
    """The service over the `insurance` schema of the database at `dsn` (see population)."""
    return lookup_app(
        "cbccvc-sandbox-insurance", dsn, "insured",
        "SELECT count(*) FROM insurance.participant", insured,
        max_ids=MAX_IDS, rate=rate, burst=burst, baseline=baseline,
    )  # fmt: skip
