"""HTTP routes of the authorization server, and the demo identities GraphiQL offers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.auth.identities import demo_identities
from gateway.auth.server import token_response
from gateway.auth.state import JWKS_PATH, METADATA_PATH, TOKEN_PATH, AuthState

IDENTITIES_PATH = "/graphiql/identities"


def auth_routes(get_state: Callable[[], AuthState]) -> list[BaseRoute]:
    """The routes; `get_state` returns the AuthState the app's lifespan loaded."""

    async def token(request: Request) -> Response:
        state = get_state()
        answer = await token_response(state.server, state.engine, request)
        return JSONResponse(answer.body, answer.status, headers=dict(answer.headers))

    async def metadata(request: Request) -> Response:
        return JSONResponse(get_state().metadata(), headers={"Cache-Control": "max-age=3600"})

    async def jwks(request: Request) -> Response:
        # Short cache: a revoked key must leave relying parties' copies quickly too.
        keys = get_state().keys.ring.jwks(datetime.now(UTC))
        return JSONResponse(keys, headers={"Cache-Control": "max-age=60"})

    async def identities(request: Request) -> Response:
        state = get_state()
        if not state.settings.demo:
            return JSONResponse({"error": "not found"}, 404)
        try:
            offered = await demo_identities(state.engine)
        except LookupError as error:
            return JSONResponse({"error": str(error)}, 503)
        answer = []
        for identity in offered:
            token, lifetime = (
                (None, None) if identity.grant is None else state.issue(identity.grant)
            )
            grant = identity.grant
            answer.append(
                {
                    "key": identity.key,
                    "label": identity.label,
                    "level": "public" if grant is None else grant.level.value,
                    "organization": None if grant is None else grant.organization,
                    "purposes": [] if grant is None else list(grant.purposes),
                    "token": token,
                    "expiresIn": lifetime,
                }
            )
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    return [
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(METADATA_PATH, metadata, methods=["GET"]),
        Route(JWKS_PATH, jwks, methods=["GET"]),
        Route(IDENTITIES_PATH, identities, methods=["GET"]),
    ]
