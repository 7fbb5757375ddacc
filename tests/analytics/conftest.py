"""Fixtures of the analysis tests: the organisation index, the app with the dashboard and
export routes (in-process and live in demo mode); gateway/app.py serves both routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_asyncio
from scorecard_scenario import scored  # noqa: F401 - the scorecard's shared scenario
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from analytics.orgs import OrgIndex, org_index
from gateway.app import create_app
from gateway.settings import Settings
from sandbox.services.serving import ServerThread


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
    server = ServerThread(app, name="gateway")
    server.start(timeout=30)
    yield server.url
    server.stop(timeout=10)
