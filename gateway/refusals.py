"""A request refused before its route runs (401, 429, 504), and how each route words it.

The middleware that guard the routes which need a caller (gateway/authentication.py,
gateway/deadline.py, gateway/ratelimit.py) decide *that* a request is refused and why; the
route decides the body, because /graphql answers in GraphQL's error format and media type
while the exports answer plain JSON. The status, the headers and the request id are the same
for every route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import Scope


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    """Safe to show the caller: it says what to fix, never how the gateway checked."""
    code: str | None = None
    """`extensions.code` in GraphQL; `code` in plain JSON."""
    headers: dict[str, str] = field(default_factory=dict)
    """WWW-Authenticate for 401, Retry-After for 429."""


RenderRefusal = Callable[[Scope, Refusal], Response]


def request_id_of(scope: Scope) -> str:
    """The id the observability middleware gave this request ("" when mounted without it)."""
    state: dict[str, Any] = scope.get("state", {})
    return str(state.get("request_id", ""))


def json_refusal(scope: Scope, refusal: Refusal) -> Response:
    """`{"error": message, "code"?: code}`: how the exports answer."""
    body: dict[str, str] = {"error": refusal.message}
    if refusal.code is not None:
        body["code"] = refusal.code
    headers = {"X-Request-Id": request_id_of(scope), **refusal.headers}
    return JSONResponse(body, refusal.status, headers=headers)
