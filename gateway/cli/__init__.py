"""The `cbccvc` command: the demo, the gateway, its store, its sources and its keys.

One module per command, each with `add_command(commands)`; gateway/cli/common.py holds what
they share. `--verbose` (before or after the command) shows the libraries' INFO lines too.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from gateway.cli import (
    agency_keys,
    audit,
    clients,
    declarations,
    demo,
    exchange,
    keys,
    migrate,
    queries,
    seed,
    serve,
    sync,
    token,
)
from gateway.cli.common import configure_output, is_verbose, load_command_settings
from gateway.settings import SettingsError

COMMANDS = (
    demo, serve, seed, migrate, audit, clients, token, keys, agency_keys, exchange, sync, queries,
    declarations,
)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """Every parser of the tree accepts --verbose, so it may follow the command too.

    Below the root its default is SUPPRESS: a subcommand's parser would otherwise reset the
    root's value to False.
    """

    def __init__(self, *args: Any, verbose_default: Any = argparse.SUPPRESS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=verbose_default,
            help="show the libraries' INFO lines too (alembic, pgserver, uvicorn, httpx)",
        )


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="cbccvc", description=__doc__.splitlines()[0], verbose_default=False)
    # subparsers are made by the parent's class, so they take --verbose as well
    commands = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_command(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); pgserver does not need it
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    args = parser().parse_args(argv)
    try:
        settings = load_command_settings(args)
    except SettingsError as error:
        print(f"cbccvc: {error}", file=sys.stderr)
        return 2
    configure_output(settings, verbose=is_verbose(args))
    try:
        return int(args.run(args, settings))
    except KeyboardInterrupt:
        return 130
