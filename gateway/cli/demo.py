"""`cbccvc demo`: an embedded PostgreSQL filled by syncing the sandbox agencies, then the gateway.

While it serves, other `cbccvc` commands run in the same directory find its store and sources
(gateway/cli/demo_state.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import replace

from gateway.cli.common import (
    Subcommands,
    is_verbose,
    prepare_store,
    serve_gateway,
    store_url,
)
from gateway.cli.demo_state import DemoState, announced
from gateway.settings import Settings


def command_demo(args: argparse.Namespace, settings: Settings) -> int:
    from sandbox.agencies import close_blocking
    from sandbox.fill_by_sync import fill_store_from_sandbox_blocking

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
            unconnected=True,  # the scorecard's never-connected agency (docs/analytics.md)
        )
        synced = sum(r.counts.inserted + r.counts.updated for r in results)
        rejected = sum(r.counts.rejected for r in results)
        print(
            f"{len(sandbox.sources)} sources ready in {sandbox.seconds:.1f} s; synced {synced:,} "
            f"records, rejected {rejected:,} (see `cbccvc sync --report`)"
        )
        state = DemoState(
            store_url=url.render_as_string(hide_password=False),
            sources_config=sandbox.sources_config_path,
            graphiql_url=f"http://{settings.host}:{settings.port}/graphql",
            pid=os.getpid(),
        )
        try:
            with announced(settings.data_dir, state) as state_file:
                print(
                    f"While it runs, cbccvc commands in this directory use its store and "
                    f"sources ({state_file}); Ctrl-C stops it"
                )
                serve_gateway(
                    replace(settings, sources_config=sandbox.sources_config_path),
                    url,
                    verbose=is_verbose(args),
                )
        finally:
            close_blocking(sandbox)
    return 0


def add_command(commands: Subcommands) -> None:
    demo = commands.add_parser("demo", help="embedded PostgreSQL, synthetic data, GraphiQL")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--people", type=int, default=20_000, help="people seeded on first start")
    demo.add_argument("--seed", type=int, default=2026)
    # the demo makes its own store and sources: it does not look for another demo's
    demo.set_defaults(run=command_demo, beside_demo=False)
