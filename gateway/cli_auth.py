"""The `cbccvc clients`, `cbccvc token` and `cbccvc keys` commands.

Registered on the main parser by `add_auth_commands(commands)` (gateway/cli.py). Each command
opens the store like the others (`store_url`, `prepare_store`), so it works on the embedded
PostgreSQL as well as on DATABASE_URL, and reads the same settings as the server: run it with the
same CBCCVC_ISSUER, CBCCVC_AUDIENCE and CBCCVC_KEY_ENCRYPTION_KEY as the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.settings import Settings

T = TypeVar("T")
CLI_CLIENT_ID = "cbccvc-cli"
TOKEN_LEVELS = ("central", "ministry", "province", "commune", "unit", "self", "partner")


class CommandError(Exception):
    """What the operator did wrong, said in one line."""


def _with_store(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    from gateway.cli import prepare_store, store_url
    from store.database import create_engine

    async def run(url: URL) -> T:
        engine = create_engine(url, pool_size=1)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        return asyncio.run(run(url))


def _kek(settings: Settings) -> bytes | None:
    from keymaterial.sealing import decode_kek

    return decode_kek(settings.key_encryption_key) if settings.key_encryption_key else None


def _guarded(command: Callable[[argparse.Namespace, Settings], int]) -> Any:
    """Errors the operator can fix are one line on stderr and exit status 1, not a traceback."""
    from gateway.auth.clients import ClientError
    from gateway.auth.tokens import NoSigningKey
    from keymaterial.sealing import KeyMaterialError

    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return command(args, settings)
        except (CommandError, ClientError, KeyMaterialError, NoSigningKey) as error:
            print(f"cbccvc {args.command}: {error}", file=sys.stderr)
            return 1

    return run


# --- clients ------------------------------------------------------------------------------------


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
        new = _with_store(
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
        rows = _with_store(settings, clients.list_clients)
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
    revoked = _with_store(settings, lambda engine: clients.revoke_client(engine, args.client_id))
    if revoked is None:
        raise CommandError(f"no active client {args.client_id}")
    print(f"revoked {revoked.client_id} ({revoked.name}): it can no longer get tokens.")
    print(
        f"Tokens it already holds stay valid until they expire "
        f"(at most {settings.access_token_ttl} s).",
        file=sys.stderr,
    )
    return 0


# --- token --------------------------------------------------------------------------------------


def command_token(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import func, select

    from gateway.auth.claims import Grant, access_token_claims
    from gateway.auth.keystore import ensure_signing_key, load_ring
    from gateway.auth.tokens import sign_access_token
    from policies.types import Level
    from store.models import Organization

    level = Level(args.level)
    if level is Level.SELF and not args.subject:
        raise CommandError("--level self needs --subject (the person's 12-digit personal ID)")
    if level is not Level.SELF and not args.org:
        raise CommandError(f"--level {level} needs --org (the organisation's code)")
    lifetime = args.ttl or settings.access_token_ttl
    grant = Grant(
        level, args.org, args.subject or CLI_CLIENT_ID, CLI_CLIENT_ID, tuple(args.purpose or ())
    )

    async def mint(engine: AsyncEngine) -> str:
        if args.org and level not in (Level.SELF, Level.PARTNER):
            async with engine.connect() as conn:
                known = await conn.scalar(select(func.count()).where(Organization.code == args.org))
            if not known:
                raise CommandError(f"no organisation with code {args.org!r} in the store")
        kek = _kek(settings)
        await ensure_signing_key(engine, kek)
        ring = await load_ring(engine, kek)
        now = time.time()
        claims = access_token_claims(
            grant,
            issuer=settings.issuer_url(),
            audience=settings.audience_value(),
            lifetime=lifetime,
            now=now,
        )
        return sign_access_token(claims, ring.signer(datetime.fromtimestamp(now, UTC)))

    token = _with_store(settings, mint)
    print(token)
    print(
        f"{level} token for {args.org or args.subject}, valid {lifetime} s, "
        f"issuer {settings.issuer_url()}",
        file=sys.stderr,
    )
    return 0


# --- keys ---------------------------------------------------------------------------------------


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
    kek = _kek(settings)
    if args.action == "list":
        records = _with_store(settings, keystore.list_keys)
        print(header)
        for record in records:
            print(show(record))
        return 0
    if args.action == "generate":
        record = _with_store(
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
        new, retired = _with_store(
            settings,
            lambda engine: keystore.rotate_keys(
                engine, kek, overlap=timedelta(seconds=overlap), algorithm=args.alg
            ),
        )
        print(header)
        for record in [new, *retired]:
            print(show(record))
        return 0
    revoked = _with_store(settings, lambda engine: keystore.revoke_key(engine, args.kid))
    if revoked is None:
        raise CommandError(f"no unrevoked key {args.kid}")
    print(f"revoked {revoked.kid}: removed from the JWKS; tokens it signed are refused.")
    return 0


def add_auth_commands(commands: Any) -> None:
    """Add `clients`, `token` and `keys` to the `cbccvc` parser's subcommands."""
    from keymaterial.lifecycle import DEFAULT_SIGNING_ALGORITHM, SIGNING_ALGORITHMS
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
    clients.set_defaults(run=_guarded(command_clients))

    token = commands.add_parser("token", help="mint a short-lived development access token")
    token.add_argument("--level", required=True, choices=TOKEN_LEVELS)
    token.add_argument("--org", help="the organisation's code (every level but self)")
    token.add_argument("--subject", help="the token's sub (for self: the personal ID)")
    token.add_argument("--purpose", action="append", help="a purpose (repeatable)")
    token.add_argument("--ttl", type=int, help="lifetime in seconds (default: the server's)")
    token.set_defaults(run=_guarded(command_token))

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
    revoke_key.add_argument("kid")
    key_actions.add_parser("kek", help="print a new key-encryption key (touches no store)")
    keys.set_defaults(run=_guarded(command_keys))
