"""The ASGI application: routes, and the resources one gateway process holds.

Every route that needs a caller (/graphql and the exports, which is all the dashboard reads)
runs behind the same `guards`: the deadline, the caller (AuthenticationMiddleware) and the
rate limits, under the app-wide ObservabilityMiddleware that gives every request its id.
Routes that need no caller (health, metrics, OAuth, static files, GraphiQL's page) have none.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from graphql import GraphQLObjectType, get_named_type
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from strawberry.schema import Schema

from adapters.registry import SourceRegistry
from gateway.auth import AuthState, auth_routes, load_auth
from gateway.authentication import AuthenticationMiddleware
from gateway.cv.routes import cv_routes
from gateway.dashboard import dashboard_routes
from gateway.deadline import DeadlineMiddleware
from gateway.documents import DocumentCache
from gateway.export import export_routes
from gateway.graphiql import GraphiQLPageMiddleware, static_mount
from gateway.graphql_http import GraphQLEndpoint, graphql_refusal
from gateway.health import ops_routes
from gateway.limits import Limits, validation_rules
from gateway.methods import AllowedMethodsMiddleware, any_method
from gateway.observability import ObservabilityMiddleware
from gateway.persisted import PersistedQueries
from gateway.ratelimit import RateLimitMiddleware, RequestRateLimits
from gateway.refusals import RenderRefusal, json_refusal
from gateway.rejects_export import export_rejects_routes
from gateway.request_context import ContextFactory
from gateway.scorecard_export import export_scorecard_routes
from gateway.settings import Settings
from gateway.sources import source_wiring
from gateway.tracing import configure_tracing
from policies.document import load_policy
from policies.types import Caller
from resolvers.options import ResolverOptions
from resolvers.reference import Reference, load_reference
from schema import schema
from schema.compiled_execution import CompiledReads
from store.database import create_engine


@dataclass
class Resources:
    """Opened when the app starts, closed when it stops."""

    engine: AsyncEngine
    reference: Reference | None = None
    auth: AuthState | None = None
    sources: SourceRegistry = field(default_factory=lambda: SourceRegistry([]))


def schema_fields(graphql_schema: Schema) -> dict[str, list[str]]:
    """Every object type of the schema with its fields: what the policy must cover."""
    return {
        name: list(graphql_type.fields)
        for name, graphql_type in graphql_schema._schema.type_map.items()
        if not name.startswith("__") and isinstance(graphql_type, GraphQLObjectType)
    }


def schema_links(graphql_schema: Schema) -> dict[str, dict[str, str]]:
    """Every object-typed field: type -> field -> the object type it leads to. The policy uses
    it to find code lists reached by paths of different classes (policies/derived.yaml)."""
    links: dict[str, dict[str, str]] = {}
    for name, graphql_type in graphql_schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field_def in graphql_type.fields.items():
            target = get_named_type(field_def.type)
            if isinstance(target, GraphQLObjectType):
                links.setdefault(name, {})[field_name] = target.name
    return links


def resolver_options(settings: Settings) -> ResolverOptions:
    """What the resolvers need of the settings: they import nothing of the gateway."""
    return ResolverOptions(
        default_page_size=settings.default_page_size,
        max_page_size=settings.max_page_size,
        minimum_public_count=settings.statistics_min_count,
    )


def create_app(
    settings: Settings, database_url: str | URL, *, engine: AsyncEngine | None = None
) -> Starlette:
    """The gateway for one store; pass `engine` to share a pool you own (tests, benchmarks).

    `app.state.resources` holds what the running app opened: the engine, the code lists and
    the authorization server's state (keys, trusted issuers).
    """
    owns_engine = engine is None
    resources = Resources(
        engine
        or create_engine(
            database_url,
            pool_size=settings.pool_size,
            statement_timeout_s=settings.request_deadline,
        )
    )

    def reference() -> Reference:
        assert resources.reference is not None, "the app has not started"
        return resources.reference

    def auth_state() -> AuthState:
        assert resources.auth is not None, "the app has not started"
        return resources.auth

    async def authenticate(authorization: str | None) -> Caller:
        return await auth_state().authenticator.authenticate(authorization)

    limits = Limits.from_settings(settings)
    rate_limits = RequestRateLimits.from_settings(settings, resources.engine)
    persisted = PersistedQueries(
        resources.engine,
        settings.persisted_query_cache_size,
        register_automatic=settings.automatic_persisted_queries,
    )
    configure_tracing(settings.otel_endpoint, settings.otel_service_name)

    policy = load_policy(schema_fields(schema), links=schema_links(schema))
    contexts = ContextFactory(
        resources.engine, resolver_options(settings), policy, reference, lambda: resources.sources
    )

    def guards(render: RenderRefusal) -> list[Middleware]:
        """Outermost first: the deadline covers the token check and the rate limits too."""
        return [
            Middleware(DeadlineMiddleware, seconds=settings.request_deadline, render=render),
            Middleware(AuthenticationMiddleware, authenticate=authenticate, render=render),
            Middleware(RateLimitMiddleware, limits=rate_limits, render=render),
        ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        resources.reference = await load_reference(resources.engine)
        resources.auth = await load_auth(resources.engine, settings)
        if settings.sources_config is not None:
            resources.sources = SourceRegistry.from_yaml(
                settings.sources_config, source_wiring(settings)
            )
        # What start-up built (schema, policy, code lists, keys) lives as long as the process:
        # moving it out of the collector's sight makes full collections short (p99 latency).
        gc.collect()
        gc.freeze()
        stop_sync = asyncio.Event()
        sync_task = None
        if settings.sync_interval_s and len(resources.sources):
            from sync.scheduler import run_scheduler

            sync_task = asyncio.create_task(
                run_scheduler(
                    resources.engine, resources.sources, settings.sync_interval_s, stop_sync
                )
            )
        try:
            yield
        finally:
            stop_sync.set()
            if sync_task is not None:
                await sync_task
            await rate_limits.aclose()
            await resources.sources.aclose()
            await resources.auth.aclose()
            if owns_engine:
                await resources.engine.dispose()

    endpoint = GraphQLEndpoint(
        schema,
        DocumentCache(
            schema._schema,
            settings.document_cache_size,
            rules=validation_rules(settings.production),
            max_tokens=settings.max_tokens,
            hide_suggestions=settings.production,
        ),
        contexts,
        limits=limits,
        persisted=persisted,
        production=settings.production,
        compiled=CompiledReads(schema) if settings.compiled_reads else None,
    )
    graphql_middleware = [
        Middleware(AllowedMethodsMiddleware, render=graphql_refusal),
        Middleware(GraphiQLPageMiddleware, enabled=settings.serves_graphiql),
        *guards(graphql_refusal),
    ]

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            # every method reaches AllowedMethodsMiddleware, which answers all but GET and POST
            # in GraphQL's format (Starlette's own 405 is text/plain)
            Route("/graphql", any_method(endpoint.handle), middleware=graphql_middleware),
            Route("/", root),
            *ops_routes(resources.engine, started=lambda: resources.reference is not None),
            *auth_routes(auth_state),
            *dashboard_routes(),
            *export_routes(contexts, guards(json_refusal)),
            *export_scorecard_routes(contexts, guards(json_refusal)),
            *export_rejects_routes(contexts, guards(json_refusal)),
            *cv_routes(contexts, guards(json_refusal)),
            static_mount(),
        ],
        lifespan=lifespan,
        middleware=[Middleware(ObservabilityMiddleware)],
    )
    app.state.resources = resources
    return app
