"""The scorecard's three pages in a real headless Chromium, every request off this machine
blocked (as tests/analytics/test_dashboard_browser.py): the national table, the agency's page and
the clerk's page over the real sync scenario (scorecard_scenario.py), each figure on screen equal
to the API's for the same identity; the identity kept across pages; the breaches' export.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_dashboard_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    _until,
    async_api,
    is_loopback,
)

from gateway.app import create_app
from gateway.settings import Settings
from sandbox.services.serving import ServerThread
from vocabulary.reject_catalogue import reject_catalogue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def scorecard_gateway(scored: dict[str, Any]) -> Iterator[str]:
    settings = Settings(max_page_size=100, default_page_size=20, demo=True)
    server = ServerThread(create_app(settings, scored["store_url"]), name="gateway")
    server.start(timeout=30)
    yield server.url
    server.stop(timeout=10)


async def _api(context: Any, base: str, token: str, query: str, variables: Any = None) -> Any:
    answer = await context.request.post(
        f"{base}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    return (await answer.json())["data"]


async def _loaded(page: Any, count: int) -> None:
    await _until(page, f"Number(document.body.dataset.loads) >= {count}")


async def _read(download: Any) -> str:
    path = Path(await download.path())
    return await asyncio.to_thread(path.read_text, encoding="utf-8-sig")


def _number(value: str) -> float | None:
    return None if value == "" else float(value)


async def test_the_three_pages_show_the_apis_figures(
    scorecard_gateway: str, scored: dict[str, Any], tmp_path: Path
) -> None:
    base, code = scorecard_gateway, scored["code"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    page_errors: list[str] = []

    async def handle_request(route: Any) -> None:
        if not is_loopback(route.request.url):
            blocked.append(route.request.url)
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
            viewport={"width": 1400, "height": 1000},
            accept_downloads=True,
            timeout=TIMEOUT_MS,
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            await context.route("**/*", handle_request)
            page = await context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            identities = await (await context.request.get(f"{base}/graphiql/identities")).json()
            central = next(i for i in identities if i["key"] == "central")["token"]

            # the national table: the demo opens on the central identity, breachers first
            response = await page.goto(f"{base}/dashboard/scorecard", wait_until="load")
            assert response is not None
            assert response.status == 200
            assert "default-src 'self'" in response.headers.get("content-security-policy", "")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "central"
            api = await _api(
                context, base, central,
                "{ agencyScorecards { agencyCode lastSuccessAt withinDeadlineShare completeShare"
                " rejectRate unmappedShare breaches } }",
            )  # fmt: skip
            expected = api["agencyScorecards"]
            rows = page.locator("#national-table tbody tr")
            assert await rows.count() == len(expected)
            shown = await page.evaluate(
                "[...document.querySelectorAll('#national-table tbody tr')].map(tr => ["
                " tr.dataset.code, ...[...tr.querySelectorAll('td[data-field]')]"
                ".filter(td => td.dataset.field !== 'lastSuccessAt')"
                ".map(td => td.dataset.value), tr.lastElementChild.dataset.value])"
            )
            assert [[r[0], *map(_number, r[1:5]), r[5]] for r in shown] == [
                [
                    a["agencyCode"],
                    *(a[f] for f in
                      ("withinDeadlineShare", "completeShare", "rejectRate", "unmappedShare")),
                    ",".join(a["breaches"]),
                ]
                for a in expected
            ]  # fmt: skip
            assert shown[0][0] == code  # late (the only agency with data): on top
            last_success = await page.evaluate(
                "[...document.querySelectorAll('#national-table td[data-field=lastSuccessAt]')]"
                ".map(td => td.dataset.value)"
            )
            assert last_success == [a["lastSuccessAt"] or "" for a in expected]
            late_cell = page.locator(
                f"#national-table tr[data-code='{code}'] td[data-field='withinDeadlineShare']"
            )
            assert await late_cell.get_attribute("class") == "num bad"
            await page.screenshot(path=str(ARTIFACTS / "scorecard-national.png"), full_page=True)

            # sorting by a column re-orders as the API does
            await page.click("th[data-sort='CODE']")
            await _loaded(page, 2)
            codes = await page.evaluate(
                "[...document.querySelectorAll('#national-table tbody tr')]"
                ".map(tr => tr.dataset.code)"
            )
            assert codes == sorted(a["agencyCode"] for a in expected)

            # the breaches' export: the same agencies, the list MOHA attaches to a dispatch
            async with page.expect_download() as info:
                await page.click("#export-csv")
            download = await info.value
            text = await _read(download)
            exported = list(csv.reader(io.StringIO(text)))
            assert [r[0] for r in exported[1:]] == [
                a["agencyCode"] for a in expected if a["breaches"]
            ]

            # the agency's page: its figures, rejects by rule with Vietnamese titles, its runs
            await page.click(f"#national-table tr[data-code='{code}'] a")
            await page.wait_for_url(f"**/dashboard/scorecard?agency={code}")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "central"  # kept across pages
            one = (
                await _api(
                    context, base, central,
                    "query($c: String!) { agencyScorecard(code: $c) { withinDeadlineShare"
                    " openRejects failedRuns rejectsByRule { rule titleVi records }"
                    " connectionHistory { status } trend(days: 30) { day } } }",
                    {"c": code},
                )
            )["agencyScorecard"]  # fmt: skip
            value = page.locator("#agency-figures dd[data-field='withinDeadlineShare']")
            assert (
                _number(await value.get_attribute("data-value") or "") == one["withinDeadlineShare"]
            )
            opened = page.locator("#agency-figures dd[data-field='openRejects']")
            assert await opened.get_attribute("data-value") == str(one["openRejects"])
            # every figure of the page is the API's, and so is the lag table
            figures = dict(
                await page.evaluate(
                    "[...document.querySelectorAll('#agency-figures dd')]"
                    ".map(dd => [dd.dataset.field, dd.dataset.value])"
                )
            )
            every = (
                await _api(
                    context, base, central,
                    "query($c: String!) { agencyScorecard(code: $c) {"
                    f" {' '.join(figures)} lag {{ workingDays changes }} }} }}",
                    {"c": code},
                )
            )["agencyScorecard"]  # fmt: skip
            assert len(figures) == 13
            for field, shown_value in figures.items():
                api_value = every[field]
                if api_value is None:
                    assert shown_value == "", field
                elif isinstance(api_value, str):
                    assert shown_value == api_value, field
                else:
                    assert _number(shown_value) == api_value, field
            lag = await page.evaluate(
                "[...document.querySelectorAll('#lag-table tbody tr')]"
                ".map(tr => [tr.children[0].textContent, Number(tr.children[1].dataset.value)])"
            )
            assert lag == [[row["workingDays"], row["changes"]] for row in every["lag"]]
            rules = await page.evaluate(
                "[...document.querySelectorAll('#rules-table tbody tr')].map(tr =>"
                " [...tr.children].map(td => td.textContent))"
            )
            assert [(r[0], int(r[2])) for r in rules] == [
                (r["rule"], r["records"]) for r in one["rejectsByRule"]
            ]
            assert all(
                r[1].startswith(a["titleVi"])
                for r, a in zip(rules, one["rejectsByRule"], strict=True)
            )
            runs = page.locator("#runs-table tbody tr")
            assert await runs.count() == len(one["connectionHistory"]) == 2
            points = await page.evaluate("Chart.getChart('trend-chart').data.labels")
            assert points == [p["day"] for p in one["trend"]]
            await page.screenshot(path=str(ARTIFACTS / "scorecard-agency.png"), full_page=True)

            # the clerk's page: every open reject, with where to find the record, and its CSV
            await page.click("#clerk-link")
            await page.wait_for_url(f"**/dashboard/scorecard?clerk={code}")
            await _loaded(page, 1)
            clerk_rows = page.locator("#clerk-table tbody tr")
            assert await clerk_rows.count() == 3
            shown_rules = await page.evaluate(
                "[...document.querySelectorAll('#clerk-table tbody tr')]"
                ".map(tr => tr.children[2].dataset.value).sort()"
            )
            assert shown_rules == ["code_unknown", "mandatory", "mandatory"]
            async with page.expect_download() as info:
                await page.click("#clerk-csv")
            download = await info.value
            lines = (await _read(download)).splitlines()
            assert len(lines) == 4
            await page.screenshot(path=str(ARTIFACTS / "scorecard-clerk.png"), full_page=True)

            # the public: the league table's headline, not the clerk's records
            await page.select_option("#identity", "")
            await _loaded(page, 2)
            assert await clerk_rows.count() == 0
            await page.goto(f"{base}/dashboard/scorecard", wait_until="load")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == ""  # the choice is kept
            assert await page.locator("#national-table tbody tr").count() == len(expected)
        finally:
            await context.close()

    assert blocked == []
    assert page_errors == []


async def test_the_identity_and_the_language_chosen_on_one_page_are_kept_on_the_others(
    scorecard_gateway: str, scored: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 16, item 3: pick an identity and English on the dashboard, and the scorecard's
    national, agency and clerk pages open with both (kept in the browser, no server session);
    their figures stay the API's, their words are English alone; a link's ?lang= and ?as= set
    them too. Vietnamese (with English beside it) is the default."""
    base, code = scorecard_gateway, scored["code"]
    page_errors: list[str] = []

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
            viewport={"width": 1400, "height": 1000},
            timeout=TIMEOUT_MS,
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            page = await context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            identities = await (await context.request.get(f"{base}/graphiql/identities")).json()
            central = next(i for i in identities if i["key"] == "central")["token"]

            # a newcomer: Vietnamese first, English beside it
            await page.goto(f"{base}/dashboard", wait_until="load")
            await _loaded(page, 1)
            assert await page.evaluate("document.documentElement.lang") == "vi"
            assert (await page.inner_text("h1")).startswith("Biên chế và thống kê")
            assert await page.input_value("#lang") == "vi"

            # the choice: the ministry's identity, then English
            await page.select_option("#identity", "ministry")
            await _loaded(page, 2)
            await page.select_option("#lang", "en")
            await _loaded(page, 3)
            assert await page.evaluate("document.documentElement.lang") == "en"
            assert await page.inner_text("h1") == "Staffing and statistics"
            columns = await page.inner_text("#over-quota thead")
            assert columns.split("\t") == ["Code", "Name", "Quota", "Headcount", "Difference"]

            # the national scorecard: both kept, the page in English, the figures the API's
            await page.click("nav.pages a[href='/dashboard/scorecard']")
            await page.wait_for_url("**/dashboard/scorecard")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "ministry"
            assert await page.input_value("#lang") == "en"
            heading = await page.inner_text("#national h2")
            assert heading.startswith("National table")
            assert "Bảng" not in heading
            ministry = next(i for i in identities if i["key"] == "ministry")["token"]
            api = await _api(
                context, base, ministry, "{ agencyScorecards { agencyCode breaches } }"
            )
            shown = await page.evaluate(
                "[...document.querySelectorAll('#national-table tbody tr')].map(tr =>"
                " [tr.dataset.code, tr.lastElementChild.dataset.value,"
                " tr.lastElementChild.textContent])"
            )
            assert [r[:2] for r in shown] == [
                [a["agencyCode"], ",".join(a["breaches"])] for a in api["agencyScorecards"]
            ]
            top = shown[0]
            assert top[0] == code
            assert "late" in top[2]
            assert "Quá hạn" not in top[2]  # the breaches named in English alone

            # the filters by level and by breach are the API's
            await page.select_option("#breached", "NEVER_CONNECTED")
            await _loaded(page, 2)
            never = await page.evaluate(
                "[...document.querySelectorAll('#national-table tbody tr')]"
                ".map(tr => tr.dataset.code)"
            )
            assert code not in never
            assert never == [a["agencyCode"] for a in api["agencyScorecards"]
                             if "NEVER_CONNECTED" in a["breaches"]]  # fmt: skip
            await page.select_option("#breached", "")
            await page.select_option("#level", "PROVINCE")
            await _loaded(page, 4)
            levels = await _api(
                context, base, ministry, "{ agencyScorecards(levels: [PROVINCE]) { agencyCode } }"
            )
            provinces = await page.evaluate(
                "[...document.querySelectorAll('#national-table tbody tr')]"
                ".map(tr => tr.dataset.code)"
            )
            assert provinces == [a["agencyCode"] for a in levels["agencyScorecards"]]
            assert code in provinces
            assert len(provinces) < len(shown)

            # another identity chosen here is kept too: the central one, on the agency's page
            await page.select_option("#identity", "central")
            await _loaded(page, 5)
            await page.click(f"#national-table tr[data-code='{code}'] a")
            await page.wait_for_url(f"**/dashboard/scorecard?agency={code}")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "central"
            assert await page.evaluate("document.documentElement.lang") == "en"
            one = (
                await _api(
                    context, base, central,
                    "query($c: String!) { agencyScorecard(code: $c) { withinDeadlineShare"
                    " openRejects rejectsByRule { titleEn } } }",
                    {"c": code},
                )
            )["agencyScorecard"]  # fmt: skip
            labels = await page.evaluate(
                "[...document.querySelectorAll('#agency-figures dt')].map(dt => dt.textContent)"
            )
            assert labels[0] == "within 3 working days"
            value = page.locator("#agency-figures dd[data-field='withinDeadlineShare']")
            assert (
                _number(await value.get_attribute("data-value") or "") == one["withinDeadlineShare"]
            )
            titles = await page.evaluate(
                "[...document.querySelectorAll('#rules-table tbody tr')]"
                ".map(tr => tr.children[1].textContent)"
            )
            assert titles == [r["titleEn"] for r in one["rejectsByRule"]]
            await page.screenshot(path=str(ARTIFACTS / "scorecard-agency-en.png"), full_page=True)

            # the clerk's page: English, the expected forms the catalogue's English ones
            await page.click("#clerk-link")
            await page.wait_for_url(f"**/dashboard/scorecard?clerk={code}")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "central"
            assert (await page.inner_text("#clerk-title")).startswith("Records to correct")
            expected = await page.evaluate(
                "[...document.querySelectorAll('#clerk-table tbody tr')]"
                ".map(tr => [tr.children[2].dataset.value, tr.children[4].textContent])"
            )
            catalogue = reject_catalogue().rules
            assert sorted(expected) == sorted(
                [rule, catalogue[rule].expected.en]
                for rule in ("code_unknown", "mandatory", "mandatory")
            )

            # and back on the dashboard: still central, still English
            await page.goto(f"{base}/dashboard", wait_until="load")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "central"
            assert await page.inner_text("h1") == "Staffing and statistics"
            # printed, the dashboard keeps the charts and drops the controls
            await page.emulate_media(media="print")
            assert not await page.is_visible("#controls")
            assert await page.is_visible("#quota-chart")
            await page.emulate_media(media="screen")

            # a link can carry both: ?lang=vi&as=public
            await page.goto(f"{base}/dashboard/scorecard?lang=vi&as=public", wait_until="load")
            await _loaded(page, 1)
            assert await page.input_value("#identity") == "public"
            assert await page.evaluate("document.documentElement.lang") == "vi"
            assert (await page.inner_text("#national h2")).startswith("Bảng toàn quốc")

            # the print stylesheet: no controls, breaches marked with a cross, not only colour
            await page.emulate_media(media="print")
            assert not await page.is_visible("#controls")
            assert await page.is_visible("#national-table")
            mark = await page.evaluate(
                f"getComputedStyle(document.querySelector(\"#national-table tr[data-code='{code}']"
                " td[data-field='withinDeadlineShare']\"), '::after').content"
            )
            assert mark == '" ✗"'
            await page.screenshot(path=str(ARTIFACTS / "scorecard-national-print.png"))
        finally:
            await context.close()

    assert page_errors == []
