"""`cbccvc migrate upgrade|downgrade|current [REV]`: move the store's schema between revisions."""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy.engine import URL

from gateway.cli.common import Subcommands, store_url
from gateway.settings import Settings


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


def add_command(commands: Subcommands) -> None:
    migrate = commands.add_parser("migrate", help="move the store's schema between revisions")
    migrate.add_argument("action", choices=["upgrade", "downgrade", "current"])
    migrate.add_argument("revision", nargs="?")
    migrate.set_defaults(run=command_migrate)
