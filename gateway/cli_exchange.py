"""The `cbccvc agency-keys` and `cbccvc exchange` commands (the signed and encrypted exchange).

Registered on the main parser by `add_agency_keys_command(commands)` and
`add_exchange_command(commands)` (gateway/cli.py). `cbccvc keys` stays the authorization
server's token-signing keys; `agency-keys` manages the exchange's key files in one folder
(exchange/provision.py's layout, `--dir`, default $CBCCVC_EXCHANGE_KEYS or ./exchange-keys):

    cbccvc agency-keys generate moha                 MOHA's signing + encryption keys
    cbccvc agency-keys generate 000.00.00.G18        an agency's signing key
    cbccvc agency-keys list [PARTY]
    cbccvc agency-keys rotate PARTY [--use sig|enc] [--overlap-days 7]
    cbccvc agency-keys revoke PARTY KID

    cbccvc exchange check URL --moha-keys F --agency-jwks F   conformance of a connector
    cbccvc exchange verify-log PATH                           a message log's hash chain

Private halves are sealed with CBCCVC_KEY_ENCRYPTION_KEY when it is set, like the gateway's
own signing keys. Each change rewrites the party's key file and its public JWKS file (with its
revoked kids), which is what peers register: a revocation takes effect at the next message.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.settings import Settings


class ExchangeCommandError(Exception):
    """What the operator did wrong, in one line."""


def _kek(settings: Settings) -> bytes | None:
    from keymaterial.sealing import decode_kek

    return decode_kek(settings.key_encryption_key) if settings.key_encryption_key else None


def _folder(args: argparse.Namespace, settings: Settings) -> Any:
    from exchange.provision import KeyFolder

    return KeyFolder(Path(args.dir) if args.dir else settings.exchange_keys)


def _guarded(command: Callable[[argparse.Namespace, Settings], int]) -> Any:
    from exchange.keys import ExchangeKeyError
    from keymaterial.sealing import KeyMaterialError

    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return command(args, settings)
        except (ExchangeCommandError, ExchangeKeyError, KeyMaterialError, OSError) as error:
            print(f"cbccvc {args.command}: {error}", file=sys.stderr)
            return 1

    return run


def command_agency_keys(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.keys import MOHA_ID, PartyKeys
    from exchange.provision import agency_party

    folder, kek, now = _folder(args, settings), _kek(settings), datetime.now(UTC)
    if args.action == "generate":
        keys_path, _ = folder.party_paths(args.party)
        if keys_path.exists() and not args.force:
            raise ExchangeCommandError(f"{keys_path} exists: rotate, or --force to replace")
        party = MOHA_ID if args.party == "moha" else agency_party(args.party)
        keys = PartyKeys.generate(party, now, algorithm=args.alg, encryption=args.party == "moha")
        folder.write(keys, args.party, now, kek)
        for key in keys.keys:
            print(f"{args.party}\t{key.kid}\t{key.use}\t{key.algorithm}\tactive")
        return 0
    if args.action == "list":
        parties = [args.party] if args.party else _parties(folder)
        print("party\tkid\tuse\talg\tstate\tcreated\texpires")
        for name in parties:
            for key in folder.read(name, kek).keys:
                print(
                    "\t".join(
                        [
                            name, key.kid, key.use, key.algorithm, key.state(now),
                            key.created_at.isoformat(timespec="seconds"),
                            key.expires_at.isoformat(timespec="seconds") if key.expires_at else "",
                        ]
                    )
                )  # fmt: skip
        return 0
    keys = folder.read(args.party, kek)
    if args.action == "rotate":
        keys, fresh = keys.rotate(args.use, now, overlap=timedelta(days=args.overlap_days))
        folder.write(keys, args.party, now, kek)
        print(f"{args.party}\t{fresh.kid}\t{fresh.use}\t{fresh.algorithm}\tactive")
        print(
            f"older {args.use} keys stay published for {args.overlap_days} day(s)", file=sys.stderr
        )
        return 0
    if args.action == "revoke":
        revoked = keys.revoke(args.kid, now)
        folder.write(revoked, args.party, now, kek)
        print(f"{args.party}\t{args.kid}\trevoked")
        use = revoked.find(args.kid).use
        if not any(k.use == use and k.may_sign(now) for k in revoked.keys):
            print(f"{args.party} has no current {use} key left: rotate now", file=sys.stderr)
        print(
            "hand the new JWKS file to every peer now: they refuse this kid from the next message",
            file=sys.stderr,
        )
        return 0
    raise ExchangeCommandError(f"unknown action {args.action}")


def _parties(folder: Any) -> list[str]:
    found = ["moha"] if folder.moha_keys.exists() else []
    agencies = folder.root / "agencies"
    if agencies.exists():
        found += sorted(p.name.removesuffix(".keys.json") for p in agencies.glob("*.keys.json"))
    return found


def command_approve(args: argparse.Namespace, settings: Settings) -> int:
    """Keep an agency's signed monthly manifest once its signature and its leaves check out."""
    from exchange.approvals_store import store_approval
    from exchange.keys import TrustedKeysFile
    from gateway.cli import prepare_store, store_url
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

    moha = load(Path(args.moha_keys), _kek(settings))
    trusted = TrustedKeysFile(Path(args.agency_jwks))
    agency = args.agency or trusted.current().party
    if not agency:
        raise ExchangeCommandError("name the agency: --agency VN:GOV:<code>:HRM")
    caller = EnvelopeCaller(moha, trusted.current, agency)
    results = asyncio.run(check_connector(args.url, caller))
    print(report(results))
    return 1 if any(r.status == FAIL for r in results) else 0


def add_agency_keys_command(commands: Any) -> None:
    """Add `agency-keys` (generate, list, rotate, revoke) to the `cbccvc` parser."""
    from keymaterial.lifecycle import SIGNING_ALGORITHMS

    keys = commands.add_parser("agency-keys", help="the exchange's signing and encryption keys")
    keys.add_argument(
        "--dir", help="the key folder (default $CBCCVC_EXCHANGE_KEYS, ./exchange-keys)"
    )
    actions = keys.add_subparsers(dest="action", required=True)
    generate = actions.add_parser("generate", help="first keys of `moha` or an agency code")
    generate.add_argument("party")
    generate.add_argument("--alg", choices=SIGNING_ALGORITHMS, default="ES256")
    generate.add_argument("--force", action="store_true", help="replace existing keys")
    listing = actions.add_parser("list", help="every key and its state")
    listing.add_argument("party", nargs="?")
    rotate = actions.add_parser("rotate", help="new key; old ones stay published a while")
    rotate.add_argument("party")
    rotate.add_argument("--use", choices=["sig", "enc"], default="sig")
    rotate.add_argument("--overlap-days", type=float, default=7.0)
    revoke = actions.add_parser("revoke", help="unpublish a key now (a leaked key)")
    revoke.add_argument("party")
    revoke.add_argument("kid")
    keys.set_defaults(run=_guarded(command_agency_keys))


def add_exchange_command(commands: Any) -> None:
    """Add `exchange check URL` and `exchange verify-log PATH` to the `cbccvc` parser."""
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
    exchange.set_defaults(run=_guarded(command_exchange))
