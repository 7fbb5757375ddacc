"""What every `cbccvc` command shares: its settings, its logging, its store, its errors.

Each command is a module of this package; they import this module, and it imports none of them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeAlias, TypeVar

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli.demo_state import beside_running_demo
from gateway.config_file import load_settings
from gateway.logging_setup import configure_logging
from gateway.settings import Settings

log = logging.getLogger("cbccvc")
EMBEDDED_DATABASE = "cbccvc"

# Libraries that narrate routine work at INFO: alembic each plugin and each migration, pgserver
# each start and stop, httpx every request it makes (JWKS, the exchange check; the sources call
# through aiohttp, which says nothing), uvicorn its start-up. A newcomer reads the command's own
# lines; --verbose shows theirs too.
CHATTY_LIBRARIES = ("alembic", "httpcore", "httpx", "pgserver", "uvicorn")

T = TypeVar("T")
Command: TypeAlias = Callable[[argparse.Namespace, Settings], int]
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CommandError(Exception):
    """What the operator did wrong, said in one line."""


def load_command_settings(args: argparse.Namespace) -> Settings:
    """The environment over the CBCCVC_CONFIG file, and, where they name no store or sources,
    the demo running in this directory (said on stderr). Raises SettingsError."""
    settings = load_settings()
    if not getattr(args, "beside_demo", True):
        return settings
    found, demo = beside_running_demo(settings)
    if demo is not None:
        what = "store" if found.sources_config == settings.sources_config else "store and sources"
        print(
            f"cbccvc: using the {what} of the demo running here "
            f"(pid {demo.pid}, {demo.graphiql_url})",
            file=sys.stderr,
        )
    return found


def is_verbose(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "verbose", False))


def configure_output(settings: Settings, *, verbose: bool) -> None:
    level = settings.log_level
    if verbose and logging.getLevelName(level) > logging.INFO:
        level = "INFO"
    configure_logging(settings.effective_log_format(), level)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)


def guarded(command: Command, *errors: type[Exception]) -> Command:
    """Errors the operator can fix are one line on stderr and exit status 1, not a traceback."""
    caught: tuple[type[Exception], ...] = (CommandError, *errors)

    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return command(args, settings)
        except caught as error:
            print(f"cbccvc {args.command}: {error}", file=sys.stderr)
            return 1

    return run


@contextmanager
def store_url(settings: Settings) -> Iterator[URL]:
    """The Ministry store's URL: DATABASE_URL, or a database in an embedded PostgreSQL.

    The embedded server keeps its data under settings.data_dir and stops when the block ends.
    """
    from sqlalchemy.engine import make_url

    from store.database import ensure_database, start_embedded

    if settings.database_url is not None:
        yield make_url(settings.database_url)
        return
    server_url, server = start_embedded(settings.data_dir / "pgdata", cleanup="stop")
    try:
        yield asyncio.run(ensure_database(server_url, EMBEDDED_DATABASE))
    finally:
        server.cleanup()


async def prepare_store(url: URL) -> None:
    """Upgrade the schema to the newest migration and load the code lists, saying which."""
    from store import prepare

    rewritten = await prepare.prepare_store(url)
    if rewritten:
        log.info("code lists loaded: %s", ", ".join(rewritten))


def with_store(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """`work` on an engine of the prepared store."""
    from store.database import create_engine

    async def run(url: URL) -> T:
        engine = create_engine(url, pool_size=1)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        return asyncio.run(run(url))


def key_encryption_key(settings: Settings) -> bytes | None:
    """The key-encryption key that seals private keys at rest, if one is set."""
    from keymaterial.sealing import decode_kek

    return decode_kek(settings.key_encryption_key) if settings.key_encryption_key else None


def serve_gateway(settings: Settings, url: URL, *, verbose: bool) -> None:
    import uvicorn

    from gateway.app import create_app

    app = create_app(settings, url)
    print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql", flush=True)
    # log_config=None: uvicorn keeps the handlers configure_logging installed (JSON or text).
    # Its start-up lines are library narration, shown with --verbose; the level is passed
    # explicitly because the sandbox's own uvicorn servers (the demo's) set it to WARNING.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=logging.getLogger().level if verbose else logging.WARNING,
        access_log=False,
        log_config=None,
        # h11 even where httptools is installed: httptools answers a request it cannot parse
        # (an unknown method) with a bare text 400, h11 lets the gateway say why (405, GraphQL)
        http="h11",
    )
