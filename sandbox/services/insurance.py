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

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from sandbox.services.faults import FaultInjector, FaultPlan
from sandbox.services.jsonapi import (
    BadRequest,
    JsonResponse,
    PoolHolder,
    personal_ids_of,
    service_app,
)
from sandbox.services.ratelimit import RateLimit

MAX_IDS = 100


def create_insurance_app(
    dsn: str,
    *,
    rate: float = 50.0,
    burst: int = 100,
    baseline: FaultPlan | None = None,
) -> ASGIApp:
    """The service over the `insurance` schema of the database at `dsn` (see population)."""
    holder = PoolHolder()

    async def lookup(request: Request) -> Response:
        try:
            ids = await personal_ids_of(request, MAX_IDS)
        except BadRequest as bad:
            return bad.response
        rows = await holder.pool.fetch(
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
        insured = [
            {"personal_id": pid, "insurance_number": number, "periods": periods[pid]}
            for pid, number in numbers.items()
        ]
        return JsonResponse({"insured": insured})

    async def health(request: Request) -> Response:
        count = await holder.pool.fetchval("SELECT count(*) FROM insurance.participant")
        return JsonResponse({"status": "ok", "insured": count})

    app = service_app(
        [
            Route("/v1/insured/lookup", lookup, methods=["POST"]),
            Route("/v1/health", health, methods=["GET"]),
        ],
        holder,
        dsn,
        "cbccvc-sandbox-insurance",
    )
    return FaultInjector(RateLimit(app, rate=rate, burst=burst), baseline=baseline)
