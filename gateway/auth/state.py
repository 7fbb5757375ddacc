"""What one gateway process holds for authentication, loaded at start-up and kept fresh.

`load_auth` makes sure the store has a signing key, loads the key ring, starts watching for key
changes and builds the Authenticator and the token server. `AuthState.aclose` stops it all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.claims import Grant, access_token_claims
from gateway.auth.clients import ClientRecord
from gateway.auth.jwks import RemoteJwks
from gateway.auth.keys import KeyRing
from gateway.auth.keystore import CHANNEL, ensure_signing_key, load_ring
from gateway.auth.organisations import OrganisationDirectory
from gateway.auth.server import CLIENT_ASSERTION_ALGORITHMS, TokenServer
from gateway.auth.tokens import sign_access_token
from gateway.auth.verify import Authenticator, IssuerPolicy
from gateway.settings import Settings, SettingsError, secure_url
from keymaterial.lifecycle import SIGNING_ALGORITHMS
from keymaterial.sealing import KeyMaterialError, decode_kek
from store.database import sync_free_dsn

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a password
JWKS_PATH = "/.well-known/jwks.json"
METADATA_PATH = "/.well-known/oauth-authorization-server"


class KeyWatcher:
    """Keeps this process's key ring current.

    Reloads when the store announces a change (LISTEN on a dedicated connection, so a rotation
    or revocation reaches every replica within moments), every `interval` seconds in case a
    notification was missed, and when a token names a kid we lack (at most every `min_reload`
    seconds, so made-up kids cannot make us query the store per request).
    """

    def __init__(
        self, engine: AsyncEngine, kek: bytes | None, *, interval: float, min_reload: float = 5.0
    ) -> None:
        self._engine = engine
        self._kek = kek
        self._interval = interval
        self._min_reload = min_reload
        self._ring = KeyRing(())
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._listener: Any = None
        self._task: asyncio.Task[None] | None = None

    @property
    def ring(self) -> KeyRing:
        return self._ring

    async def reload(self) -> None:
        async with self._lock:
            ring = await load_ring(self._engine, self._kek)
            if ring.fingerprint() != self._ring.fingerprint():
                log.info("signing keys loaded: %s", ", ".join(r.kid for r in ring.records))
            self._ring = ring
            self._loaded_at = time.monotonic()

    async def refresh_for_unknown_kid(self) -> None:
        if time.monotonic() - self._loaded_at >= self._min_reload:
            await self.reload()

    async def start(self) -> None:
        await self.reload()
        self._task = asyncio.create_task(self._watch(), name="cbccvc-key-watcher")

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(sync_free_dsn(self._engine.url))
        await self._listener.add_listener(CHANNEL, lambda *_: self._changed.set())

    async def _watch(self) -> None:
        while True:
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("cannot listen for key changes (will retry): %s", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=self._interval)
            self._changed.clear()
            try:
                await self.reload()
            except (OSError, asyncpg.PostgresError, KeyMaterialError) as error:
                # keep verifying with the ring we have; the next round tries again
                log.warning("could not reload the signing keys: %s", error)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            await self._listener.close()


@dataclass
class AuthState:
    settings: Settings
    engine: AsyncEngine
    keys: KeyWatcher
    authenticator: Authenticator
    server: TokenServer
    http: httpx.AsyncClient

    @property
    def issuer(self) -> str:
        return self.settings.issuer_url()

    def issue(self, grant: Grant, *, lifetime: int | None = None) -> tuple[str, int]:
        """A new access token for `grant`, signed by the current key: (token, lifetime)."""
        lifetime = lifetime or self.settings.access_token_ttl
        now = time.time()
        claims = access_token_claims(
            grant,
            issuer=self.issuer,
            audience=self.settings.audience_value(),
            lifetime=lifetime,
            now=now,
        )
        signer = self.keys.ring.signer(datetime.fromtimestamp(now, UTC))
        return sign_access_token(claims, signer), lifetime

    def metadata(self) -> dict[str, Any]:
        """RFC 8414 authorization server metadata."""
        return {
            "issuer": self.issuer,
            "token_endpoint": self.issuer + TOKEN_PATH,
            "jwks_uri": self.issuer + JWKS_PATH,
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(CLIENT_ASSERTION_ALGORITHMS),
            # RFC 8414 requires the member; no response type is served (no authorization
            # endpoint: client credentials only)
            "response_types_supported": [],
            "scopes_supported": [],
        }

    async def aclose(self) -> None:
        await self.keys.aclose()
        await self.http.aclose()


def _trusted(settings: Settings, http: httpx.AsyncClient) -> list[tuple[IssuerPolicy, RemoteJwks]]:
    trusted = []
    for issuer in settings.trusted_issuers:
        if issuer.issuer == settings.issuer_url():
            raise SettingsError(f"{issuer.issuer} is this gateway's own issuer, not a trusted one")
        policy = IssuerPolicy(
            issuer=issuer.issuer,
            audience=issuer.audience or settings.audience_value(),
            algorithms=frozenset(issuer.algorithms),
            levels=issuer.levels,
            organizations=issuer.organizations,
        )
        trusted.append((policy, RemoteJwks(issuer.jwks_url, http, ttl=settings.jwks_cache_ttl)))
    return trusted


async def _check_trusted_subtrees(settings: Settings, organisations: OrganisationDirectory) -> None:
    """A trusted issuer's subtrees must be organisations of the tree: a typo would trust none."""
    for issuer in settings.trusted_issuers:
        for code in sorted(issuer.organizations or ()):
            if await organisations.get(code) is None:
                raise SettingsError(
                    f"CBCCVC_TRUSTED_ISSUERS: {issuer.issuer} is trusted for {code}, which is "
                    "not an organisation of the store's tree"
                )


async def load_auth(engine: AsyncEngine, settings: Settings) -> AuthState:
    """Everything authentication needs, for the app's lifespan; close it with `aclose()`."""
    issuer = settings.issuer_url()
    if not secure_url(issuer):
        raise SettingsError(
            f"the issuer {issuer} must be https (or http on loopback): set CBCCVC_ISSUER"
        )
    kek = decode_kek(settings.key_encryption_key) if settings.key_encryption_key else None
    if kek is None and not settings.demo:
        log.warning(
            "CBCCVC_KEY_ENCRYPTION_KEY is not set: new signing keys are stored unencrypted "
            "in the store (generate one with `cbccvc keys kek`)"
        )
    await ensure_signing_key(engine, kek)
    organisations = OrganisationDirectory(engine)
    await _check_trusted_subtrees(settings, organisations)
    keys = KeyWatcher(engine, kek, interval=settings.key_refresh_interval)
    await keys.start()
    # for trusted issuers' JWKS: short timeout, and no redirects (the configured address is the
    # one trusted, not wherever it points)
    http = httpx.AsyncClient(timeout=5.0, follow_redirects=False)
    try:
        authenticator = Authenticator(
            own=IssuerPolicy(issuer, settings.audience_value(), frozenset(SIGNING_ALGORITHMS)),
            local_keys=keys,
            organisations=organisations,
            trusted=_trusted(settings, http),
            leeway=settings.clock_skew,
            cache_size=settings.token_cache_size,
        )
    except SettingsError:
        await keys.aclose()
        await http.aclose()
        raise
    state: AuthState

    def issue_for(client: ClientRecord) -> tuple[str, int]:
        return state.issue(client.grant())

    server = TokenServer(
        token_endpoint=issuer + TOKEN_PATH,
        issuer=issuer,
        leeway=settings.clock_skew,
        issue=issue_for,
    )
    state = AuthState(settings, engine, keys, authenticator, server, http)
    return state
