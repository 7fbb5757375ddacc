"""GraphiQL in a real headless Chromium, with every request off this machine blocked.

The gateway's network is closed, so GraphiQL must come entirely from the gateway's own files.
This test opens ``GET /graphql`` as a browser would, runs a query through GraphiQL's UI and
checks the answer shown is the gateway's. Every request the page makes is routed: loopback
continues, anything else is aborted and recorded, and the test fails if the record is not empty.

Needs Debian's ``chromium`` at /usr/bin/chromium and the PyPI ``playwright`` package (whose
wheel ships its driver; its own browser downloads are never used). Skipped without them.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# The query typed into GraphiQL, and the field whose first value must appear in the result
# pane. The expected answer is not hard-coded: the test asks the gateway for it with a plain
# POST first, so it holds for whatever data `live_gateway` seeds.
QUERY = "{ persons(first: 3) { edges { node { fullName } } } }"
NAME_FIELD = "fullName"

# Headers typed into GraphiQL's Headers editor (e.g. {"Authorization": "Bearer ..."} if the
# gateway needs a token); the test checks the browser's POST carried each of them.
REQUEST_HEADERS: dict[str, str] = {}

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "graphiql.png"
TIMEOUT_MS = 30_000

async_api = pytest.importorskip(
    "playwright.async_api",
    reason="the PyPI 'playwright' package is not installed (pip install playwright)",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing (apt-get install chromium)",
    ),
]


def is_loopback(url: str) -> bool:
    """True for a URL on this machine: localhost, 127.0.0.0/8 or [::1]."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True  # no network involved
    host = parts.hostname
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def test_is_loopback() -> None:
    assert is_loopback("http://127.0.0.1:8000/graphql")
    assert is_loopback("http://127.5.6.7/x")
    assert is_loopback("http://localhost:1/")
    assert is_loopback("http://[::1]:8000/static/graphiql/graphiql.min.js")
    assert not is_loopback("https://unpkg.com/graphiql/graphiql.min.js")
    assert not is_loopback("https://fonts.googleapis.com/css")
    assert not is_loopback("http://10.0.0.1/")
    assert not is_loopback("http://localhost.example.com/")
    assert not is_loopback("ws://192.168.1.1/graphql")


def first_value(tree: Any, key: str) -> Any:
    """The first value under `key` anywhere in a decoded JSON tree, or None."""
    if isinstance(tree, dict):
        if key in tree:
            return tree[key]
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            found = first_value(item, key)
            if found is not None:
                return found
    return None


def query_of(body: str) -> Any:
    """The `query` of a GraphQL-over-HTTP JSON body, or None."""
    try:
        decoded = json.loads(body)
    except ValueError:
        return None
    return decoded.get("query") if isinstance(decoded, dict) else None


@pytest.fixture
def screenshot_path() -> Path:
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    return SCREENSHOT


async def test_graphiql_runs_a_query_with_no_request_off_the_machine(
    live_gateway: str, tmp_path: Path, screenshot_path: Path
) -> None:
    base = live_gateway.rstrip("/")
    assert is_loopback(base), f"live_gateway must be on loopback, got {base}"
    expect = async_api.expect

    blocked: list[str] = []
    graphql_posts: list[tuple[dict[str, str], str]] = []  # (headers, body)
    page_errors: list[str] = []
    csp_violations: list[str] = []

    async def handle_request(route: Any) -> None:
        request = route.request
        if not is_loopback(request.url):
            blocked.append(f"{request.method} {request.url}")
            await route.abort("blockedbyclient")
            return
        if request.method == "POST" and urlsplit(request.url).path == "/graphql":
            graphql_posts.append((await request.all_headers(), request.post_data or ""))
        await route.continue_()

    async def handle_web_socket(ws: Any) -> None:
        if not is_loopback(ws.url):
            blocked.append(f"WEBSOCKET {ws.url}")
            await ws.close()
            return
        ws.connect_to_server()

    async with async_api.async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # fresh: no saved GraphiQL state
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                # Belt and braces under the routing below: no host but the gateway's resolves.
                f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {urlsplit(base).hostname}",
            ],
            service_workers="block",  # so no request can bypass the routing
            viewport={"width": 1400, "height": 900},
            timeout=TIMEOUT_MS,
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            await context.route("**/*", handle_request)
            await context.route_web_socket("**/*", handle_web_socket)

            # The answer GraphiQL must show, asked for directly.
            direct = await context.request.post(
                f"{base}/graphql",
                data=json.dumps({"query": QUERY}),
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/graphql-response+json, application/json",
                    **REQUEST_HEADERS,
                },
            )
            assert direct.ok, f"POST /graphql: {direct.status} {await direct.text()}"
            expected = await direct.json()
            assert not expected.get("errors"), expected
            name = first_value(expected.get("data"), NAME_FIELD)
            assert isinstance(name, str), f"no {NAME_FIELD} in {expected}; adjust QUERY"
            assert name

            page = await context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on(
                "console",
                lambda msg: (
                    csp_violations.append(msg.text)
                    if "Content Security Policy" in msg.text
                    else None
                ),
            )

            response = await page.goto(f"{base}/graphql", wait_until="load")
            assert response is not None
            assert "text/html" in (await response.request.all_headers()).get("accept", "")
            assert response.status == 200, await response.text()
            assert response.headers.get("content-type", "").startswith("text/html")

            query_editor = page.locator(".graphiql-query-editor .CodeMirror")
            await expect(query_editor).to_be_visible()
            await expect(page.locator(".graphiql-execute-button")).to_be_enabled()

            await query_editor.evaluate("(el, text) => el.CodeMirror.setValue(text)", QUERY)
            if REQUEST_HEADERS:
                await page.get_by_role("button", name="Headers").click()
                headers_editor = page.locator(".graphiql-editor-tool .CodeMirror").last
                await expect(headers_editor).to_be_visible()
                await headers_editor.evaluate(
                    "(el, text) => el.CodeMirror.setValue(text)", json.dumps(REQUEST_HEADERS)
                )

            await page.locator(".graphiql-execute-button").click()

            result_pane = page.locator(".result-window")
            await expect(result_pane).to_contain_text(name)
            shown = await result_pane.locator(".CodeMirror").evaluate(
                "el => el.CodeMirror.getValue()"
            )
            # The same data (extensions such as timings may differ from run to run).
            assert json.loads(shown).get("data") == expected["data"]

            # The run was a JSON POST to /graphql carrying the headers typed into GraphiQL.
            runs = [headers for headers, body in graphql_posts if query_of(body) == QUERY]
            assert len(runs) == 1, graphql_posts
            sent = runs[0]
            assert sent.get("content-type") == "application/json"
            assert "application/graphql-response+json" in sent.get("accept", "")
            for header, value in REQUEST_HEADERS.items():
                assert sent.get(header.lower()) == value, (header, sent)

        finally:
            for page in context.pages:  # also on failure: it shows what went wrong
                await page.screenshot(path=str(screenshot_path))
            await context.close()

    assert blocked == [], f"the page tried to leave the machine: {blocked}"
    assert page_errors == [], page_errors
    assert csp_violations == [], csp_violations
