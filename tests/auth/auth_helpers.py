"""Helpers of the auth tests: a loopback JWKS server, client assertions, an in-memory ring.

Imported as `auth_helpers` (tests/ has no __init__.py, so pytest puts this folder on sys.path).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from joserfc import jwk, jwt
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth import AuthenticationError, AuthState, auth_routes, load_auth, www_authenticate
from gateway.auth.keys import KeyRecord, KeyRing
from gateway.settings import Settings
from keymaterial.lifecycle import generate

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ISSUER = "https://cbccvc.test"
AUDIENCE = f"{ISSUER}/graphql"
TOKEN_ENDPOINT = f"{ISSUER}/oauth/token"
TRUSTED_ISSUER = "https://idp.province.test"
TRUSTED_PROVINCE = "000.00.00.H24"
"""Hà Nội in the seeded tree: the one subtree the trusted issuer may name."""
A_COMMUNE = "000.00.00070.H24"
"""A commune of Hà Nội in the seeded tree."""
"""A province's identity provider, trusted by the test app for the province levels and below."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64json(value: object) -> str:
    return b64(json.dumps(value).encode("utf-8"))


def token_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, unverified."""
    header: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    return header


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@dataclass
class ClientKey:
    """A client's key pair for private_key_jwt: the private half signs, the JWKS is registered."""

    key: jwk.ECKey = field(default_factory=lambda: jwk.generate_key("EC", "P-256", private=True))
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**self.key.as_dict(private=False), "kid": self.kid, "alg": "ES256"}]}

    def assertion(
        self,
        client_id: str,
        *,
        audience: str = TOKEN_ENDPOINT,
        lifetime: int = 60,
        jti: str | None = None,
        now: float | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": issued,
            "exp": issued + lifetime,
            "jti": jti or uuid.uuid4().hex,
        }
        return jwt.encode({"alg": "ES256", "kid": self.kid}, claims, self.key, algorithms=["ES256"])


def assertion_form(assertion: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }


def key_record(algorithm: str = "ES256", **times: datetime | None) -> tuple[KeyRecord, bytes]:
    new = generate(algorithm)
    now = datetime.now(UTC)
    record = KeyRecord(
        kid=new.kid,
        algorithm=algorithm,
        public_jwk=new.public_jwk,
        created_at=now - timedelta(hours=1),
        activated_at=times.get("activated_at") or now - timedelta(hours=1),
        retired_at=times.get("retired_at"),
        expires_at=times.get("expires_at"),
        revoked_at=times.get("revoked_at"),
    )
    return record, new.private_pem


class StaticKeys:
    """Our keys without a store: a fixed ring (the Authenticator's LocalKeys)."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self.refreshes = 0

    async def refresh_for_unknown_kid(self) -> None:
        self.refreshes += 1


class JwksServer:
    """A real HTTP server on loopback serving a JWKS the test controls, counting requests."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps(server.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/jwks.json"

    def publish(self, *keys: tuple[jwk.Key, str, str]) -> None:
        """Serve these (key, kid, alg) as the JWKS."""
        self.document = {
            "keys": [
                {**key.as_dict(private=False), "kid": kid, "alg": alg, "use": "sig"}
                for key, kid, alg in keys
            ]
        }

    def close(self) -> None:
        """Stop listening without ever serving: its address then refuses connections."""
        self._httpd.server_close()

    @contextmanager
    def running(self) -> Iterator[JwksServer]:
        thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()
            thread.join(timeout=5)


def auth_app(settings: Settings, engine: AsyncEngine) -> tuple[Starlette, dict[str, AuthState]]:
    """The auth routes plus `/whoami`, a protected endpoint answering with the caller the
    Authenticator found (or 401 with the RFC 6750 header): how the GraphQL endpoint uses it."""
    holder: dict[str, AuthState] = {}

    def state() -> AuthState:
        return holder["state"]

    async def whoami(request: Request) -> Response:
        try:
            caller = await state().authenticator.authenticate(request.headers.get("authorization"))
        except AuthenticationError as error:
            return JSONResponse(
                {"error": error.message}, 401, headers={"WWW-Authenticate": www_authenticate(error)}
            )
        return JSONResponse(
            {
                "level": caller.level.value,
                "organization": caller.organization,
                "subject": caller.subject,
                "clientId": caller.client_id,
                "purposes": sorted(caller.purposes),
                "issuer": caller.issuer,
            }
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        holder["state"] = await load_auth(engine, settings)
        try:
            yield
        finally:
            await holder["state"].aclose()

    routes = [*auth_routes(state), Route("/whoami", whoami)]
    return Starlette(routes=routes, lifespan=lifespan), holder


async def whoami(http: httpx.AsyncClient, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await http.get("/whoami", headers=headers)


def token_form(**extra: Any) -> dict[str, str]:
    return {"grant_type": "client_credentials", **extra}
