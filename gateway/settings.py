"""Settings of one gateway process, read once from the environment: the only place that reads it.

`Settings` is the one table of every setting: each field names its environment variable, its
parser (which holds its bounds), its default and what it means, once. `Settings.from_env`,
the TOML file (gateway/config_file.py, whose keys are the field names) and the test that
docs/configuration.md documents every setting all read this table. Every default works on a
developer's machine; production overrides them (docs/configuration.md).

Each layer below the gateway receives what it uses from the wiring (gateway/app.py), never
Settings itself; `source_variables` is the environment as read here, for the `${NAME}`s of the
sources file (adapters/registry.py).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from policies.types import TOKEN_LEVELS


class SettingsError(ValueError):
    """A setting has a value the gateway cannot use; the message names it."""


Parse = Callable[[str, str], Any]
"""(the variable's text, the variable's name) -> the value; SettingsError naming it if wrong."""


def text(raw: str, name: str) -> str:
    return raw


def path(raw: str, name: str) -> Path:
    return Path(raw)


def boolean(raw: str, name: str) -> bool:
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def integer(minimum: int = 1) -> Parse:
    def parse(raw: str, name: str) -> int:
        try:
            value = int(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum}, got {value}")
        return value

    return parse


def number(minimum: float = 0.0) -> Parse:
    def parse(raw: str, name: str) -> float:
        try:
            value = float(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
        if not value >= minimum:  # also refuses nan
            raise SettingsError(f"{name} must be at least {minimum:g}, got {raw}")
        return value

    return parse


def one_of(*choices: str, upper: bool = False) -> Parse:
    def parse(raw: str, name: str) -> str:
        value = raw.upper() if upper else raw
        if value not in choices:
            raise SettingsError(f"{name} must be {' or '.join(choices)}, got {value!r}")
        return value

    return parse


ASYMMETRIC_ALGORITHMS = frozenset({"ES256", "ES384", "EdDSA", "Ed25519", "PS256", "RS256"})
"""JWS algorithms an access token may be signed with. Never `none`, never HMAC: a verifier that
accepted HS256 could be fooled into using a public key as the shared secret."""


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
    `levels` are the only management levels its tokens may claim, and `organizations` the
    organisation codes under whose subtrees every organisation its tokens name must lie, so
    that a province's identity provider cannot mint tokens for the root, a ministry or another
    province. Both are required in the settings (docs/auth.md).
    """

    issuer: str
    jwks_url: str
    audience: str | None = None
    algorithms: tuple[str, ...] = ("ES256", "Ed25519")
    levels: frozenset[str] | None = None
    organizations: frozenset[str] | None = None


def _string_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        raise SettingsError(f"{where} must be a non-empty list of strings")
    return value


def parse_trusted_issuers(
    raw: str, name: str = "CBCCVC_TRUSTED_ISSUERS"
) -> tuple[TrustedIssuer, ...]:
    """The JSON list of `{issuer, jwks_url, levels, organizations, audience?, algorithms?}`."""
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
        unknown = set(item) - {
            "issuer", "jwks_url", "audience", "algorithms", "levels", "organizations"
        }  # fmt: skip
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
        # deny what no setting grants: an issuer says which levels and subtrees it speaks for
        levels = _string_list(item.get("levels"), f"{where}.levels")
        if not set(levels) <= TOKEN_LEVELS:
            raise SettingsError(f"{where}.levels must be among {', '.join(sorted(TOKEN_LEVELS))}")
        organizations = _string_list(item.get("organizations"), f"{where}.organizations")
        issuers.append(
            TrustedIssuer(
                issuer=issuer,
                jwks_url=jwks_url,
                audience=audience,
                algorithms=tuple(algorithms),
                levels=frozenset(levels),
                organizations=frozenset(organizations),
            )
        )
    return tuple(issuers)


def key_encryption_key(raw: str, name: str) -> str:
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SettingsError(f"{name} must be 32 bytes in base64url") from exc
    if len(key) != 32:
        raise SettingsError(f"{name} must be 32 bytes in base64url, got {len(key)} bytes")
    return raw


def secure_issuer(raw: str, name: str) -> str:
    if not secure_url(raw):
        raise SettingsError(f"{name} must be an https URL (or http on loopback)")
    return raw


def redis_url(raw: str, name: str) -> str:
    if urlsplit(raw).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(f"{name} must be a redis://, rediss:// or unix:// URL")
    return raw


@dataclass(frozen=True)
class Variable:
    """Where a setting comes from: one row of the table (the field gives name and default)."""

    name: str
    parse: Parse
    description: str


_VARIABLE = "variable"


