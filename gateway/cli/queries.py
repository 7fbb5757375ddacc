"""`cbccvc queries add|list|remove|safelist`: the operations safelist-only partner clients may run.

    cbccvc queries add --client portal-hcm ops/staff.graphql ops/units.graphql
    cbccvc queries list [--client portal-hcm]
    cbccvc queries remove 3f2a...e9 [--client portal-hcm]
    cbccvc queries safelist --client portal-hcm --off

`add` registers each file's text as one document (it may hold several operations and their
fragments; the client picks one with operationName) after checking it against the schema, and
makes the client safelist-only. The client then sends the document's sha256 in
`extensions.persistedQuery`, or the text byte for byte. Removing a client's last operation
leaves it safelist-only with nothing to run: turning the safelist off is explicit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from graphql import OperationDefinitionNode, parse, validate
from sqlalchemy import text
from sqlalchemy.engine import URL

from gateway.cli.common import Subcommands, prepare_store, store_url
from gateway.settings import Settings


class QueryFileError(ValueError):
    """A file cannot be registered; the message says which and why."""


def check_document(path: Path, query: str) -> list[str]:
    """The operation names of a document that parses and validates against the schema."""
    from graphql import GraphQLError

    from schema import schema

    try:
        document = parse(query)
    except GraphQLError as error:
        raise QueryFileError(f"{path}: {error.message}") from error
    errors = validate(schema._schema, document)
    if errors:
        raise QueryFileError(f"{path}: {errors[0].message}")
    return [
        definition.name.value if definition.name else "(anonymous)"
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]


async def _add(url: URL, client_id: str, files: list[Path]) -> int:
    from gateway.persisted import register_for_client
    from store.database import create_engine

    documents = []
    for path in files:
        query = path.read_text(encoding="utf-8")
        documents.append((path, query, check_document(path, query)))
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            for path, query, operations in documents:
                sha = await register_for_client(conn, client_id, query)
                print(f"{sha}  {client_id}  {path}  ({', '.join(operations)})")
    finally:
        await engine.dispose()
    print(f"client {client_id} is safelist-only: it may run only its registered operations")
    return 0


async def _list(url: URL, client_id: str | None) -> int:
    from store.database import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            clients = (
                await conn.execute(
                    text(
                        "SELECT client_id FROM safelist_client"
                        " WHERE CAST(:client AS text) IS NULL OR client_id = :client"
                        " ORDER BY client_id"
                    ),
                    {"client": client_id},
                )
            ).all()
            rows = (
                await conn.execute(
                    text(
                        "SELECT sha256, client_id, created_at, query FROM persisted_query"
                        " WHERE client_id IS NOT NULL"
                        " AND (CAST(:client AS text) IS NULL OR client_id = :client)"
                        " ORDER BY client_id, created_at"
                    ),
                    {"client": client_id},
                )
            ).all()
            shared = (
                await conn.execute(
                    text("SELECT count(*) FROM persisted_query WHERE client_id IS NULL")
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    for (client,) in clients:
        print(f"safelist-only client: {client}")
    for sha, client, created_at, query in rows:
        first_line = query.strip().splitlines()[0] if query.strip() else ""
        print(f"{sha}  {client}  {created_at:%Y-%m-%d %H:%M}  {first_line[:60]}")
    if client_id is None:
        print(f"{shared} automatically persisted queries (shared by all clients)")
    return 0


async def _remove(url: URL, sha: str, client_id: str | None) -> int:
    from store.database import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            removed = (
                await conn.execute(
                    text(
                        "DELETE FROM persisted_query WHERE sha256 = :sha"
                        " AND (CAST(:client AS text) IS NULL OR client_id = :client)"
                    ),
                    {"sha": sha.lower(), "client": client_id},
                )
            ).rowcount
    finally:
        await engine.dispose()
    if not removed:
        print(f"cbccvc queries: no persisted query {sha}", file=sys.stderr)
        return 1
    print(f"removed {removed} registration(s) of {sha}")
    return 0


async def _safelist(url: URL, client_id: str, off: bool) -> int:
    from store.database import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            if off:
                await conn.execute(
                    text("DELETE FROM safelist_client WHERE client_id = :client"),
                    {"client": client_id},
                )
            else:
                await conn.execute(
                    text(
                        "INSERT INTO safelist_client (client_id) VALUES (:client)"
                        " ON CONFLICT (client_id) DO NOTHING"
                    ),
                    {"client": client_id},
                )
    finally:
        await engine.dispose()
    state = "may run any operation" if off else "may run only its registered operations"
    print(f"client {client_id} {state}")
    return 0


def command_queries(args: argparse.Namespace, settings: Settings) -> int:
    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        try:
            if args.action == "add":
                return asyncio.run(_add(url, args.client, [Path(f) for f in args.files]))
            if args.action == "list":
                return asyncio.run(_list(url, args.client))
            if args.action == "remove":
                return asyncio.run(_remove(url, args.hash, args.client))
            return asyncio.run(_safelist(url, args.client, args.off))
        except (QueryFileError, OSError) as error:
            print(f"cbccvc queries: {error}", file=sys.stderr)
            return 1


def add_command(commands: Subcommands) -> None:
    queries = commands.add_parser(
        "queries", help="persisted queries: the operations safelist-only clients may run"
    )
    queries.set_defaults(run=command_queries)
    actions = queries.add_subparsers(dest="action", required=True)

    add = actions.add_parser(
        "add", help="register documents for a client; it becomes safelist-only"
    )
    add.add_argument("--client", required=True, help="the OAuth client id")
    add.add_argument("files", nargs="+", metavar="FILE.graphql")

    list_ = actions.add_parser("list", help="safelist-only clients and their operations")
    list_.add_argument("--client", help="only this client")

    remove = actions.add_parser("remove", help="remove a registered document")
    remove.add_argument("hash", metavar="HASH", help="its sha256")
    remove.add_argument("--client", help="only this client's registration")

    safelist = actions.add_parser("safelist", help="turn a client's safelist mode on or off")
    safelist.add_argument("--client", required=True)
    safelist.add_argument("--off", action="store_true", help="let it run any operation again")
