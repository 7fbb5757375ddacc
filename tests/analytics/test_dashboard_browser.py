"""The dashboard in a real headless Chromium, with every request off this machine blocked.

Same approach as tests/gateway/test_graphiql_browser.py: every request the page makes is
routed; loopback continues, anything else is aborted and recorded, and the test fails if the
record is not empty. The page must draw what the API answers for the chosen identity, drill
down on a click, and show refusals (not numbers) to the public. Screenshots go to
test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

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
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 30_000

async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _until(page: Any, expression: str) -> None:
    """Poll from outside the page: wait_for_function evaluates strings inside the page, which
    the dashboard's CSP (no 'unsafe-eval') rightly refuses."""
    for _ in range(TIMEOUT_MS // 50):
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expression}")


async def _loaded(page: Any, count: int) -> None:
    await _until(page, f"document.body.dataset.loads === '{count}'")


async def test_dashboard_draws_the_apis_figures_drills_down_and_stays_on_the_machine(
    dashboard_gateway: str, tmp_path: Path
) -> None:
    base = dashboard_gateway
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    page_errors: list[str] = []
    csp_violations: list[str] = []

    async def handle_request(route: Any) -> None:
        if not is_loopback(route.request.url):
            blocked.append(f"{route.request.method} {route.request.url}")
            await route.abort("blockedbyclient")
            return
        await route.continue_()

    async with async_api.async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {urlsplit(base).hostname}",
            ],
            service_workers="block",
            viewport={"width": 1400, "height": 1100},
            timeout=TIMEOUT_MS,
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            await context.route("**/*", handle_request)
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
            response = await page.goto(f"{base}/dashboard", wait_until="load")
            assert response is not None
            assert response.status == 200
            csp = response.headers.get("content-security-policy", "")
            assert "default-src 'self'" in csp
            assert "connect-src 'self'" in csp
            await _until(page, "Number(document.body.dataset.identities) > 0")

            # the demo opens on the central identity by itself: the quota chart shows the
            # API's own figures, for the 34 provinces that exist
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "central"
            assert await page.evaluate("document.body.dataset.errors") == "0", (
                await page.inner_text("#status")
            )
            org = await page.input_value("#org")
            year = int(await page.input_value("#year"))
            identities = await (await context.request.get(f"{base}/graphiql/identities")).json()
            central = next(i for i in identities if i["key"] == "central")
            api = await context.request.post(
                f"{base}/graphql",
                data=json.dumps(
                    {
                        "query": "query($o: String, $y: Int!) { staffing(orgCode: $o, year: $y,"
                        " maxDepth: 1) { organization { depth } lines { organizationCode depth"
                        " level status successorCode"
                        " subtreeHeadcount { total } subtreeQuota { total } } } }",
                        "variables": {"o": org or None, "y": year},
                    }
                ),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {central['token']}",
                },
            )
            staffing = (await api.json())["data"]["staffing"]
            assert org == ""  # the central level starts at the national root
            children = [
                line
                for line in staffing["lines"]
                if line["depth"] == staffing["organization"]["depth"] + 1
                and line["level"] == "province"  # the first chart: by province
            ]
            active = [line for line in children if line["status"] == "active"]
            assert len(active) == 34
            assert len(children) > len(active)  # the merged ones exist, behind the toggle
            shown = await page.evaluate(
                "(() => { const c = Chart.getChart('quota-chart');"
                " return [c.data.datasets[0].data, c.data.datasets[1].data,"
                " c.canvas.dataset.codes.split(',')]; })()"
            )
            assert shown[0] == [line["subtreeHeadcount"]["total"] for line in active]
            assert shown[1] == [line["subtreeQuota"]["total"] for line in active]
            assert shown[2] == [line["organizationCode"] for line in active]
            assert sum(shown[0]) > 0
            ages = await page.evaluate("Chart.getChart('age-chart').data.datasets[1].data")
            assert sum(ages) > 0
            trend = await page.evaluate("Chart.getChart('trend-chart').data.datasets[0].data")
            assert len(trend) == 24
            assert trend[-1] > 0
            rows = page.locator("#over-quota tbody tr")
            assert await rows.count() > 0
            await page.screenshot(path=str(ARTIFACTS / "dashboard-central.png"), full_page=True)

            # the toggle brings the merged provinces back, each with its successor
            await page.check("#merged")
            await _until(page, "document.body.dataset.loads === '2'")
            labels = await page.evaluate("Chart.getChart('quota-chart').data.labels")
            assert len(labels) == len(children)
            merged = [line for line in children if line["status"] != "active"]
            assert sum(1 for label in labels if "→" in label) == len(merged)
            assert all(line["successorCode"] for line in merged if line["status"] == "merged")
            await page.uncheck("#merged")
            await _until(page, "document.body.dataset.loads === '3'")

            # drill down: a click on an organisation over quota
            target = await rows.first.locator("td").first.inner_text()
            await rows.first.click()
            await _loaded(page, 4)
            assert await page.input_value("#org") == target
            assert await page.locator("#trail a").count() == 2
            await page.screenshot(path=str(ARTIFACTS / "dashboard-drilldown.png"), full_page=True)

            # the public: refusals, not numbers
            await page.select_option("#identity", "public")
            await _loaded(page, 5)
            assert int(await page.evaluate("document.body.dataset.errors")) > 0
            assert "FORBIDDEN" not in await page.inner_text("#status")
            # nothing of the central identity's figures is left on screen
            for chart in ("quota-chart", "age-chart", "category-chart", "trend-chart"):
                assert await page.evaluate(f"Chart.getChart('{chart}') === undefined"), chart
            assert await page.locator("#over-quota tbody tr").count() == 0
            await page.screenshot(path=str(ARTIFACTS / "dashboard-public.png"), full_page=True)

            # the identity follows the viewer to the scorecard and back
            await page.click("nav.pages a")
            await page.wait_for_url("**/dashboard/scorecard")
            await _until(page, "Number(document.body.dataset.loads) >= 1")
            assert await page.input_value("#identity") == "public"
        finally:
            await context.close()

    assert blocked == []
    assert page_errors == []
    assert csp_violations == []
