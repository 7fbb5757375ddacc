"""The ASGI application: routes, and the resources one gateway process holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from gateway.documents import DocumentCache
from gateway.graphiql import static_mount
from gateway.graphql_http import GraphQLEndpoint
from gateway.settings import Settings
from resolvers.context import Context
from resolvers.reference import Reference, load_reference
from schema import schema
from store.database import create_engine


@dataclass
class Resources:
    """Opened when the app starts, closed when it stops."""

    engine: AsyncEngine
    reference: Reference | None = None


def create_app(
    settings: Settings, database_url: str | URL, *, engine: AsyncEngine | None = None
) -> Starlette:
    """The gateway for one store; pass `engine` to share a pool you own (tests, benchmarks)."""
    owns_engine = engine is None
    resources = Resources(engine or create_engine(database_url, pool_size=settings.pool_size))

    def make_context(request: Request) -> Context:
        assert resources.reference is not None, "the app has not started"
        return Context(resources.engine, settings, resources.reference)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        resources.reference = await load_reference(resources.engine)
        try:
            yield
        finally:
            if owns_engine:
                await resources.engine.dispose()

    endpoint = GraphQLEndpoint(
        schema,
        DocumentCache(schema._schema, settings.document_cache_size),
        make_context,
        graphiql=settings.graphiql,
    )

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/graphql", endpoint.handle, methods=["GET", "POST"]),
            Route("/", root),
            Route("/healthz", healthz),
            static_mount(),
        ],
        lifespan=lifespan,
    )
