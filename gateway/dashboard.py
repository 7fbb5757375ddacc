"""`GET /dashboard`: staffing and headcount charts for analysts, from the gateway's own files.

The page (``gateway/static/dashboard/``: our HTML, script and stylesheet plus Chart.js vendored
from npm, see VENDORED.md there) reads the GraphQL API with the viewer's token, like any client;
it holds no data of its own. The Content-Security-Policy lets it load from and connect to this
origin only, and runs no inline script.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.graphiql import STATIC_DIR

INDEX_HTML = STATIC_DIR / "dashboard" / "index.html"
SCORECARD_HTML = STATIC_DIR / "scorecard" / "index.html"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Chart.js sizes its canvases through style attributes
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@cache
def _page(path: Path = INDEX_HTML) -> str:
    return path.read_text(encoding="utf-8")


async def dashboard(request: Request) -> Response:
    return _html(_page())


async def scorecard(request: Request) -> Response:
    """MOHA's scorecard: the national table, an agency's page (?agency=CODE) and the clerk's
    page of an agency's own staff (?clerk=CODE), from the same files and policy."""
    return _html(_page(SCORECARD_HTML))


def _html(page: str) -> Response:
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


def dashboard_routes() -> list[BaseRoute]:
    """The page; its assets are served by the existing ``/static`` mount."""
    return [
        Route("/dashboard", dashboard, methods=["GET"]),
        Route("/dashboard/scorecard", scorecard, methods=["GET"]),
    ]
