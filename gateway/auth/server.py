"""The token endpoint: authlib's RFC 6749 authorization server, adapted to Starlette.

authlib's generic `AuthorizationServer` is synchronous and framework-neutral: a framework hands
it a request object and turns its (status, body, headers) into a response. Ours does the I/O
around it asynchronously: it reads the form, loads the client the request names from the store,
runs authlib (in a worker thread: scrypt and signature checks are CPU work) and, for a
private_key_jwt assertion, records the assertion's jti before the token is handed out.

Only the client-credentials grant is registered; clients authenticate with client_secret_basic
or private_key_jwt (RFC 7523), never with a secret in the form.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped]
    AuthorizationServer,
    ClientCredentialsGrant,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.requests import (  # type: ignore[import-untyped]
    BasicOAuth2Payload,
)
from authlib.oauth2.rfc6749.util import (  # type: ignore[import-untyped]
    extract_basic_authorization,
)
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion  # type: ignore[import-untyped]
from joserfc import jws, jwt
from joserfc.errors import JoseError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from gateway.auth.clients import PRIVATE_KEY_JWT, SECRET, ClientRecord, find_client
from gateway.auth.passwords import burn_time_like_a_check
from gateway.auth.replay import UsedAssertion, first_use
from gateway.auth.tokens import NoSigningKey

CLIENT_ASSERTION_ALGORITHMS = ("ES256", "ES384", "Ed25519", "PS256", "RS256")
"""What a client may sign its assertion with: asymmetric only (its JWKS is all we hold)."""
MAX_ASSERTION_LIFETIME = 300
"""Seconds an assertion may still be valid when it arrives; bounds the jti table too."""
_MAX_FORM_BYTES = 16 * 1024

Issue = Callable[[ClientRecord], tuple[str, int]]
"""Mints an access token for a client: (token, lifetime in seconds)."""


class TokenRequest(OAuth2Request):  # type: ignore[misc]
    """One token request, with the clients it names already loaded from the store."""

    def __init__(
        self,
        uri: str,
        headers: Mapping[str, str],
        form: dict[str, str],
        clients: dict[str, ClientRecord],
    ) -> None:
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)
        self.clients = clients
        self.used_assertion: UsedAssertion | None = None

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return {}


def _client_secret_basic(query_client: Any, request: TokenRequest) -> ClientRecord | None:
    client_id, secret = extract_basic_authorization(request.headers)
    if not client_id or not secret:
        return None
    client = request.clients.get(client_id)
    if client is None:
        burn_time_like_a_check(secret)
        return None
    return client if client.check_client_secret(secret) else None


class _PrivateKeyJWT(JWTBearerClientAssertion):  # type: ignore[misc]
    """RFC 7523 client authentication, made per request so the jti lands on the request."""

    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def __init__(self, request: TokenRequest, audiences: list[str], leeway: int) -> None:
        super().__init__(validate_jti=True, leeway=leeway)
        self._request = request
        self._audiences = audiences

    def get_audiences(self) -> list[str]:
        return self._audiences

    def resolve_client_public_key(self, client: ClientRecord) -> Any:
        # authlib asks for the key before it checks the client's method: a secret client has
        # no keys, and must hear that it cannot use this method rather than fail on them
        if client.auth_method != PRIVATE_KEY_JWT or client.jwks is None:
            raise InvalidClientError(description="the client is not registered for private_key_jwt")
        return client.key_set

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        # authlib decodes with joserfc's default algorithms; pin ours instead
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=CLIENT_ASSERTION_ALGORITHMS)
        except JoseError as error:
            raise InvalidClientError(
                description="the client assertion does not verify with the client's registered keys"
            ) from error
        self.verify_claims(token.claims)
        return dict(token.claims)

    def verify_claims(self, claims: dict[str, Any]) -> None:
        super().verify_claims(claims)  # iss = sub = the client, aud is ours, not expired, jti
        if claims["exp"] - time.time() > MAX_ASSERTION_LIFETIME + self.leeway:
            raise InvalidClientError(
                description=f"a client assertion may live {MAX_ASSERTION_LIFETIME} s at most"
            )

    def validate_jti(self, claims: dict[str, Any], jti: object) -> bool:
        if not isinstance(jti, str) or not 0 < len(jti) <= 255:
            return False
        # Checked against the store once authlib is done (asynchronously and atomically): the
        # token is handed out only if this is the assertion's first use. Remembered until the
        # assertion could no longer pass the exp check, leeway included.
        self._request.used_assertion = UsedAssertion(
            claims["sub"], jti, claims["exp"] + self.leeway
        )
        return True


def _private_key_jwt(audiences: list[str], leeway: int) -> Callable[..., ClientRecord | None]:
    def authenticate(query_client: Any, request: TokenRequest) -> ClientRecord | None:
        authenticator = _PrivateKeyJWT(request, audiences, leeway)
        client: ClientRecord | None = authenticator(request.clients.get, request)
        return client

    return authenticate


class _ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [SECRET, PRIVATE_KEY_JWT]  # noqa: RUF012 - authlib's API


class TokenServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, *, token_endpoint: str, issuer: str, leeway: int, issue: Issue) -> None:
        super().__init__()
        self.token_endpoint = token_endpoint
        self._issue = issue
        self.register_grant(_ClientCredentials)
        self.register_client_auth_method(SECRET, _client_secret_basic)
        # RFC 7523 §3: the audience identifies the authorization server; the token endpoint's
        # URL is the classic choice and the issuer identifier the newer one: both are ours.
        self.register_client_auth_method(
            PRIVATE_KEY_JWT, _private_key_jwt([token_endpoint, issuer], leeway)
        )
        self.register_token_generator("default", self._generate_token)

    def query_client(self, client_id: str) -> ClientRecord | None:
        return None  # never used: each TokenRequest carries the clients it names

    def save_token(self, token: dict[str, Any], request: TokenRequest) -> None:
        """Nothing to save: access tokens are self-contained signed JWTs."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal system: audit of token issuance is the response itself, logged upstream."""

    def create_oauth2_request(self, request: TokenRequest) -> TokenRequest:
        return request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def validate_requested_scope(self, scope: str | None) -> None:
        # Tokens carry the level, organisation and purposes registered with the client; a
        # scope cannot widen or narrow them, so asking for one is an error rather than ignored.
        if scope:
            raise InvalidScopeError(
                description="this server grants no scopes: purposes are registered with the client"
            )

    def _generate_token(self, client: ClientRecord, **_: Any) -> dict[str, Any]:
        try:
            token, lifetime = self._issue(client)
        except NoSigningKey as error:
            raise _Unavailable(description="no signing key is active") from error
        return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}


