"""Settings of one gateway process, read once from the environment.

Every setting has a default that works on a developer's machine; production overrides them with
environment variables (documented in README.md).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A setting has a value the gateway cannot use; the message names it."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if not value >= minimum:  # also refuses nan
        raise SettingsError(f"{name} must be at least {minimum:g}, got {raw}")
    return value


ASYMMETRIC_ALGORITHMS = frozenset({"ES256", "ES384", "EdDSA", "Ed25519", "PS256", "RS256"})
"""JWS algorithms an access token may be signed with. Never `none`, never HMAC: a verifier that
accepted HS256 could be fooled into using a public key as the shared secret."""

TOKEN_LEVELS = frozenset({"central", "ministry", "province", "commune", "unit", "self", "partner"})


def secure_url(url: str) -> bool:
    """https, or http to this machine (development and tests): where keys may be fetched from."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class TrustedIssuer:
    """Another authorization server whose access tokens the gateway accepts.

    `audience` is what its tokens must carry in `aud` (default: the gateway's own audience);
    `levels`, when set, are the only management levels its tokens may claim, so that a
    province's identity provider cannot mint central-level tokens.
    """

    issuer: str
    jwks_url: str
    audience: str | None = None
    algorithms: tuple[str, ...] = ("ES256", "Ed25519")
    levels: frozenset[str] | None = None


def _string_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        raise SettingsError(f"{where} must be a non-empty list of strings")
    return value


