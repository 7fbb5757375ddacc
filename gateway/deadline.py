"""Every guarded request's deadline: past it, the request is answered 504 DEADLINE_EXCEEDED.

It covers the whole of the request's work (token check, rate limits, execution), so a slow
store or source cannot hold a worker longer than CBCCVC_REQUEST_DEADLINE.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.refusals import Refusal, RenderRefusal
from telemetry import metrics

DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"


class DeadlineMiddleware:
    """Plain ASGI middleware; non-HTTP scopes pass straight through."""

    def __init__(self, app: ASGIApp, seconds: float, render: RenderRefusal) -> None:
        self.app = app
        self.seconds = seconds
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        timeout = asyncio.timeout(self.seconds)
        try:
            async with timeout:
                await self.app(scope, receive, send_noting_start)
        except TimeoutError:
            # a TimeoutError of some library's is not our deadline; and once the response
            # has started, no 504 can replace it
            if not timeout.expired() or started:
                raise
            metrics.DEADLINES_EXCEEDED.inc()
            message = f"the request took longer than its {self.seconds:g} s deadline"
            refusal = Refusal(504, message, DEADLINE_EXCEEDED)
            await self.render(scope, refusal)(scope, receive, send)
