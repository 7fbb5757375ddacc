"""`cbccvc keys generate|list|rotate|revoke|kek`: the authorization server's signing keys.

It opens the store like every command (`store_url`, `prepare_store`), so it works on the
embedded PostgreSQL as well as on DATABASE_URL, and reads the same settings as the server: run it
with the same CBCCVC_ISSUER, CBCCVC_AUDIENCE and CBCCVC_KEY_ENCRYPTION_KEY as the gateway.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from gateway.auth.tokens import NoSigningKey
from gateway.cli.common import (
    CommandError,
    Subcommands,
    guarded,
    key_encryption_key,
    with_store,
)
from gateway.settings import Settings
from keymaterial.sealing import KeyMaterialError


def command_keys(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.auth import keystore
    from gateway.auth.keys import KeyRecord
    from keymaterial.sealing import new_kek

    if args.action == "kek":
        print(new_kek())
        print(
            "Set it as CBCCVC_KEY_ENCRYPTION_KEY for the gateway and for `cbccvc keys`; keys made "
            "from then on are sealed with it. Keep it out of the store and of the repository.",
            file=sys.stderr,
        )
        return 0

    def show(record: KeyRecord) -> str:
        def when(moment: datetime | None) -> str:
            return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"

        return "\t".join(
            [
                record.kid,
                record.algorithm,
                record.state(datetime.now(UTC)),
                when(record.activated_at),
                when(record.retired_at),
                when(record.expires_at),
                when(record.revoked_at),
            ]
        )

    header = "kid\talgorithm\tstate\tactivated\tretired\texpires\trevoked"
    kek = key_encryption_key(settings)
    if args.action == "list":
        records = with_store(settings, keystore.list_keys)
        print(header)
        for record in records:
            print(show(record))
        return 0
    if args.action == "generate":
        record = with_store(
            settings,
            lambda engine: keystore.add_key(
                engine,
                kek,
                algorithm=args.alg,
                activate_after=timedelta(seconds=args.activate_after),
            ),
        )
        print(header)
        print(show(record))
        return 0
    if args.action == "rotate":
        minimum = settings.access_token_ttl + settings.clock_skew
        overlap = args.overlap if args.overlap is not None else max(3600, 2 * minimum)
        if overlap < minimum:
            raise CommandError(
                f"--overlap must be at least the token lifetime plus clock skew ({minimum} s), "
                "or tokens signed by the old key would be refused before they expire; "
                "to cut a leaked key off at once use `cbccvc keys revoke`"
            )
        new, retired = with_store(
            settings,
            lambda engine: keystore.rotate_keys(
                engine, kek, overlap=timedelta(seconds=overlap), algorithm=args.alg
            ),
        )
        print(header)
        for record in [new, *retired]:
            print(show(record))
        return 0
    revoked = with_store(settings, lambda engine: keystore.revoke_key(engine, args.kid))
    if revoked is None:
        raise CommandError(f"no unrevoked key {args.kid}")
    print(f"revoked {revoked.kid}: removed from the JWKS; tokens it signed are refused.")
    return 0


def add_command(commands: Subcommands) -> None:
    from keymaterial.lifecycle import DEFAULT_SIGNING_ALGORITHM, SIGNING_ALGORITHMS

    keys = commands.add_parser("keys", help="the authorization server's signing keys")
    key_actions = keys.add_subparsers(dest="action", required=True)
    generate = key_actions.add_parser("generate", help="add a key (published at once)")
    generate.add_argument("--alg", choices=SIGNING_ALGORITHMS, default=DEFAULT_SIGNING_ALGORITHM)
    generate.add_argument(
        "--activate-after", type=int, default=0, help="seconds before it starts signing"
    )
    key_actions.add_parser("list", help="every key and its state")
    rotate = key_actions.add_parser("rotate", help="new signing key; old ones verify a while")
    rotate.add_argument("--alg", choices=SIGNING_ALGORITHMS, default=DEFAULT_SIGNING_ALGORITHM)
    rotate.add_argument(
        "--overlap", type=int, help="seconds old keys still verify (default: 1 h or more)"
    )
    revoke_key = key_actions.add_parser("revoke", help="unpublish a key now (a leaked key)")
    # a kid is a base64url thumbprint and may start with "-", which argparse reads as an option
    revoke_key.add_argument("kid", help="the key's id (one starting with '-' goes after '--')")
    key_actions.add_parser("kek", help="print a new key-encryption key (touches no store)")
    keys.set_defaults(run=guarded(command_keys, KeyMaterialError, NoSigningKey))
