"""`cbccvc seed`: fill the store with synthetic national data (sandbox/seed.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy.engine import URL

from gateway.cli.common import Subcommands, prepare_store, store_url
from gateway.settings import Settings


def _seed(url: URL, people: int, seed: int, *, replace_existing: bool) -> Any:
    from sandbox.seed import seed_store

    return asyncio.run(
        seed_store(
            url.render_as_string(hide_password=False), people, seed, replace=replace_existing
        )
    )


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


def add_command(commands: Subcommands) -> None:
    seed = commands.add_parser("seed", help="fill the store with synthetic national data")
    seed.add_argument("--people", type=int, default=20_000)
    seed.add_argument("--seed", type=int, default=2026)
    seed.add_argument("--replace", action="store_true", help="replace people already there")
    seed.set_defaults(run=command_seed)
