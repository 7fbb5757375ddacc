"""Fixtures of the analysis tests: the organisation index, the app with the dashboard and
export routes (in-process and live in demo mode)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_asyncio
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from analytics.orgs import OrgIndex, org_index
from gateway.app import create_app, schema_fields
from gateway.auth import AuthenticationError, www_authenticate
from gateway.dashboard import dashboard_routes
from gateway.export import export_routes
from gateway.request_context import ContextFactory, Unauthenticated
from gateway.settings import Settings
from policies.document import load_policy
from policies.types import Caller
from sandbox.services.serving import ServerThread
from schema import schema


@pytest_asyncio.fixture
async def orgs(engine: AsyncEngine) -> OrgIndex:
    return await org_index(engine, fresh=True)


def add_analytics_routes(app: Starlette, settings: Settings) -> Starlette:
    """The app with the dashboard and export routes, as gateway/app.py will add them."""
    resources = app.state.resources

    async def authenticate(authorization: str | None) -> Caller:
        try:
            return await resources.auth.authenticator.authenticate(authorization)  # type: ignore[no-any-return]
        except AuthenticationError as error:
            raise Unauthenticated(error.message, www_authenticate(error)) from error

    contexts = ContextFactory(
        resources.engine,
        settings,
        load_policy(schema_fields(schema)),
        authenticate,
        lambda: resources.reference,
    )
    app.router.routes[0:0] = [*dashboard_routes(), *export_routes(contexts)]
    return app


@pytest.fixture(scope="session")
def analytics_app(app: Starlette, settings: Settings) -> Starlette:
    if not getattr(app.state, "analytics_routes", False):
        add_analytics_routes(app, settings)
        app.state.analytics_routes = True
    return app


@pytest.fixture(scope="session")
def dashboard_gateway(seeded_store_url: URL) -> Iterator[str]:
    """The gateway in demo mode (identity picker) under uvicorn on loopback, with the routes."""
    settings = Settings(max_page_size=100, default_page_size=20, demo=True)
    app = add_analytics_routes(create_app(settings, seeded_store_url), settings)
    server = ServerThread(app, name="gateway")
    server.start(timeout=30)
    yield server.url
    server.stop(timeout=10)
