"""`cbccvc exchange check|verify-log|approve`: the signed and encrypted agency exchange.

cbccvc exchange check URL --moha-keys F --agency-jwks F   conformance of a connector
cbccvc exchange verify-log PATH                           a message log's hash chain
cbccvc exchange approve MANIFEST DIGESTS --agency-jwks F  keep a monthly approval
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from exchange.keys import ExchangeKeyError
from gateway.cli.common import (
    CommandError,
    Subcommands,
    guarded,
    key_encryption_key,
    prepare_store,
    store_url,
)
from gateway.settings import Settings
from keymaterial.sealing import KeyMaterialError


def command_approve(args: argparse.Namespace, settings: Settings) -> int:
    """Keep an agency's signed monthly manifest once its signature and its leaves check out."""
    from exchange.approvals_store import store_approval
    from exchange.keys import TrustedKeysFile
    from store.database import create_engine

    token = Path(args.manifest).read_text(encoding="utf-8").strip()
    digests = [
        line.strip()
        for line in Path(args.digests).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    trusted = TrustedKeysFile(Path(args.agency_jwks)).current()

    async def run(url: Any) -> Any:
        engine = create_engine(url, pool_size=1)
        try:
            return await store_approval(engine, token, digests, trusted)
        finally:
            await engine.dispose()

    from exchange.envelope import EnvelopeError

    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        try:
            manifest = asyncio.run(run(url))
        except EnvelopeError as error:
            print(f"cbccvc exchange approve: manifest refused: {error}", file=sys.stderr)
            return 1
    print(
        f"approval kept: {manifest.agency} {manifest.period}, {manifest.records} records, "
        f"root {manifest.root}"
    )
    return 0


def command_exchange(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "approve":
        return command_approve(args, settings)
    if args.action == "verify-log":
        from exchange.msglog import verify_file

        broken = verify_file(Path(args.path))
        if broken is not None:
            print(f"message log BROKEN at entry {broken.seq}: {broken.reason}")
            return 1
        print(f"message log intact: {args.path}, hash chain verified")
        return 0
    from exchange.caller import EnvelopeCaller
    from exchange.conformance import FAIL, check_connector, report
    from exchange.keys import TrustedKeysFile, load

    moha = load(Path(args.moha_keys), key_encryption_key(settings))
    trusted = TrustedKeysFile(Path(args.agency_jwks))
    agency = args.agency or trusted.current().party
    if not agency:
        raise CommandError("name the agency: --agency VN:GOV:<code>:HRM")
    caller = EnvelopeCaller(moha, trusted.current, agency)
    results = asyncio.run(check_connector(args.url, caller))
    print(report(results))
    return 1 if any(r.status == FAIL for r in results) else 0


def add_command(commands: Subcommands) -> None:
    exchange = commands.add_parser("exchange", help="the agency exchange: conformance, logs")
    actions = exchange.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="run the conformance checks against a connector")
    check.add_argument("url", help="the connector's base URL for one agency (.../agencies/<code>)")
    check.add_argument("--moha-keys", required=True, help="MOHA's (or a test MOHA's) key file")
    check.add_argument("--agency-jwks", required=True, help="the agency's registered JWKS file")
    check.add_argument("--agency", help="the agency's identifier (default: from its JWKS file)")
    verify = actions.add_parser("verify-log", help="check a message log's hash chain")
    verify.add_argument("path")
    approve = actions.add_parser(
        "approve", help="keep an agency's signed monthly manifest (TT 06/2023) in the store"
    )
    approve.add_argument("manifest", help="file with the signed manifest (compact JWS)")
    approve.add_argument("digests", help="file with the record digests it covers, one a line")
    approve.add_argument("--agency-jwks", required=True, help="the agency's registered JWKS file")
    exchange.set_defaults(
        run=guarded(command_exchange, ExchangeKeyError, KeyMaterialError, OSError)
    )
