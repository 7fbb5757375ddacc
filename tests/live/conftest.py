"""The gateway with live sources: the sandbox agencies built from the seeded store."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from graphql_client import GraphQLClient
from live_helpers import DEADLINE_S
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import Settings
from policies.types import Caller
from sandbox.agencies import SandboxAgencies, start_agencies


@pytest_asyncio.fixture(scope="session")
async def sandbox(seeded_store_url: URL, postgres_server: URL) -> AsyncIterator[SandboxAgencies]:
    with tempfile.TemporaryDirectory(prefix="cbccvc-sandbox-") as workdir:
        agencies = await start_agencies(
            seeded_store_url.render_as_string(hide_password=False),
            postgres_server.render_as_string(hide_password=False),
            workdir,
            name=f"cbccvc_sb_{uuid.uuid4().hex[:8]}",
            national_rate=10_000.0,
            national_burst=10_000,
        )
        # short deadlines and a quick circuit, so that the fault tests run in seconds
        config = yaml.safe_load(agencies.sources_config_path.read_text(encoding="utf-8"))
        for entry in config["sources"] if isinstance(config, dict) else config:
            entry["deadline_s"] = DEADLINE_S
            entry["retries"] = 0
            entry["circuit"] = {"consecutive_failures": 3, "cool_down_s": 1.0}
        tuned = Path(workdir) / "sources-tests.yaml"
        tuned.write_text(yaml.safe_dump(config), encoding="utf-8")
        agencies.tuned_config = tuned  # type: ignore[attr-defined]
        try:
            yield agencies
        finally:
            await agencies.aclose()


@pytest_asyncio.fixture(scope="session")
async def live_app(
    settings: Settings, seeded_store_url: URL, engine: AsyncEngine, sandbox: SandboxAgencies
) -> AsyncIterator[Starlette]:
    configured = replace(settings, sources_config=sandbox.tuned_config)  # type: ignore[attr-defined]
    application = create_app(configured, seeded_store_url, engine=engine)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture
async def live(live_app: Starlette) -> AsyncIterator[Callable[[Caller], Any]]:
    """A client of the live gateway for a caller, with a real token."""
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        yield lambda caller: GraphQLClient(http, live_app, caller)


@pytest.fixture
def connector_url(sandbox: SandboxAgencies) -> str:
    return str(sandbox.urls["connector"])


@pytest.fixture
def faults(connector_url: str) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Set a fault plan on the shared connector; lifted again after the test."""

    def set_plan(plan: dict[str, Any]) -> None:
        response = httpx.post(f"{connector_url}/_faults", json=plan, timeout=5)
        assert response.status_code == 200, response.text

    yield set_plan
    httpx.delete(f"{connector_url}/_faults", timeout=5)