def parse_trusted_issuers(
    raw: str, name: str = "CBCCVC_TRUSTED_ISSUERS"
) -> tuple[TrustedIssuer, ...]:
    """The JSON list of `{issuer, jwks_url, audience?, algorithms?, levels?}` objects."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{name} is not valid JSON: {exc.msg}") from exc
    if not isinstance(data, list):
        raise SettingsError(f"{name} must be a JSON list of objects")
    issuers = []
    for index, item in enumerate(data):
        where = f"{name}[{index}]"
        if not isinstance(item, dict):
            raise SettingsError(f"{where} must be an object")
        unknown = set(item) - {"issuer", "jwks_url", "audience", "algorithms", "levels"}
        if unknown:
            raise SettingsError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
        issuer, jwks_url, audience = item.get("issuer"), item.get("jwks_url"), item.get("audience")
        if not isinstance(issuer, str) or not issuer:
            raise SettingsError(f"{where}.issuer must be a non-empty string")
        if not isinstance(jwks_url, str) or not secure_url(jwks_url):
            raise SettingsError(f"{where}.jwks_url must be an https URL (or http on loopback)")
        if audience is not None and (not isinstance(audience, str) or not audience):
            raise SettingsError(f"{where}.audience must be a non-empty string")
        algorithms = _string_list(
            item.get("algorithms", ["ES256", "Ed25519"]), f"{where}.algorithms"
        )
        if not set(algorithms) <= ASYMMETRIC_ALGORITHMS:
            allowed = ", ".join(sorted(ASYMMETRIC_ALGORITHMS))
            raise SettingsError(f"{where}.algorithms must be among {allowed}")
        levels = item.get("levels")
        if levels is not None and not set(_string_list(levels, f"{where}.levels")) <= TOKEN_LEVELS:
            raise SettingsError(f"{where}.levels must be among {', '.join(sorted(TOKEN_LEVELS))}")
        issuers.append(
            TrustedIssuer(
                issuer=issuer,
                jwks_url=jwks_url,
                audience=audience,
                algorithms=tuple(algorithms),
                levels=None if levels is None else frozenset(levels),
            )
        )
    return tuple(issuers)


def _key_encryption_key(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name) or None
    if raw is None:
        return None
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SettingsError(f"{name} must be 32 bytes in base64url") from exc
    if len(key) != 32:
        raise SettingsError(f"{name} must be 32 bytes in base64url, got {len(key)} bytes")
    return raw


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    """SQLAlchemy URL of the Ministry store; None starts the embedded PostgreSQL."""
    data_dir: Path = field(default_factory=lambda: Path(".cbccvc"))
    """Where the embedded PostgreSQL keeps its data."""
    host: str = "127.0.0.1"
    port: int = 8000
    max_page_size: int = 100
    """The largest `first`/`last` a connection accepts."""
    default_page_size: int = 20
    document_cache_size: int = 1000
    """How many parsed and validated GraphQL documents are kept per process."""
    graphiql: bool = True
    """Serve GraphiQL at GET /graphql to browsers."""
    pool_size: int = 10
    sources_config: Path | None = None
    """YAML list of agency sources (adapters/registry.py); None: no live sources."""
    sync_interval_s: float = 0.0
    """Seconds between scheduled syncs of every source inside `serve`; 0: no scheduler."""
    demo: bool = False
    """Demo mode: GraphiQL offers development identities with fresh tokens to anyone. Set only
    by `cbccvc demo`, deliberately not from the environment, so no deployment turns it on."""
    issuer: str | None = None
    """The authorization server's public base URL (`iss` of its tokens); default from host:port."""
    audience: str | None = None
    """What access tokens must carry in `aud`; default: the issuer's /graphql."""
    access_token_ttl: int = 600
    """Seconds an access token from our token endpoint lives."""
    clock_skew: int = 30
    """Seconds of clock difference tolerated on exp, nbf and iat."""
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    """Other authorization servers whose tokens are accepted, verified by their JWKS."""
    key_encryption_key: str | None = field(default=None, repr=False)
    """base64url of 32 bytes: seals the signing keys' private halves in the store (AES-256-GCM)."""
    jwks_cache_ttl: int = 600
    """Seconds a trusted issuer's JWKS is reused before it is fetched again."""
    key_refresh_interval: int = 60
    """Seconds between reloads of our signing keys from the store (changes also come by NOTIFY)."""
    token_cache_size: int = 10_000
    """Verified access tokens remembered until they expire: a repeat costs no signature check."""
    # -- operating under abuse (issue 8); documented in docs/configuration.md --
    production: bool = False
    """Production mode: no introspection, no "Did you mean" suggestions in errors."""
    max_depth: int = 10
    """Operation limits (gateway/limits.py): field nesting,"""
    max_aliases: int = 15
    max_root_fields: int = 10
    max_directives: int = 50
    max_tokens: int = 1000
    max_fields: int = 250
    """field selections with fragments expanded,"""
    max_cost: int = 10_000
    """and the estimated number of values resolved (lists multiply what is below them)."""
    max_batch_operations: int = 1
    max_body_bytes: int = 1 << 20
    list_multiplier: int = 10
    """What the cost assumes a list field without first/last returns."""
    request_deadline: float = 10.0
    """Seconds one request may take in all before it is answered 504."""
    redis_url: str | None = None
    """Redis for rate limits shared by replicas; None keeps them in the store (PostgreSQL)."""
    rate_limit_per_client: float = 0.0
    """Requests per second each OAuth client may sustain; 0 turns the limit off."""
    rate_limit_client_burst: int = 40
    rate_limit_per_address: float = 0.0
    """Requests per second each client address may sustain; 0 turns the limit off."""
    rate_limit_address_burst: int = 20
    persisted_query_cache_size: int = 1000
    """Persisted query texts kept in memory per process, in front of the store."""
    automatic_persisted_queries: bool = True
    """Register a new query sent with its sha256 (Apollo APQ); off: only `cbccvc queries add`."""
    log_format: str | None = None
    """"json" or "text"; None: json in production, text otherwise."""
    log_level: str = "INFO"
    otel_endpoint: str | None = None
    """OTLP/HTTP collector (OTEL_EXPORTER_OTLP_ENDPOINT); tracing is on only when set."""
    otel_service_name: str = "cbccvc-gateway"

    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.production else "text")

    def issuer_url(self) -> str:
        """`issuer`, or this process's address (localhost when it listens on every interface)."""
        if self.issuer:
            return self.issuer.rstrip("/")
        host = "localhost" if self.host in ("", "0.0.0.0", "::") else self.host  # noqa: S104
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def audience_value(self) -> str:
        return self.audience or f"{self.issuer_url()}/graphql"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        settings = cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("CBCCVC_DATA_DIR") or ".cbccvc"),
            host=env.get("CBCCVC_HOST") or "127.0.0.1",
            port=_int(env, "CBCCVC_PORT", 8000, minimum=0),
            max_page_size=_int(env, "CBCCVC_MAX_PAGE_SIZE", 100),
            default_page_size=_int(env, "CBCCVC_DEFAULT_PAGE_SIZE", 20),
            document_cache_size=_int(env, "CBCCVC_DOCUMENT_CACHE_SIZE", 1000),
            graphiql=_bool(env, "CBCCVC_GRAPHIQL", True),
            pool_size=_int(env, "CBCCVC_DB_POOL_SIZE", 10),
            sources_config=Path(env["CBCCVC_SOURCES"]) if env.get("CBCCVC_SOURCES") else None,
            sync_interval_s=_float(env, "CBCCVC_SYNC_INTERVAL_S", 0.0),
            issuer=env.get("CBCCVC_ISSUER") or None,
            audience=env.get("CBCCVC_AUDIENCE") or None,
            access_token_ttl=_int(env, "CBCCVC_ACCESS_TOKEN_TTL", 600, minimum=30),
            clock_skew=_int(env, "CBCCVC_CLOCK_SKEW", 30, minimum=0),
            trusted_issuers=parse_trusted_issuers(env.get("CBCCVC_TRUSTED_ISSUERS") or "[]"),
            key_encryption_key=_key_encryption_key(env, "CBCCVC_KEY_ENCRYPTION_KEY"),
            jwks_cache_ttl=_int(env, "CBCCVC_JWKS_CACHE_TTL", 600),
            key_refresh_interval=_int(env, "CBCCVC_KEY_REFRESH_INTERVAL", 60),
            token_cache_size=_int(env, "CBCCVC_TOKEN_CACHE_SIZE", 10_000, minimum=0),
            production=_bool(env, "CBCCVC_PRODUCTION", False),
            max_depth=_int(env, "CBCCVC_MAX_DEPTH", 10),
            max_aliases=_int(env, "CBCCVC_MAX_ALIASES", 15, minimum=0),
            max_root_fields=_int(env, "CBCCVC_MAX_ROOT_FIELDS", 10),
            max_directives=_int(env, "CBCCVC_MAX_DIRECTIVES", 50, minimum=0),
            max_tokens=_int(env, "CBCCVC_MAX_TOKENS", 1000),
            max_fields=_int(env, "CBCCVC_MAX_FIELDS", 250),
            max_cost=_int(env, "CBCCVC_MAX_COST", 10_000),
            max_batch_operations=_int(env, "CBCCVC_MAX_BATCH_OPERATIONS", 1),
            max_body_bytes=_int(env, "CBCCVC_MAX_BODY_BYTES", 1 << 20, minimum=1024),
            list_multiplier=_int(env, "CBCCVC_LIST_MULTIPLIER", 10),
            request_deadline=_float(env, "CBCCVC_REQUEST_DEADLINE", 10.0, minimum=0.1),
            redis_url=env.get("CBCCVC_REDIS_URL") or None,
            rate_limit_per_client=_float(env, "CBCCVC_RATE_LIMIT_PER_CLIENT", 0.0),
            rate_limit_client_burst=_int(env, "CBCCVC_RATE_LIMIT_CLIENT_BURST", 40),
            rate_limit_per_address=_float(env, "CBCCVC_RATE_LIMIT_PER_ADDRESS", 0.0),
            rate_limit_address_burst=_int(env, "CBCCVC_RATE_LIMIT_ADDRESS_BURST", 20),
            persisted_query_cache_size=_int(env, "CBCCVC_PERSISTED_QUERY_CACHE_SIZE", 1000),
            automatic_persisted_queries=_bool(env, "CBCCVC_AUTOMATIC_PERSISTED_QUERIES", True),
            log_format=env.get("CBCCVC_LOG_FORMAT") or None,
            log_level=(env.get("CBCCVC_LOG_LEVEL") or "INFO").upper(),
            otel_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
            otel_service_name=env.get("OTEL_SERVICE_NAME") or "cbccvc-gateway",
        )
        if settings.default_page_size > settings.max_page_size:
            raise SettingsError(
                "CBCCVC_DEFAULT_PAGE_SIZE must not exceed CBCCVC_MAX_PAGE_SIZE "
                f"({settings.default_page_size} > {settings.max_page_size})"
            )
        if settings.issuer is not None and not secure_url(settings.issuer):
            raise SettingsError("CBCCVC_ISSUER must be an https URL (or http on loopback)")
        if settings.log_format not in (None, "json", "text"):
            raise SettingsError(
                f"CBCCVC_LOG_FORMAT must be json or text, got {settings.log_format!r}"
            )
        if settings.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError(
                f"CBCCVC_LOG_LEVEL must be a logging level, got {settings.log_level!r}"
            )
        if settings.redis_url is not None and urlsplit(settings.redis_url).scheme not in (
            "redis",
            "rediss",
            "unix",
        ):
            raise SettingsError("CBCCVC_REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return settings
