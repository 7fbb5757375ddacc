"""Real HTTP servers on loopback, each in a thread of its own with its own event loop.

In-process uvicorn servers start in tens of milliseconds (a subprocess would re-import the whole
application), and a thread each keeps a slow or hanging service from stalling the others or the
caller's loop. The socket is bound before the thread starts, so the port is known at once and
never raced for.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable

import uvicorn
from starlette.types import ASGIApp

HOST = "127.0.0.1"


class ServerThread:
    """One ASGI app served by uvicorn on 127.0.0.1 in a daemon thread.

    Args:
        app: the ASGI application (its lifespan runs in the server's own loop).
        name: names the thread, for stack dumps and logs.
        port: 0 picks a free port.
    """

    def __init__(self, app: ASGIApp, *, name: str, port: int = 0) -> None:
        self.name = name
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, port))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            # requests held open by a "hang" fault must not hold up a stop for long
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=name, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        """Starts the server; returns once it accepts connections (RuntimeError otherwise)."""
        self.launch()
        self.wait_started(timeout)

    def launch(self) -> None:
        """Starts the server's thread without waiting for it (see wait_started)."""
        self._thread.start()

    def wait_started(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"{self.name} did not start (see the log for its lifespan)")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start within {timeout} s")
            time.sleep(0.01)

    def request_stop(self) -> None:
        self._server.should_exit = True

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()


def start_all(servers: Iterable[ServerThread], timeout: float = 15.0) -> None:
    """Starts servers side by side (their lifespans open pools concurrently)."""
    started = list(servers)
    for server in started:
        server.launch()
    try:
        for server in started:
            server.wait_started(timeout)
    except BaseException:
        stop_all(started)
        raise


def stop_all(servers: Iterable[ServerThread], timeout: float = 5.0) -> None:
    """Stops servers side by side: each takes a few ticks of its loop to wind down."""
    stopping = list(servers)
    for server in stopping:
        server.request_stop()
    for server in stopping:
        server.stop(timeout)