class _Unavailable(OAuth2Error):  # type: ignore[misc]
    """Every key is retired or revoked: an operator must rotate; the client may retry later."""

    error = "temporarily_unavailable"
    status_code = 503


@dataclass(frozen=True)
class TokenResponse:
    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]]


def _error(error: Any) -> TokenResponse:
    status, body, headers = error()
    return TokenResponse(status, dict(body), list(headers))


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise InvalidRequestError(description="the request body is not UTF-8") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        # RFC 6749 §3.2: request parameters must not be included more than once
        if name in form:
            raise InvalidRequestError(description=f"the parameter {name} is repeated")
        form[name] = value
    return form


def _named_client_ids(headers: Mapping[str, str], form: Mapping[str, str]) -> set[str]:
    """Client ids the request claims to be, before anything is verified: what to load."""
    named = set()
    basic_id, _ = extract_basic_authorization(headers)
    if basic_id:
        named.add(basic_id)
    assertion = form.get("client_assertion")
    if assertion:
        try:
            claims = json.loads(jws.extract_compact(assertion.encode("ascii")).payload)
        except (JoseError, ValueError, UnicodeEncodeError):
            claims = None
        if isinstance(claims, dict) and isinstance(claims.get("sub"), str):
            named.add(claims["sub"])
    return {client_id for client_id in named if 0 < len(client_id) <= 64}


async def token_response(
    server: TokenServer, engine: AsyncEngine, request: Request
) -> TokenResponse:
    """POST /oauth/token, start to end."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _error(
            InvalidRequestError(description="send the form as application/x-www-form-urlencoded")
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            return _error(InvalidRequestError(description="the request body is too large"))
    try:
        form = _form(bytes(body))
    except InvalidRequestError as error:
        return _error(error)
    clients = {}
    for client_id in _named_client_ids(request.headers, form):
        client = await find_client(engine, client_id)
        if client is not None:
            clients[client_id] = client
    oauth_request = TokenRequest(server.token_endpoint, request.headers, form, clients)
    status, payload, headers = await run_in_threadpool(server.create_token_response, oauth_request)
    used = oauth_request.used_assertion
    if status == 200 and used is not None and not await first_use(engine, used):
        return _error(InvalidClientError(description="the client assertion was used before"))
    return TokenResponse(status, dict(payload), list(headers))
