"""Settings of one gateway process, read once from the environment.

Every setting has a default that works on a developer's machine; production overrides them with
environment variables (documented in README.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


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
        )
        if settings.default_page_size > settings.max_page_size:
            raise SettingsError(
                "CBCCVC_DEFAULT_PAGE_SIZE must not exceed CBCCVC_MAX_PAGE_SIZE "
                f"({settings.default_page_size} > {settings.max_page_size})"
            )
        return settings
