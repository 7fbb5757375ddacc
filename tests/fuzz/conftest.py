"""Live gateways for the fuzz suites: uvicorn on loopback, in demo and in production mode.

Each fixture serves its own app object, so a central token can be signed by that app's own
authorization server (the token and the server must share keys).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fuzz_helpers import LiveGateway
from graphql_client import CENTRAL, token_for
from sqlalchemy.engine import URL

from gateway.app import create_app
from gateway.settings import Settings
from sandbox.services.serving import ServerThread


def _serve(settings: Settings, store: URL, name: str) -> Iterator[LiveGateway]:
    app = create_app(settings, store)
    server = ServerThread(app, name=name)
    server.start(timeout=30)
    try:
        yield LiveGateway(server.url, token_for(app, CENTRAL))
    finally:
        server.stop(timeout=10)


@pytest.fixture(scope="session")
def demo_gateway(settings: Settings, seeded_store_url: URL) -> Iterator[LiveGateway]:
    yield from _serve(settings, seeded_store_url, "fuzz-demo")


@pytest.fixture(scope="session")
def production_gateway(settings: Settings, seeded_store_url: URL) -> Iterator[LiveGateway]:
    production = Settings(
        max_page_size=settings.max_page_size,
        default_page_size=settings.default_page_size,
        production=True,
    )
    yield from _serve(production, seeded_store_url, "fuzz-production")
