"""The conformance check an agency runs against its own connector (`cbccvc exchange check URL`).

    results = await check_connector(base_url, caller)   # base_url: .../agencies/<code>
    print(report(results))

It calls the connector as MOHA would, with MOHA's keys (in a test setup, the agency gets a
test MOHA key pair; see docs/exchange-protocol.md), and checks every endpoint's payload
against exchange/protocol.py, every answer's envelope against exchange/envelope.py, and that
the connector refuses what it must: unsigned calls, replays, calls for another agency, bad
parameters, writes. Each check passes, fails, or warns (allowed, but not for production).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from exchange import protocol
from exchange.caller import EnvelopeCaller
from exchange.envelope import MEDIA_TYPE, EnvelopeError, sign_request
from exchange.payload import PayloadError
from keymaterial.lifecycle import SIGNING_ALGORITHMS
from vocabulary.sources import DetailPart

PASS, FAIL, WARN = "pass", "fail", "warn"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str = ""


class _Failed(Exception):
    pass


class _Warned(Exception):
    pass


@dataclass
class _Session:
    http: httpx.AsyncClient
    caller: EnvelopeCaller
    base_path: str
    feed_ids: tuple[str, ...] = ()
    version: str = ""

    def _target(self, request: httpx.Request) -> str:
        path = request.url.path.removeprefix(self.base_path.rstrip("/"))
        query = request.url.query.decode("ascii")
        return f"{path}?{query}" if query else path

    async def call(
        self, method: str, path: str, *, params: dict[str, str] | None = None,
        body: bytes | None = None, assertion: str | None = None, sign: bool = True,
    ) -> tuple[httpx.Response, str | None]:  # fmt: skip
        headers = {"Content-Type": "application/json"} if body is not None else {}
        request = self.http.build_request(
            method, path, params=params, content=body, headers=headers
        )
        if sign:
            assertion = assertion or self.caller.sign(method, self._target(request), body or b"")
            request.headers["Authorization"] = f"Bearer {assertion}"
        return await self.http.send(request), assertion

    async def sealed(
        self, method: str, path: str, *, params: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Any:  # fmt: skip
        response, assertion = await self.call(method, path, params=params, body=body)
        if response.status_code != 200:
            raise _Failed(f"HTTP {response.status_code}: {response.text[:200]}")
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if media != MEDIA_TYPE:
            raise _Failed(f"answered {media!r}, not a sealed {MEDIA_TYPE}")
        assert assertion is not None
        try:
            return orjson.loads(self.caller.open(response.content, assertion))
        except EnvelopeError as error:
            raise _Failed(f"the envelope fails verification: {error}") from error
        except orjson.JSONDecodeError as error:
            raise _Failed("the sealed payload is not JSON") from error


async def _jwks(s: _Session) -> str:
    response = await s.http.get("v1/jwks")
    if response.status_code != 200:
        raise _Failed(f"GET v1/jwks answered HTTP {response.status_code}")
    keys = response.json().get("keys")
    if not isinstance(keys, list) or not keys:
        raise _Failed("the JWKS lists no keys")
    for key in keys:
        if "d" in key:
            raise _Failed(f"key {key.get('kid')} publishes its private half")
        if key.get("use") == "sig" and key.get("alg") not in SIGNING_ALGORITHMS:
            raise _Failed(f"key {key.get('kid')} signs with {key.get('alg')!r}")
    trusted = s.caller.agency() if callable(s.caller.agency) else s.caller.agency
    served = {k.get("kid") for k in keys}
    registered = [kid for kid in served if trusted.get(str(kid)) is not None]
    if not registered:
        raise _Failed("none of the served keys is among the keys registered at MOHA")
    return f"{len(keys)} key(s), {len(registered)} registered at MOHA"


async def _health(s: _Session) -> str:
    payload = await s.sealed("GET", "v1/health")
    report = protocol.parse_health(payload)
    s.version = str(payload.get("version", "")) if isinstance(payload, dict) else ""
    return f"{report.source_id}: {report.records} records, version {s.version}"


async def _changes(s: _Session) -> str:
    payload = await s.sealed("GET", "v1/changes", params={"limit": "2"})
    page = protocol.parse_changes(payload, 2)
    s.feed_ids = tuple(str(r.fields.get("personal_id")) for r in page.records if not r.deleted)
    pages = 1
    if page.has_more and page.next_cursor:
        nxt = await s.sealed("GET", "v1/changes", params={"limit": "2", "cursor": page.next_cursor})
        protocol.parse_changes(nxt, 2)
        pages += 1
    return f"{pages} page(s) read"


async def _details(s: _Session) -> str:
    if not s.feed_ids:
        raise _Warned("the feed is empty: no personal ID to look up")
    wanted = list(s.feed_ids[:1])
    body = protocol.dumps(protocol.detail_request(wanted, DetailPart))
    payload = await s.sealed("POST", "v1/persons/detail", body=body)
    found = protocol.parse_details(payload, wanted, frozenset(DetailPart))
    return f"{len(found)} of {len(wanted)} found"


async def _organizations(s: _Session) -> str:
    organizations = protocol.parse_organizations(await s.sealed("GET", "v1/organizations"))
    return f"{len(organizations)} organisations"


async def _unsigned_refused(s: _Session) -> str:
    response, _ = await s.call("GET", "v1/health", sign=False)
    if response.status_code == 401:
        return "401 ASSERTION_REQUIRED"
    if response.status_code == 200:
        raise _Warned("answered an unsigned call in plain JSON (transition mode only)")
    raise _Failed(f"HTTP {response.status_code}")


async def _replay_refused(s: _Session) -> str:
    first, assertion = await s.call("GET", "v1/health")
    again, _ = await s.call("GET", "v1/health", assertion=assertion)
    if first.status_code != 200 or again.status_code != 401:
        raise _Failed(f"first HTTP {first.status_code}, replay HTTP {again.status_code}")
    return "replay answered 401"


async def _audience_refused(s: _Session) -> str:
    other = sign_request(
        s.caller.moha, "VN:GOV:000.00.00.X00:HRM", "GET", "/v1/health", b"", s.caller.clock()
    )
    response, _ = await s.call("GET", "v1/health", assertion=other)
    if response.status_code != 401:
        raise _Failed(f"an assertion for another agency got HTTP {response.status_code}")
    return "401"


async def _bad_parameters_refused(s: _Session) -> str:
    codes = []
    for params in ({"limit": "0"}, {"limit": "5", "cursor": "never-issued"}):
        response, _ = await s.call("GET", "v1/changes", params=params)
        if response.status_code != 400:
            raise _Failed(f"{params} got HTTP {response.status_code}")
        error = protocol.parse_error(response.json())
        codes.append(error.code if error else "?")
    return ", ".join(codes)


async def _declarations(s: _Session) -> str:
    """Version 2: a declaration that is not sealed to the agency by MOHA is refused, and the
    outcomes of an unknown declaration are an empty sealed answer. (No real declaration is sent:
    it would land in the agency's inbox about a real person.)"""
    if not s.version.startswith("2."):
        return f"version {s.version or '?'}: no declarations (the agency gets them by export)"
    forged = protocol.dumps(protocol.sealed_declaration("e30.e30.e30.e30.e30"))
    response, _ = await s.call("POST", "v1/declarations", body=forged)
    error = protocol.parse_error(response.json()) if response.status_code == 400 else None
    if error is None or error.code != "DECLARATION_REFUSED":
        raise _Failed(f"a forged declaration got HTTP {response.status_code}")
    asked = protocol.dumps(protocol.outcomes_request(["00000000-0000-4000-8000-000000000000"]))
    outcomes = protocol.parse_outcomes(
        await s.sealed("POST", "v1/declarations/outcomes", body=asked)
    )
    if outcomes:
        raise _Failed("answered outcomes of a declaration never sent")
    return "forged declaration refused (400 DECLARATION_REFUSED); outcomes answered sealed"


async def _writes_refused(s: _Session) -> str:
    response, _ = await s.call("PUT", "v1/changes", body=b"{}")
    if response.status_code != 405:
        raise _Failed(f"PUT got HTTP {response.status_code}")
    return "405"


CHECKS: tuple[tuple[str, Callable[[_Session], Awaitable[str]]], ...] = (
    ("jwks published", _jwks),
    ("health, sealed", _health),
    ("change feed, sealed", _changes),
    ("person detail, sealed", _details),
    ("organisation tree, sealed", _organizations),
    ("unsigned call refused", _unsigned_refused),
    ("replayed call refused", _replay_refused),
    ("call for another agency refused", _audience_refused),
    ("bad limit and cursor refused", _bad_parameters_refused),
    ("declarations (version 2)", _declarations),
    ("writes refused", _writes_refused),
)


async def check_connector(
    base_url: str,
    caller: EnvelopeCaller,
    *,
    call_timeout_s: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Check]:
    """Every check against the connector at `base_url` (`.../agencies/<code>`), in order."""
    results: list[Check] = []
    async with httpx.AsyncClient(
        base_url=base_url.rstrip("/") + "/", timeout=call_timeout_s, transport=transport,
        trust_env=False,
    ) as http:  # fmt: skip
        session = _Session(http, caller, http.base_url.path)
        for name, run in CHECKS:
            try:
                results.append(Check(name, PASS, await run(session)))
            except _Warned as warning:
                results.append(Check(name, WARN, str(warning)))
            except (_Failed, PayloadError, ValueError) as error:
                results.append(Check(name, FAIL, str(error)[:300]))
            except httpx.HTTPError as error:
                results.append(Check(name, FAIL, f"{type(error).__name__}: {error}"[:300]))
    return results


def report(results: list[Check]) -> str:
    lines = [f"{c.status.upper():4}  {c.name}: {c.detail}" for c in results]
    failed = sum(c.status == FAIL for c in results)
    lines.append(f"{len(results) - failed}/{len(results)} checks passed" + (
        f", {failed} FAILED" if failed else ""))  # fmt: skip
    return "\n".join(lines)
