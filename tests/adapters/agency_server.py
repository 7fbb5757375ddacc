"""A far end for the HTTP client's tests: real HTTP on 127.0.0.1, a port of its own each time.

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response({"records": 3})

    async with agency(handler) as url:            # http://127.0.0.1:<port>, every path
        await JsonClient(SOURCE, url).get("v1/health")

    async with raw_agency(answer) as url:         # bytes on the socket, for what no HTTP
        ...                                       # server does (a reset, half a body)

Both serve in the test's own loop and stop on leaving the block, calls still open or not.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web

HOST = "127.0.0.1"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RawAnswer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def agency(handler: Handler, *, port: int = 0) -> AsyncIterator[str]:
    """Serves `handler` for every method and path; yields the server's base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    # a handler still running when its caller gave up is cancelled (one that sleeps past the
    # client's deadline), and the stop waits for none of them
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, HOST, port)
    await site.start()
    try:
        yield f"http://{HOST}:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def read_head(reader: asyncio.StreamReader) -> bytes:
    """A request's line and headers (a raw answer reads them first, as a server would)."""
    return await reader.readuntil(b"\r\n\r\n")


def reset(writer: asyncio.StreamWriter) -> None:
    """Ends the connection with a TCP reset (RST), not an orderly close."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@asynccontextmanager
async def raw_agency(answer: RawAnswer) -> AsyncIterator[str]:
    """Each connection is handed to `answer`, then closed (if `answer` has not ended it); on
    leaving, the answers still running are cancelled."""
    running: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            await answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client gave up first
        finally:
            running.discard(task)
            writer.close()

    server = await asyncio.start_server(serve, HOST, 0)
    try:
        yield f"http://{HOST}:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await server.wait_closed()
