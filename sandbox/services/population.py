"""The simulated national population database as an HTTP service of its own.

    POST /v1/citizens/lookup  {"personal_ids": [up to 100 IDs]}
        -> {"citizens": [{"personal_id", "full_name", "birth_date" (ISO), "gender" ("Nam" or
            "Nữ"), "residence"}]}      unknown IDs are simply absent
    GET  /v1/health           -> {"status": "ok", "citizens": <count>}

Rate-limited like the national platform (token bucket: 429 with Retry-After) and sometimes slow
(its baseline fault plan adds latency with jitter); faults can be injected through /_faults.
Its data comes from sandbox/services/population_data.py.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.types import ASGIApp

from sandbox.services.faults import FaultPlan
from sandbox.services.jsonapi import lookup_app

MAX_IDS = 100
GENDER_LABELS = {"male": "Nam", "female": "Nữ"}
# the real platform is usually quick and now and then slow
SOMETIMES_SLOW = FaultPlan(latency_ms=5, latency_jitter_ms=120)


async def citizens(pool: asyncpg.Pool, ids: list[str]) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        """SELECT personal_id, full_name, birth_date, gender, residence
             FROM population.citizen WHERE personal_id = ANY($1::text[])
            ORDER BY personal_id""",
        ids,
    )
    return [
        {
            "personal_id": row["personal_id"],
            "full_name": row["full_name"],
            "birth_date": row["birth_date"].isoformat(),
            "gender": GENDER_LABELS[row["gender"]],
            "residence": row["residence"],
        }
        for row in rows
    ]


def create_population_app(
    dsn: str,
    *,
    rate: float = 50.0,
    burst: int = 100,
    baseline: FaultPlan = SOMETIMES_SLOW,
) -> ASGIApp:
    """The service over the `population` schema of the database at `dsn`.

    Args:
        rate: calls allowed per second (token bucket), `burst` at once.
        baseline: the fault plan it starts with and returns to on DELETE /_faults.
    """
    return lookup_app(
        "cbccvc-sandbox-population", dsn, "citizens",
        "SELECT count(*) FROM population.citizen", citizens,
        max_ids=MAX_IDS, rate=rate, burst=burst, baseline=baseline,
    )  # fmt: skip
