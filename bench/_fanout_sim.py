"""Simulated agency sources for bench/fanout.py: one HTTP service, many agencies, each with its
own latency, and the Source that reads it (real HTTP on loopback, behind the real guard).

    FANOUT_LATENCIES='{"SIM.01": 10, ...}' uvicorn --factory bench._fanout_sim:app

`POST /_latency {"code": "SIM.07", "ms": -1}` changes one agency's latency at run time (-1 hangs).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.base import Source
from adapters.errors import SourceTimeout, SourceUnavailable
from vocabulary.sources import Capability, DetailPart, Health, PersonDetail, SourceKind


def app() -> Starlette:
    latencies: dict[str, float] = json.loads(os.environ.get("FANOUT_LATENCIES", "{}"))

    async def details(request: Request) -> Response:
        code = request.path_params["code"]
        latency = latencies.get(code, 0.0)
        if latency < 0:
            await asyncio.sleep(3600)  # hung: the client's deadline must fire
        await asyncio.sleep(latency / 1000)
        body = orjson.loads(await request.body())
        persons = {
            personal_id: {"work_history": [{"start": "2015-01-01", "position": "Chuyên viên"}]}
            for personal_id in body["personal_ids"]
        }
        return Response(orjson.dumps({"persons": persons}), media_type="application/json")

    async def set_latency(request: Request) -> Response:
        body = orjson.loads(await request.body())
        latencies[body["code"]] = float(body["ms"])
        return Response(b"{}", media_type="application/json")

    return Starlette(
        routes=[
            Route("/agencies/{code}/details", details, methods=["POST"]),
            Route("/_latency", set_latency, methods=["POST"]),
        ]
    )


class SimSource(Source):
    """A person-detail source over plain HTTP: what an agency connector does, minus the rest."""

    kind: ClassVar[SourceKind] = SourceKind.EXCHANGE
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PERSON_DETAIL})

    def __init__(self, source_id: str, owner: str, url: str) -> None:
        super().__init__(source_id, owner)
        self._url = url
        self._http: httpx.AsyncClient | None = None

    @property
    def _client(self) -> httpx.AsyncClient:
        # made on first use, so on the event loop of the gateway that calls it
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=30)
        return self._http

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        try:
            response = await self._client.post(
                self._url, content=orjson.dumps({"personal_ids": list(personal_ids)})
            )
        except httpx.TimeoutException as exc:
            raise SourceTimeout(str(exc), source_id=self.id) from exc
        except httpx.HTTPError as exc:
            raise SourceUnavailable(str(exc), source_id=self.id) from exc
        persons: dict[str, Any] = orjson.loads(response.content)["persons"]
        return {
            pid: PersonDetail(pid, {DetailPart.WORK_HISTORY: tuple(parts_["work_history"])})
            for pid, parts_ in persons.items()
        }

    async def health(self) -> Health:
        return Health(ok=True, checked_at=datetime.now(UTC), latency_ms=0.0)
