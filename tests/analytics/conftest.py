"""Fixtures of the analysis tests: the organisation index, the app with the dashboard and
export routes (in-process and live in demo mode); gateway/app.py serves both routes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import pytest_asyncio
import uvicorn
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from analytics.orgs import OrgIndex, org_index
from gateway.app import create_app
from gateway.settings import Settings


@pytest_asyncio.fixture
async def orgs(engine: AsyncEngine) -> OrgIndex:
    return await org_index(engine, fresh=True)


@pytest.fixture(scope="session")
def analytics_app(app: Starlette) -> Starlette:
    return app


@pytest.fixture(scope="session")
def dashboard_gateway(seeded_store_url: URL) -> Iterator[str]:
    """The gateway in demo mode (identity picker) under uvicorn on loopback, with the routes."""
    settings = Settings(max_page_size=100, default_page_size=20, demo=True)
    app = create_app(settings, seeded_store_url)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
