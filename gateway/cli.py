"""The `cbccvc` command: demo, serve, seed, migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import URL

from gateway.config_file import load_settings
from gateway.logging_setup import configure_logging
from gateway.settings import Settings, SettingsError

log = logging.getLogger("cbccvc")
EMBEDDED_DATABASE = "cbccvc"


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
    """Upgrade the schema to the newest migration and load the code lists."""
    from store.database import create_engine
    from store.migrate import upgrade
    from store.reference_data import load_code_lists

    engine = create_engine(url, pool_size=1)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            rewritten = await load_code_lists(conn)
        if rewritten:
            log.info("code lists loaded: %s", ", ".join(rewritten))
    finally:
        await engine.dispose()


async def people_count(url: URL) -> int:
    from sqlalchemy import text

    from store.database import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM person"))).scalar_one())
    finally:
        await engine.dispose()


def serve(settings: Settings, url: URL) -> None:
    import uvicorn

    from gateway.app import create_app

    app = create_app(settings, url)
    print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql", flush=True)
    # log_config=None: uvicorn keeps the handlers configure_logging installed (JSON or text)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,
    )


def _seed(url: URL, people: int, seed: int, *, replace_existing: bool) -> Any:
    from sandbox.seed import seed_store

    return asyncio.run(
        seed_store(
            url.render_as_string(hide_password=False), people, seed, replace=replace_existing
        )
    )


def command_demo(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox.agencies import close_blocking
    from sync.demo import fill_store_from_sandbox_blocking

    settings = replace(settings, port=args.port, demo=True)
    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        # The agencies' databases are built from a separate "national truth" (seeded once);
        # the store is filled by syncing them, as the national platform is.
        print(
            f"Seeding the national truth ({args.people:,} people, seed {args.seed}) on first "
            "start, starting the sandbox agencies and syncing them into the store"
        )
        sandbox, results = fill_store_from_sandbox_blocking(
            url.render_as_string(hide_password=False),
            url.set(database="postgres").render_as_string(hide_password=False),
            settings.data_dir / "sandbox",
            people=args.people,
            seed=args.seed,
        )
        synced = sum(r.counts.inserted + r.counts.updated for r in results)
        rejected = sum(r.counts.rejected for r in results)
        print(
            f"{len(sandbox.sources)} sources ready in {sandbox.seconds:.1f} s; synced {synced:,} "
            f"records, rejected {rejected:,} (see `cbccvc sync --report`)"
        )
        try:
            serve(replace(settings, sources_config=sandbox.sources_config_path), url)
        finally:
            close_blocking(sandbox)
    return 0


def command_serve(args: argparse.Namespace, settings: Settings) -> int:
    settings = replace(settings, port=args.port or settings.port, host=args.host or settings.host)
    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        serve(settings, url)
    return 0


def command_seed(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox.seed import SeedError

    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        try:
            report = _seed(url, args.people, args.seed, replace_existing=args.replace)
        except SeedError as error:
            print(f"cbccvc seed: {error}", file=sys.stderr)
            return 1
        print(report)
    return 0


def command_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from store.database import create_engine
    from store.migrate import downgrade, revisions_of, upgrade

    async def run(url: URL) -> str:
        engine = create_engine(url, pool_size=1)
        try:
            if args.action == "upgrade":
                await upgrade(engine, args.revision or "heads")
            elif args.action == "downgrade":
                await downgrade(engine, args.revision or "base")
            return ", ".join(sorted(await revisions_of(engine))) or "none"
        finally:
            await engine.dispose()

    with store_url(settings) as url:
        print(f"store schema at revision: {asyncio.run(run(url))}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cbccvc", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="embedded PostgreSQL, synthetic data, GraphiQL")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--people", type=int, default=20_000, help="people seeded on first start")
    demo.add_argument("--seed", type=int, default=2026)
    demo.set_defaults(run=command_demo)

    serve_ = commands.add_parser("serve", help="upgrade the store's schema and serve the gateway")
    serve_.add_argument("--port", type=int)
    serve_.add_argument("--host")
    serve_.set_defaults(run=command_serve)

    seed = commands.add_parser("seed", help="fill the store with synthetic national data")
    seed.add_argument("--people", type=int, default=20_000)
    seed.add_argument("--seed", type=int, default=2026)
    seed.add_argument("--replace", action="store_true", help="replace people already there")
    seed.set_defaults(run=command_seed)

    migrate = commands.add_parser("migrate", help="move the store's schema between revisions")
    migrate.add_argument("action", choices=["upgrade", "downgrade", "current"])
    migrate.add_argument("revision", nargs="?")
    migrate.set_defaults(run=command_migrate)

    from gateway.cli_audit import add_audit_command
    from gateway.cli_auth import add_auth_commands
    from gateway.cli_exchange import add_agency_keys_command, add_exchange_command
    from gateway.cli_queries import add_queries_command
    from gateway.cli_sync import add_sync_command

    add_audit_command(commands)
    add_auth_commands(commands)
    add_agency_keys_command(commands)
    add_exchange_command(commands)
    add_sync_command(commands)
    add_queries_command(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    # pgserver narrates every start and stop at INFO; its warnings still show
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # httpx logs every request to a source at INFO: the sources query shows their health
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); pgserver does not need it
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    args = parser().parse_args(argv)
    try:
        settings = load_settings()  # the environment over the CBCCVC_CONFIG file
    except SettingsError as error:
        print(f"cbccvc: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.effective_log_format(), settings.log_level)
    try:
        return int(args.run(args, settings))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
