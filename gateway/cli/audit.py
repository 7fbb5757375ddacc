"""`cbccvc audit verify`: check the audit log's hash chain end to end."""

from __future__ import annotations

import argparse
import asyncio

from gateway.cli.common import Subcommands, prepare_store, store_url
from gateway.settings import Settings
from store.audit_chain import ChainProblem


def command_audit(args: argparse.Namespace, settings: Settings) -> int:
    from store import audit
    from store.database import create_engine

    async def run(url: object) -> tuple[int, list[ChainProblem], int, object]:
        from exchange.approvals_store import verify_messages

        engine = create_engine(url, pool_size=1)  # type: ignore[arg-type]
        try:
            checked, problems = await audit.verify(engine)
            messages, message_break = await verify_messages(engine)
            return checked, problems, messages, message_break
        finally:
            await engine.dispose()

    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        checked, problems, messages, message_break = asyncio.run(run(url))
    for problem in problems:
        print(f"audit row {problem.row_id}: {problem.problem}")
    if message_break is not None:
        print(f"exchange message log: {message_break}")
    if problems or message_break is not None:
        print(f"audit log BROKEN: {len(problems)} problem(s) in {checked} rows")
        return 1
    print(f"audit log intact: {checked} rows, hash chain verified")
    print(f"exchange message log intact: {messages} envelopes, hash chain verified")
    return 0


def add_command(commands: Subcommands) -> None:
    audit = commands.add_parser("audit", help="check the audit log")
    audit.add_argument("action", choices=["verify"])
    audit.set_defaults(run=command_audit)
