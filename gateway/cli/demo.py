"""`cbccvc demo`: an embedded PostgreSQL filled by syncing the sandbox agencies, then the gateway.

While it serves, other `cbccvc` commands run in the same directory find its store and sources
(gateway/cli/demo_state.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import replace
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from gateway.cli.common import (
    CommandError,
    Subcommands,
    guarded,
    is_verbose,
    prepare_store,
    serve_gateway,
    store_url,
)
from gateway.cli.demo_state import DemoState, announced, running_demo
from gateway.settings import Settings
from store.database import sync_free_dsn

SANDBOX_NAME = "cbccvc_sandbox"  # sandbox/agencies.py's default prefix: the demo's databases


def command_demo(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.cli.declarations import start_follow_up
    from sandbox.agencies import close_blocking
    from sandbox.declarations import start_auto_approver
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
        connector = sandbox.services["connector"]
        keys = connector.keys.agencies if connector.keys is not None else {}
        approved = asyncio.run(_approve_month(url.render_as_string(hide_password=False),
                                              connector.dsn, keys))  # fmt: skip
        print(
            f"{approved} connector agencies approved this month's data (Person.provenance."
            f"approval); persons' declarations are approved {args.approve_after:g} s after "
            "they arrive (`cbccvc agency-clerk` decides by hand)"
        )
        stop_clerk = start_auto_approver(connector.dsn, keys, delay_s=args.approve_after)
        live = replace(settings, sources_config=sandbox.sources_config_path)
        stop_follow_up = start_follow_up(live, url.render_as_string(hide_password=False))
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
            stop_follow_up()
            stop_clerk()
            close_blocking(sandbox)
    return 0


async def _approve_month(store: str, connector_dsn: str, keys: Any) -> int:
    from sandbox.monthly_approval import approve_month
    from store.database import create_engine

    engine = create_engine(store, pool_size=1)
    try:
        return await approve_month(connector_dsn, keys, engine)
    finally:
        await engine.dispose()


def command_clerk(args: argparse.Namespace, settings: Settings) -> int:
    """The sandbox agency's clerk, by hand: approve or reject a declaration beside a running
    demo (its connector database and the agencies' keys are the demo's)."""
    from exchange.provision import KeyFolder
    from sandbox.declarations import NotPending, decide, pending

    demo = running_demo(settings.data_dir)
    if demo is None:
        raise CommandError("no demo is running in this directory")
    server = make_url(demo.store_url).set(database=f"{SANDBOX_NAME}_connector")
    dsn = sync_free_dsn(server)
    folder = KeyFolder(settings.data_dir / "sandbox" / "exchange-keys")

    async def run() -> int:
        conn = await asyncpg.connect(dsn)
        try:
            if args.action == "pending":
                for row in await pending(conn):
                    print(f"{row['declaration_id']}  {row['agency_code']}  {row['received_at']}")
                return 0
            waiting = {r["declaration_id"]: r["agency_code"] for r in await pending(conn)}
            code = waiting.get(args.declaration)
            if code is None:
                raise CommandError(f"no declaration {args.declaration!r} waits for a decision")
            try:
                done = await decide(
                    conn, {code: folder.read(code)}, args.declaration,
                    approve=args.action == "approve", reason=args.reason,
                )  # fmt: skip
            except (NotPending, ValueError) as error:
                raise CommandError(str(error)) from error
            applied = f" in version {done.applied_version}" if done.applied_version else ""
            print(f"{done.declaration_id}: {done.status.value}{applied}")
            return 0
        finally:
            await conn.close()

    return asyncio.run(run())


def add_command(commands: Subcommands) -> None:
    demo = commands.add_parser("demo", help="embedded PostgreSQL, synthetic data, GraphiQL")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--people", type=int, default=20_000, help="people seeded on first start")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument(
        "--approve-after", type=float, default=20.0,
        help="seconds before the sandbox agencies approve a person's declaration",
    )  # fmt: skip
    # the demo makes its own store and sources: it does not look for another demo's
    demo.set_defaults(run=command_demo, beside_demo=False)
    clerk = commands.add_parser(
        "agency-clerk", help="the demo's sandbox agency decides on a declaration"
    )
    actions = clerk.add_subparsers(dest="action", required=True)
    actions.add_parser("pending", help="declarations waiting for a decision")
    approve = actions.add_parser("approve", help="apply the change to the agency's record")
    approve.add_argument("declaration")
    reject = actions.add_parser("reject", help="refuse it, with the reason the person reads")
    reject.add_argument("declaration")
    reject.add_argument("--reason", required=True)
    clerk.set_defaults(run=guarded(command_clerk, OSError), reason=None)
