"""Who calls: established once per request, before any route that needs a caller runs.

Like Starlette's AuthenticationMiddleware: the Authorization header becomes a Caller (the
public without one) kept in the scope, where `caller_of` finds it; a header that is there but
not a valid access token is refused with 401 and the RFC 6750 challenge, worded by the route.
AuthenticationError (gateway/auth/errors.py) is the one exception that means 401.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.auth.errors import AuthenticationError, www_authenticate
from gateway.refusals import Refusal, RenderRefusal
from policies.types import Caller

Authenticate = Callable[[str | None], Awaitable[Caller]]
"""Turns an Authorization header (or None) into a Caller; raises AuthenticationError."""

CALLER_KEY = "cbccvc.caller"


class AuthenticationMiddleware:
    """Plain ASGI middleware; non-HTTP scopes pass straight through."""

    def __init__(self, app: ASGIApp, authenticate: Authenticate, render: RenderRefusal) -> None:
        self.app = app
        self.authenticate = authenticate
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            caller = await self.authenticate(Headers(scope=scope).get("authorization"))
        except AuthenticationError as error:
            refusal = Refusal(
                401, error.message, headers={"WWW-Authenticate": www_authenticate(error)}
            )
            await self.render(scope, refusal)(scope, receive, send)
            return
        scope[CALLER_KEY] = caller
        await self.app(scope, receive, send)


def caller_of(request: Request | Scope) -> Caller:
    """The caller AuthenticationMiddleware established for this request."""
    scope = request.scope if isinstance(request, Request) else request
    caller = scope.get(CALLER_KEY)
    assert isinstance(caller, Caller), "the route is not behind AuthenticationMiddleware"
    return caller
