"""GraphiQL, served entirely from the gateway's own files.

The government network is closed, so the page and everything it loads (React, ReactDOM,
GraphiQL and its stylesheet, vendored under ``gateway/static/graphiql/``, see VENDORED.md there)
come from this process: no CDN, no web fonts, no analytics. The response also carries a
Content-Security-Policy that lets the browser load and connect to this origin only, so a
future change to the page that reached for another host would fail loudly instead of leaking.

:class:`GraphiQLPageMiddleware`, outermost on ``/graphql``, calls :func:`wants_html` to decide
whether ``GET /graphql`` is a person with a browser (show :func:`graphiql_page`) or a client
running a query.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Served at ``/static``; the GraphiQL page and its vendored files are in ``graphiql/``."""

INDEX_HTML = STATIC_DIR / "graphiql" / "index.html"

# An inline <script> without a src attribute; its exact text is what a CSP hash covers.
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _content_security_policy(html: str) -> str:
    script_hashes = " ".join(
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        )
        for body in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {script_hashes}".rstrip(),
            # GraphiQL's components inject <style> elements and style attributes at run time.
            "style-src 'self' 'unsafe-inline'",
            # The stylesheet embeds its fonts and icons as data: URLs.
            "font-src 'self' data:",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@cache
def _page() -> tuple[str, str]:
    html = INDEX_HTML.read_text(encoding="utf-8")
    return html, _content_security_policy(html)


def graphiql_page() -> HTMLResponse:
    """The GraphiQL page; ``index.html`` is read from disk once per process."""
    html, csp = _page()
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        },
    )


def static_mount() -> Mount:
    """``gateway/static`` mounted at ``/static`` (GraphiQL's scripts and stylesheet)."""
    # GraphiQL's bundle is 4 MB and compresses to 1 MB; only static files are gzipped, so
    # GraphQL responses pay no compression cost.
    return Mount(
        "/static",
        app=GZipMiddleware(StaticFiles(directory=STATIC_DIR), minimum_size=1024),
        name="static",
    )


def _accepts_html(accept: str) -> bool:
    for media_range in accept.split(","):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        if media_type.lower() != "text/html":
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    return float(value.strip()) > 0
                except ValueError:
                    return False
        return True
    return False


def wants_html(request: Request) -> bool:
    """True for a browser opening the endpoint: a GET that accepts text/html and runs no query.

    HEAD counts as GET, as it does in Starlette's routing. A GET with a ``query`` parameter is
    a GraphQL request whatever its Accept header says.
    """
    return (
        request.method in ("GET", "HEAD")
        and "query" not in request.query_params
        and _accepts_html(request.headers.get("accept", ""))
    )


class GraphiQLPageMiddleware:
    """Browsers opening /graphql get GraphiQL's page; every other request passes to `app`.

    Outside the guards of the GraphQL endpoint: the page needs no caller and counts against
    no rate limit. Plain ASGI middleware; non-HTTP scopes pass straight through.
    """

    def __init__(self, app: ASGIApp, enabled: bool) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # GET only (gateway/methods.py refuses HEAD before this)
        page = scope["type"] == "http" and scope["method"] == "GET" and self.enabled
        if page and wants_html(Request(scope)):
            await graphiql_page()(scope, receive, send)
            return
        await self.app(scope, receive, send)
