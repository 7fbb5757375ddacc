"""The identity picker on the GraphiQL page, in a real headless Chromium (demo mode).

One click puts `Authorization: Bearer <token>` into GraphiQL's Headers editor. Needs Debian's
chromium and the playwright package, like tests/gateway/test_graphiql_browser.py; skipped
without them.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.auth import AuthState, auth_routes, load_auth
from gateway.graphiql import graphiql_page, static_mount
from gateway.settings import Settings
from store.database import create_engine

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "graphiql-identities.png"
async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


def demo_app(settings: Settings) -> Starlette:
    """GraphiQL and the auth routes, with an engine of its own (it runs on uvicorn's loop)."""
    holder: dict[str, AuthState] = {}

    async def page(request: Request) -> Response:
        return graphiql_page()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        assert settings.database_url is not None
        engine = create_engine(settings.database_url, pool_size=2)
        holder["state"] = await load_auth(engine, settings)
        try:
            yield
        finally:
            await holder["state"].aclose()
            await engine.dispose()

    routes = [*auth_routes(lambda: holder["state"]), Route("/graphql", page), static_mount()]
    return Starlette(routes=routes, lifespan=lifespan)


@pytest.fixture
def live_demo(auth_settings: Settings) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    app = demo_app(replace(auth_settings, issuer=base, trusted_issuers=()))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo app did not start")
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


async def test_choosing_an_identity_puts_its_bearer_token_in_the_headers(
    live_demo: str, tmp_path: Path
) -> None:
    expect = async_api.expect
    page_errors: list[str] = []
    async with async_api.async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = await context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            await page.goto(f"{live_demo}/graphql", wait_until="load")
            picker = page.locator("#cbccvc-identity")
            await expect(picker).to_be_visible(timeout=30_000)
            await picker.select_option("central")
            await expect(page.locator(".cbccvc-identity-status")).to_contain_text("token valid")
            headers = await page.locator(".graphiql-editor-tool .CodeMirror").last.evaluate(
                "el => el.CodeMirror.getValue()"
            )
            assert json.loads(headers)["Authorization"].startswith("Bearer ey")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT))
            await picker.select_option("public")
            await expect(page.locator(".cbccvc-identity-status")).to_contain_text("no token")
            headers = await page.locator(".graphiql-editor-tool .CodeMirror").last.evaluate(
                "el => el.CodeMirror.getValue()"
            )
            assert "Authorization" not in json.loads(headers)
        finally:
            await context.close()
    assert page_errors == []
