"""`cbccvc agency-keys`: the exchange's signing and encryption keys, in one folder.

`cbccvc keys` stays the authorization server's token-signing keys; `agency-keys` manages the
exchange's key files (exchange/provision.py's layout, `--dir`, default $CBCCVC_EXCHANGE_KEYS or
./exchange-keys):

    cbccvc agency-keys generate moha                 MOHA's signing + encryption keys
    cbccvc agency-keys generate 000.00.00.G18        an agency's signing and encryption keys
    cbccvc agency-keys list [PARTY]
    cbccvc agency-keys rotate PARTY [--use sig|enc] [--overlap-days 7]
    cbccvc agency-keys revoke PARTY KID

Private halves are sealed with CBCCVC_KEY_ENCRYPTION_KEY when it is set, like the gateway's
own signing keys. Each change rewrites the party's key file and its public JWKS file (with its
revoked kids), which is what peers register: a revocation takes effect at the next message.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from exchange.keys import ExchangeKeyError
from gateway.cli.common import CommandError, Subcommands, guarded, key_encryption_key
from gateway.settings import Settings
from keymaterial.sealing import KeyMaterialError


def _folder(args: argparse.Namespace, settings: Settings) -> Any:
    from exchange.provision import KeyFolder

    return KeyFolder(Path(args.dir) if args.dir else settings.exchange_keys)


def command_agency_keys(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.keys import MOHA_ID, PartyKeys
    from exchange.provision import agency_party

    folder, kek, now = _folder(args, settings), key_encryption_key(settings), datetime.now(UTC)
    if args.action == "generate":
        keys_path, _ = folder.party_paths(args.party)
        if keys_path.exists() and not args.force:
            raise CommandError(f"{keys_path} exists: rotate, or --force to replace")
        party = MOHA_ID if args.party == "moha" else agency_party(args.party)
        keys = PartyKeys.generate(party, now, algorithm=args.alg, encryption=True)
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
    raise CommandError(f"unknown action {args.action}")


def _parties(folder: Any) -> list[str]:
    found = ["moha"] if folder.moha_keys.exists() else []
    agencies = folder.root / "agencies"
    if agencies.exists():
        found += sorted(p.name.removesuffix(".keys.json") for p in agencies.glob("*.keys.json"))
    return found


def add_command(commands: Subcommands) -> None:
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
    # a kid is a base64url thumbprint and may start with "-", which argparse reads as an option
    revoke.add_argument("kid", help="the key's id (one starting with '-' goes after '--')")

    keys.set_defaults(run=guarded(command_agency_keys, ExchangeKeyError, KeyMaterialError, OSError))
