"""`cbccvc token --level L --org CODE`: mint a short-lived development access token.

It opens the store like every command (`store_url`, `prepare_store`), so it works on the
embedded PostgreSQL as well as on DATABASE_URL, and reads the same settings as the server: run it
with the same CBCCVC_ISSUER, CBCCVC_AUDIENCE and CBCCVC_KEY_ENCRYPTION_KEY as the gateway.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

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
from policies.types import TOKEN_LEVELS, Level

CLI_CLIENT_ID = "cbccvc-cli"


def command_token(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.auth.claims import Grant, access_token_claims
    from gateway.auth.keystore import ensure_signing_key, load_ring
    from gateway.auth.organisations import OrganisationDirectory, naming_refusal
    from gateway.auth.tokens import sign_access_token
    from policies.types import Caller, Level

    level = Level(args.level)
    if level is Level.SELF and not args.subject:
        raise CommandError("--level self needs --subject (the person's 12-digit personal ID)")
    if level is Level.SELF and args.org:
        raise CommandError("--level self names a person (--subject), never an organisation")
    if level is not Level.SELF and not args.org:
        raise CommandError(f"--level {level} needs --org (the organisation's code)")
    lifetime = args.ttl or settings.access_token_ttl
    grant = Grant(
        level, args.org, args.subject or CLI_CLIENT_ID, CLI_CLIENT_ID, tuple(args.purpose or ())
    )

    async def mint(engine: AsyncEngine) -> str:
        # refuse a token the gateway would refuse (policies/containment.py)
        caller = Caller(level, organization=args.org, subject=args.subject)
        reason = await naming_refusal(OrganisationDirectory(engine, ttl_seconds=0), caller)
        if reason is not None:
            raise CommandError(reason)
        kek = key_encryption_key(settings)
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

    token = with_store(settings, mint)
    print(token)
    print(
        f"{level} token for {args.org or args.subject}, valid {lifetime} s, "
        f"issuer {settings.issuer_url()}",
        file=sys.stderr,
    )
    return 0


def add_command(commands: Subcommands) -> None:
    token = commands.add_parser("token", help="mint a short-lived development access token")
    token.add_argument(
        "--level",
        required=True,
        choices=[level.value for level in Level if level.value in TOKEN_LEVELS],
    )
    token.add_argument("--org", help="the organisation's code (every level but self)")
    token.add_argument("--subject", help="the token's sub (for self: the personal ID)")
    token.add_argument("--purpose", action="append", help="a purpose (repeatable)")
    token.add_argument("--ttl", type=int, help="lifetime in seconds (default: the server's)")
    token.set_defaults(run=guarded(command_token, KeyMaterialError, NoSigningKey))
