"""`cbccvc serve`: upgrade the store's schema, load the code lists, serve the gateway."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace

from gateway.cli.common import Subcommands, is_verbose, prepare_store, serve_gateway, store_url
from gateway.settings import Settings


def command_serve(args: argparse.Namespace, settings: Settings) -> int:
    settings = replace(settings, port=args.port or settings.port, host=args.host or settings.host)
    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        serve_gateway(settings, url, verbose=is_verbose(args))
    return 0


def add_command(commands: Subcommands) -> None:
    serve = commands.add_parser("serve", help="upgrade the store's schema and serve the gateway")
    serve.add_argument("--port", type=int)
    serve.add_argument("--host")
    serve.set_defaults(run=command_serve)