def setting(
    variable: str, default: Any, parse: Parse, description: str, *, secret: bool = False
) -> Any:
    """A field of Settings read from `variable`; a secret never shows in the repr."""
    return field(
        default=default,
        repr=not secret,
        metadata={_VARIABLE: Variable(variable, parse, description)},
    )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    # -- store and process --
    database_url: str | None = setting(
        "DATABASE_URL",
        None,
        text,
        "SQLAlchemy URL of the Ministry store; unset starts the embedded PostgreSQL",
        secret=True,
    )
    data_dir: Path = setting(
        "CBCCVC_DATA_DIR", Path(".cbccvc"), path, "where the embedded PostgreSQL keeps its data"
    )
    host: str = setting("CBCCVC_HOST", "127.0.0.1", text, "where `serve` listens")
    port: int = setting("CBCCVC_PORT", 8000, integer(minimum=0), "the port `serve` listens on")
    pool_size: int = setting("CBCCVC_DB_POOL_SIZE", 10, integer(), "store connections per process")
    sources_config: Path | None = setting(
        "CBCCVC_SOURCES",
        None,
        path,
        "YAML list of agency sources (adapters/registry.py); unset: no live sources",
    )
    sync_interval_s: float = setting(
        "CBCCVC_SYNC_INTERVAL_S",
        0.0,
        number(),
        "seconds between scheduled syncs of every source inside `serve`; 0: no scheduler",
    )
    production: bool = setting(
        "CBCCVC_PRODUCTION",
        False,
        boolean,
        'production mode: no introspection, no "Did you mean" suggestions in errors',
    )
    demo: bool = False
    """Demo mode: GraphiQL offers development identities with fresh tokens to anyone. Set only
    by `cbccvc demo`, deliberately not from the environment, so no deployment turns it on."""
    # -- GraphQL --
    max_page_size: int = setting(
        "CBCCVC_MAX_PAGE_SIZE", 100, integer(), "the largest `first`/`last` a connection accepts"
    )
    default_page_size: int = setting(
        "CBCCVC_DEFAULT_PAGE_SIZE",
        20,
        integer(),
        "page size when neither `first` nor `last` is given",
    )
    document_cache_size: int = setting(
        "CBCCVC_DOCUMENT_CACHE_SIZE",
        1000,
        integer(),
        "parsed and validated GraphQL documents kept per process",
    )
    graphiql: bool | None = setting(
        "CBCCVC_GRAPHIQL",
        None,
        boolean,
        "serve GraphiQL at GET /graphql to browsers; unset: off in production, on otherwise",
    )
    statistics_min_count: int = setting(
        "CBCCVC_STATISTICS_MIN_COUNT",
        5,
        integer(),
        "statistics cells below this count are suppressed for callers who see aggregates only",
    )
    compiled_reads: bool = setting(
        "CBCCVC_COMPILED_READS",
        True,
        boolean,
        "answer store-backed root fields (persons, person, node, organization, organizations) "
        "with one compiled SQL statement each, live fields merged in; off: every field through "
        "the resolvers",
    )
    # -- operation limits (gateway/limits.py) --
    max_depth: int = setting("CBCCVC_MAX_DEPTH", 10, integer(), "nesting of fields")
    max_aliases: int = setting(
        "CBCCVC_MAX_ALIASES", 15, integer(minimum=0), "aliased fields in the operation"
    )
    max_root_fields: int = setting(
        "CBCCVC_MAX_ROOT_FIELDS", 10, integer(), "fields at the root of the operation"
    )
    max_directives: int = setting(
        "CBCCVC_MAX_DIRECTIVES", 50, integer(minimum=0), "directives in the operation"
    )
    max_tokens: int = setting(
        "CBCCVC_MAX_TOKENS", 1000, integer(), "lexical tokens of the whole document"
    )
    max_fields: int = setting(
        "CBCCVC_MAX_FIELDS", 250, integer(), "field selections with fragments expanded"
    )
    max_cost: int = setting(
        "CBCCVC_MAX_COST",
        10_000,
        integer(),
        "the estimated number of values resolved (lists multiply what is below them)",
    )
    max_batch_operations: int = setting(
        "CBCCVC_MAX_BATCH_OPERATIONS", 1, integer(), "operations in one request"
    )
    max_body_bytes: int = setting(
        "CBCCVC_MAX_BODY_BYTES", 1 << 20, integer(minimum=1024), "request body size"
    )
    list_multiplier: int = setting(
        "CBCCVC_LIST_MULTIPLIER",
        10,
        integer(),
        "what the cost assumes a list field without first/last returns",
    )
    request_deadline: float = setting(
        "CBCCVC_REQUEST_DEADLINE",
        10.0,
        number(minimum=0.1),
        "seconds one request may take in all before it is answered 504",
    )
    # -- persisted queries --
    automatic_persisted_queries: bool = setting(
        "CBCCVC_AUTOMATIC_PERSISTED_QUERIES",
        True,
        boolean,
        "register a new query sent with its sha256 (Apollo APQ); off: only `cbccvc queries add`",
    )
    persisted_query_cache_size: int = setting(
        "CBCCVC_PERSISTED_QUERY_CACHE_SIZE",
        1000,
        integer(),
        "persisted query texts kept in memory per process, in front of the store",
    )
    # -- rate limits --
    redis_url: str | None = setting(
        "CBCCVC_REDIS_URL",
        None,
        redis_url,
        "Redis for rate limits shared by replicas; unset keeps them in the store",
        secret=True,
    )
    rate_limit_per_client: float = setting(
        "CBCCVC_RATE_LIMIT_PER_CLIENT",
        0.0,
        number(),
        "requests per second each OAuth client may sustain; 0 turns the limit off",
    )
    rate_limit_client_burst: int = setting(
        "CBCCVC_RATE_LIMIT_CLIENT_BURST", 40, integer(), "requests a client may send at once"
    )
    rate_limit_per_address: float = setting(
        "CBCCVC_RATE_LIMIT_PER_ADDRESS",
        0.0,
        number(),
        "requests per second each client address may sustain; 0 turns the limit off",
    )
    rate_limit_address_burst: int = setting(
        "CBCCVC_RATE_LIMIT_ADDRESS_BURST", 20, integer(), "requests an address may send at once"
    )
    # -- observability --
    log_format: str | None = setting(
        "CBCCVC_LOG_FORMAT",
        None,
        one_of("json", "text"),
        '"json" or "text"; unset: json in production, text otherwise',
    )
    log_level: str = setting(
        "CBCCVC_LOG_LEVEL", "INFO", one_of(*LOG_LEVELS, upper=True), "the logging level"
    )
    otel_endpoint: str | None = setting(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        None,
        text,
        "OTLP/HTTP collector; tracing is on only when set",
    )
    otel_service_name: str = setting(
        "OTEL_SERVICE_NAME", "cbccvc-gateway", text, "`service.name` of the spans"
    )
    # -- authorization server and tokens --
    issuer: str | None = setting(
        "CBCCVC_ISSUER",
        None,
        secure_issuer,
        "the authorization server's public base URL (`iss` of its tokens); default from host:port",
    )
    audience: str | None = setting(
        "CBCCVC_AUDIENCE",
        None,
        text,
        "what access tokens must carry in `aud`; default: the issuer's /graphql",
    )
    access_token_ttl: int = setting(
        "CBCCVC_ACCESS_TOKEN_TTL",
        600,
        integer(minimum=30),
        "seconds an access token from our token endpoint lives",
    )
    clock_skew: int = setting(
        "CBCCVC_CLOCK_SKEW",
        30,
        integer(minimum=0),
        "seconds of clock difference tolerated on exp, nbf and iat",
    )
    trusted_issuers: tuple[TrustedIssuer, ...] = setting(
        "CBCCVC_TRUSTED_ISSUERS",
        (),
        parse_trusted_issuers,
        "other authorization servers whose tokens are accepted, verified by their JWKS",
    )
    key_encryption_key: str | None = setting(
        "CBCCVC_KEY_ENCRYPTION_KEY",
        None,
        key_encryption_key,
        "base64url of 32 bytes: seals the private halves of the signing keys (AES-256-GCM)",
        secret=True,
    )
    jwks_cache_ttl: int = setting(
        "CBCCVC_JWKS_CACHE_TTL",
        600,
        integer(),
        "seconds a trusted issuer's JWKS is reused before it is fetched again",
    )
    key_refresh_interval: int = setting(
        "CBCCVC_KEY_REFRESH_INTERVAL",
        60,
        integer(),
        "seconds between reloads of our signing keys from the store",
    )
    token_cache_size: int = setting(
        "CBCCVC_TOKEN_CACHE_SIZE",
        10_000,
        integer(minimum=0),
        "verified access tokens remembered until they expire",
    )
    # -- the exchange --
    exchange_keys: Path = setting(
        "CBCCVC_EXCHANGE_KEYS",
        Path("exchange-keys"),
        path,
        "the folder of the exchange's key files (`cbccvc agency-keys`, `--dir` overrides it)",
    )
    source_variables: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The environment as read at start-up: what `${NAME}` in the sources file expands to."""

    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.production else "text")

    @property
    def serves_graphiql(self) -> bool:
        """GraphiQL only where someone asked for it: a production gateway serves it only when
        CBCCVC_GRAPHIQL says so explicitly, since the page invites exploring the schema."""
        return self.graphiql if self.graphiql is not None else not self.production

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
        """Every variable of the table that is set (an empty one counts as unset), validated."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, variable in variables().items():
            raw = env.get(variable.name)
            if raw:
                values[name] = variable.parse(raw, variable.name)
        settings = cls(**values, source_variables=dict(env))
        if settings.default_page_size > settings.max_page_size:
            raise SettingsError(
                "CBCCVC_DEFAULT_PAGE_SIZE must not exceed CBCCVC_MAX_PAGE_SIZE "
                f"({settings.default_page_size} > {settings.max_page_size})"
            )
        return settings


def variables() -> dict[str, Variable]:
    """The table: each setting read from the environment, by field name, in field order."""
    return {f.name: f.metadata[_VARIABLE] for f in fields(Settings) if _VARIABLE in f.metadata}
