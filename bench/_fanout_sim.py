"""Simulated agency sources for bench/fanout.py: one small HTTP/1.1 server, many agencies, each
with its own latency, and the Source that reads it (real HTTP on loopback, behind the real
guard, through the JsonClient every HTTP source of the gateway uses).

    FANOUT_LATENCIES='{"SIM.01": 10, ...}' python -m bench._fanout_sim --port 8081

`POST /_latency {"code": "SIM.07", "ms": -1}` changes one agency's latency at run time (-1 hangs).

Why not starlette under uvicorn, like the sandbox's agencies: 64 agencies on one machine of two
cores share it with the gateway being measured, and under uvicorn's h11 and starlette each answer
cost the simulation ~0.6 ms of CPU (39 ms per fan-out of 64), time real agencies spend on their
own machines that here delayed the gateway's answers. This server reads a request line, its
headers and its body, and answers after the agency's latency: ~0.05 ms a call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson

from adapters.base import Source
from adapters.errors import FatalSourceError
from adapters.http import JsonClient
from vocabulary.sources import Capability, DetailPart, Health, PersonDetail, SourceKind

_DETAILS = re.compile(rb"POST /agencies/([^/ ]+)/details HTTP/1\.1")
_LATENCY = re.compile(rb"POST /_latency HTTP/1\.1")
_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def _answer(status: bytes, body: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


def details_body(request_body: bytes) -> bytes:
    personal_ids = orjson.loads(request_body)["personal_ids"]
    work = [{"start": "2015-01-01", "position": "Chuyên viên"}]
    return orjson.dumps({"persons": {pid: {"work_history": work} for pid in personal_ids}})


class _Agencies(asyncio.Protocol):
    """One connection: requests one after another (keep-alive), each answered after its
    agency's latency."""

    def __init__(self, latencies: dict[str, float]) -> None:
        self._latencies = latencies
        self._buffer = b""
        self._transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a TCP transport writes

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end]
            length = _LENGTH.search(head)
            size = int(length.group(1)) if length else 0
            if len(self._buffer) < end + 4 + size:
                return
            body = self._buffer[end + 4 : end + 4 + size]
            self._buffer = self._buffer[end + 4 + size :]
            self._handle(head, body)

    def _handle(self, head: bytes, body: bytes) -> None:
        transport = self._transport
        assert transport is not None
        if (found := _DETAILS.match(head)) is not None:
            latency = self._latencies.get(found.group(1).decode(), 0.0)
            if latency < 0:
                return  # hung: the client's deadline must fire
            answer = _answer(b"200 OK", details_body(body))
            asyncio.get_running_loop().call_later(latency / 1000, self._send, answer)
        elif _LATENCY.match(head) is not None:
            change = orjson.loads(body)
            self._latencies[change["code"]] = float(change["ms"])
            transport.write(_answer(b"200 OK", b"{}"))
        else:
            transport.write(_answer(b"404 Not Found", b'{"error": "no such path"}'))

    def _send(self, answer: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


async def serve(port: int, latencies: dict[str, float]) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Agencies(latencies), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    latencies: dict[str, float] = json.loads(os.environ.get("FANOUT_LATENCIES", "{}"))
    try:
        import uvloop

        uvloop.run(serve(args.port, latencies))
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        asyncio.run(serve(args.port, latencies))


class SimSource(Source):
    """A person-detail source over HTTP: what an agency connector does, minus the rest; its
    calls go through the gateway's own JsonClient (adapters/http.py)."""

    kind: ClassVar[SourceKind] = SourceKind.EXCHANGE
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PERSON_DETAIL})

    def __init__(self, source_id: str, owner: str, base_url: str) -> None:
        super().__init__(source_id, owner)
        self._http = JsonClient(source_id, base_url, timeout=30)

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        payload = await self._http.post("details", {"personal_ids": list(personal_ids)})
        if not isinstance(payload, dict) or not isinstance(payload.get("persons"), dict):
            raise FatalSourceError("answered off protocol", source_id=self.id)
        persons: dict[str, Any] = payload["persons"]
        return {
            pid: PersonDetail(pid, {DetailPart.WORK_HISTORY: tuple(parts_["work_history"])})
            for pid, parts_ in persons.items()
        }

    async def health(self) -> Health:
        return Health(ok=True, checked_at=datetime.now(UTC), latency_ms=0.0)

    async def aclose(self) -> None:
        await self._http.aclose()


if __name__ == "__main__":
    main()
