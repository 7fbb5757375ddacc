"""`cbccvc clients add|list|revoke`: the OAuth clients that may get access tokens.

It opens the store like every command (`store_url`, `prepare_store`), so it works on the
embedded PostgreSQL as well as on DATABASE_URL, and reads the same settings as the server: run it
with the same CBCCVC_ISSUER, CBCCVC_AUDIENCE and CBCCVC_KEY_ENCRYPTION_KEY as the gateway.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gateway.auth.clients import ClientError
from gateway.cli.common import CommandError, Subcommands, guarded, with_store
from gateway.settings import Settings


def command_clients(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.auth import clients

    if args.action == "add":
        jwks = None
        if args.auth == "private_key_jwt":
            if args.jwks is None:
                raise CommandError("--auth private_key_jwt needs --jwks FILE (the public keys)")
            try:
                jwks = json.loads(Path(args.jwks).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the JWKS in {args.jwks}: {exc}") from exc
        elif args.jwks is not None:
            raise CommandError("--jwks is for --auth private_key_jwt")
        method = clients.SECRET if args.auth == "secret" else clients.PRIVATE_KEY_JWT
        new = with_store(
            settings,
            lambda engine: clients.add_client(
                engine,
                name=args.name,
                level=args.level,
                organization=args.org,
                purposes=tuple(args.purpose or ()),
                auth_method=method,
                jwks=jwks,
            ),
        )
        print(f"client_id: {new.record.client_id}")
        if new.secret is not None:
            print(f"client_secret: {new.secret}")
            print(
                "The secret is shown this once and only its hash is kept: store it now.",
                file=sys.stderr,
            )
        return 0
    if args.action == "list":
        rows = with_store(settings, clients.list_clients)
        print("client_id\tname\tauth\tlevel\torganization\tpurposes\tcreated\trevoked")
        for c in rows:
            print(
                "\t".join(
                    [
                        c.client_id,
                        c.name,
                        c.auth_method,
                        c.level.value,
                        c.organization,
                        ",".join(c.purposes) or "-",
                        f"{c.created_at:%Y-%m-%d %H:%M}",
                        "-" if c.revoked_at is None else f"{c.revoked_at:%Y-%m-%d %H:%M}",
                    ]
                )
            )
        return 0
    revoked = with_store(settings, lambda engine: clients.revoke_client(engine, args.client_id))
    if revoked is None:
        raise CommandError(f"no active client {args.client_id}")
    print(f"revoked {revoked.client_id} ({revoked.name}): it can no longer get tokens.")
    print(
        f"Tokens it already holds stay valid until they expire "
        f"(at most {settings.access_token_ttl} s).",
        file=sys.stderr,
    )
    return 0


def add_command(commands: Subcommands) -> None:
    from store.models_auth import CLIENT_LEVELS

    clients = commands.add_parser("clients", help="OAuth clients that may get access tokens")
    client_actions = clients.add_subparsers(dest="action", required=True)
    add = client_actions.add_parser("add", help="register a client; prints its id (and secret)")
    add.add_argument("--name", required=True)
    add.add_argument("--level", required=True, choices=CLIENT_LEVELS)
    add.add_argument("--org", required=True, help="the organisation's code, e.g. 000.00.00.G09")
    add.add_argument("--purpose", action="append", help="a purpose its tokens carry (repeatable)")
    add.add_argument("--auth", choices=["secret", "private_key_jwt"], default="secret")
    add.add_argument("--jwks", help="file with the client's public JWKS (private_key_jwt)")
    client_actions.add_parser("list", help="every client, revoked ones too")
    revoke = client_actions.add_parser("revoke", help="stop a client getting new tokens")
    revoke.add_argument("client_id")
    clients.set_defaults(run=guarded(command_clients, ClientError))
