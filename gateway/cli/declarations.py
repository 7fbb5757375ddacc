"""`cbccvc declarations follow-up|export|list`: persons' declarations and the agencies' answers.

cbccvc declarations follow-up [--sync]          send what is queued, collect the agencies'
                                                signed decisions; --sync then syncs each
                                                source that approved something
cbccvc declarations export SOURCE --moha-keys F [--out FILE]
                                                an agency's pending declarations (agencies
                                                without a connector), signed by MOHA
cbccvc declarations list [--source SOURCE]      the open ones, due first
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exchange.keys import ExchangeKeyError
from gateway.cli.common import (
    CommandError,
    Subcommands,
    guarded,
    key_encryption_key,
    with_store,
)
from gateway.settings import Settings
from keymaterial.sealing import KeyMaterialError


def _registry(settings: Settings) -> Any:
    from adapters.registry import SourceRegistry
    from gateway.sources import source_wiring

    if settings.sources_config is None:
        raise CommandError("no sources configured (CBCCVC_SOURCES, or beside a running demo)")
    return SourceRegistry.from_yaml(settings.sources_config, source_wiring(settings))


def command_follow_up(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.declarations import follow_up
    from store.database import sync_free_dsn
    from sync.pipeline import sync_source

    registry = _registry(settings)

    async def work(engine: Any) -> int:
        try:
            done = await follow_up(engine, registry)
            print(
                f"delivered {done.delivered}, decided {done.decided}; approvals from "
                f"{', '.join(done.approved_sources) or 'no source'}"
            )
            if args.sync:
                for source_id in done.approved_sources:
                    result = await sync_source(sync_free_dsn(engine.url), registry[source_id])
                    print(f"synced {source_id}: {result.status} {result.counts}")
            return 0
        finally:
            await registry.aclose()

    return with_store(settings, work)


def command_export(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.keys import load
    from resolvers.declarations import export

    moha = load(Path(args.moha_keys), key_encryption_key(settings))

    async def work(engine: Any) -> tuple[str, int]:
        return await export(engine, moha, args.source)

    token, count = with_store(settings, work)
    if args.out:
        Path(args.out).write_text(token + "\n", encoding="utf-8")
        print(f"{count} declarations for {args.source} written to {args.out} (signed by MOHA)")
    else:
        sys.stdout.write(token + "\n")
    return 0


def command_list(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.declaration import status_on
    from resolvers.declarations import pending_of, today

    async def work(engine: Any) -> Any:
        return await pending_of(engine, "", args.source)

    rows = with_store(settings, work)
    for row in rows:
        status = status_on(row.status, row.due_on, today()).value
        print(f"{row.declaration_id}  {row.source_id}  {row.target}  {status}  due {row.due_on}")
    print(f"{len(rows)} open declarations")
    return 0


def add_command(commands: Subcommands) -> None:
    command = commands.add_parser("declarations", help="persons' declarations to agencies")
    actions = command.add_subparsers(dest="action", required=True)
    follow = actions.add_parser("follow-up", help="deliver queued, collect decisions")
    follow.add_argument("--sync", action="store_true", help="sync the sources that approved")
    follow.set_defaults(run=guarded(command_follow_up, OSError))
    export = actions.add_parser("export", help="an agency's pending declarations, signed")
    export.add_argument("source", help="the agency's source id, VN:GOV:<code>:HRM")
    export.add_argument("--moha-keys", required=True, help="MOHA's exchange key file")
    export.add_argument("--out", help="write the signed export here (default: stdout)")
    export.set_defaults(
        run=guarded(command_export, OSError, ExchangeKeyError, KeyMaterialError, ValueError)
    )
    listing = actions.add_parser("list", help="the open declarations, due first")
    listing.add_argument("--source")
    listing.set_defaults(run=guarded(command_list))


def start_follow_up(settings: Settings, store: str, every_s: float = 5.0) -> Callable[[], None]:
    """The demo's MOHA side: every few seconds, deliver what is queued, collect the agencies'
    decisions and sync each source that approved something, so the change reaches the store
    (and the CV) without waiting for the scheduler. Returns its stop."""
    from resolvers.declarations import follow_up
    from store.database import create_engine, sync_free_dsn
    from sync.pipeline import sync_source

    log = logging.getLogger(__name__)
    stopping = threading.Event()

    async def run() -> None:
        registry = _registry(settings)
        engine = create_engine(store, pool_size=1)
        try:
            while not stopping.is_set():
                try:
                    done = await follow_up(engine, registry)
                    for source_id in done.approved_sources:
                        result = await sync_source(sync_free_dsn(engine.url), registry[source_id])
                        log.info("declaration approved at %s; synced: %s", source_id, result.status)
                except Exception:
                    log.exception("declarations follow-up failed")
                await asyncio.to_thread(stopping.wait, every_s)
        finally:
            await registry.aclose()
            await engine.dispose()

    thread = threading.Thread(target=lambda: asyncio.run(run()), name="declarations", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(timeout=every_s + 10)

    return stop
