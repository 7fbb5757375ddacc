"""Only GET and POST reach /graphql; any other method gets 405 with a GraphQL error body.

Starlette's router answers an unlisted method itself, in text/plain, before the route's
middleware runs. GraphQL over HTTP defines only GET and POST, and a client that sent PUT,
DELETE, PATCH, OPTIONS, HEAD, TRACE or any other token should learn that in the format it
parses: `{"errors": [...]}` with `Allow`. So the route accepts every method (`any_method`) and
this middleware, outermost, refuses the others before the caller is checked (a 405 does not
depend on who asks). Plain ASGI middleware; non-HTTP scopes pass straight through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.refusals import Refusal, RenderRefusal

ALLOWED = ("GET", "POST")
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"


class AllowedMethodsMiddleware:
    def __init__(self, app: ASGIApp, render: RenderRefusal) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ALLOWED:
            await self.app(scope, receive, send)
            return
        refusal = Refusal(
            405,
            f"{scope['method']} is not supported here: send the operation with "
            f"{' or '.join(ALLOWED)}",
            METHOD_NOT_ALLOWED,
            {"Allow": ", ".join(ALLOWED)},
        )
        await self.render(scope, refusal)(scope, receive, send)


class any_method:  # noqa: N801 - reads as what it does at the route: Route(path, any_method(f))
    """A request handler as an ASGI app, so that Starlette's Route lets every method through
    (Route limits a plain function to the methods it lists, answering the rest in text/plain)."""

    def __init__(self, handle: Callable[[Request], Awaitable[Response]]) -> None:
        self._app = request_response(handle)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)
