"""Persisted queries: Apollo's automatic persisted queries (APQ) and per-client safelists.

APQ (the `persistedQuery` extension): a client sends `{"extensions": {"persistedQuery":
{"version": 1, "sha256Hash": H}}}` without the query; if the gateway knows H it runs that
document, otherwise it answers PERSISTED_QUERY_NOT_FOUND and the client sends the hash with the
query, which registers it. The miss is a 404 to `application/graphql-response+json` clients (the
GraphQL-over-HTTP spec: a response without `data` is 4xx; Apollo Router answers 404 too) and a
200 to `application/json` ones (the spec's legacy rule). Apollo Client retries on either: its
persisted-query link reads the error code from a non-2xx body as well (since 3.7), and the older
link only gave up on 400 and 500. Registered queries are shared by every replica through the
store, and kept in a bounded in-process LRU in front of it.

Safelist: a partner client registered as safelist-only (`cbccvc queries add --client ID FILE`)
may run only the documents registered for it, sent by hash or in full (the text must then be
byte for byte the registered one): anything else is 403 PERSISTED_QUERY_NOT_ALLOWED. The
safelists are read from the store every `safelist_ttl` seconds, so a change reaches every
replica within that time.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from telemetry import metrics

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
BAD_EXTENSION = "PERSISTED_QUERY_INVALID"
NO_CACHE = {"Cache-Control": "private, no-cache, must-revalidate"}
"""On a not-found answer, so that no proxy caches it for the next client (Apollo does the same)."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(Exception):
    """The request's persisted query cannot be run: answer `status` with this error."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        json_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.json_status = status if json_status is None else json_status
        """What an `application/json` client gets instead of `status` (the legacy rule)."""
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def formatted(self) -> dict[str, object]:
        """The error as it goes into a response's `errors` (add the request id)."""
        return {"message": self.message, "extensions": {"code": self.code}}


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def requested_hash(extensions: Mapping[str, object] | None) -> str | None:
    """The sha256 a request names in `extensions.persistedQuery`, or None if it names none."""
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping):
        raise PersistedQueryError(400, BAD_EXTENSION, "`persistedQuery` must be an object")
    if persisted.get("version") != 1:
        raise PersistedQueryError(
            400, BAD_EXTENSION, "only version 1 of `persistedQuery` is supported"
        )
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha.lower()):
        raise PersistedQueryError(
            400, BAD_EXTENSION, "`persistedQuery.sha256Hash` must be 64 hexadecimal digits"
        )
    return sha.lower()


@dataclass(frozen=True)
class Decision:
    """What to do with a request, before any lookup: pure, see `decide`."""

    sha: str | None
    """The document's hash when it matters (persisted, or checked against a safelist)."""
    query: str | None
    """The text to run, when the request carried it."""
    register: bool
    """Store the text under `sha` for later hash-only requests."""


def decide(
    query: str | None,
    sha: str | None,
    safelist: frozenset[str] | None,
    *,
    register_automatic: bool,
) -> Decision:
    """The rules, apart from the lookups.

    `sha`: what the request names (requested_hash). `safelist`: the client's registered hashes
    if it is safelist-only, None otherwise.
    """
    if query is not None and sha is not None and sha256_hex(query) != sha:
        raise PersistedQueryError(400, HASH_MISMATCH, "provided sha does not match query")
    if safelist is not None:
        checked = sha if sha is not None else sha256_hex(query or "")
        if checked not in safelist:
            raise PersistedQueryError(
                403,
                NOT_ALLOWED,
                "this client may run only the operations registered for it, and this "
                f"document (sha256 {checked}) is not one of them",
            )
        return Decision(checked, query, register=False)
    if sha is None:
        if query is None:
            raise PersistedQueryError(400, BAD_EXTENSION, "`query` must be a non-empty string")
        return Decision(None, query, register=False)
    return Decision(sha, query, register=query is not None and register_automatic)


class PersistedQueryStore:
    """The persisted_query and safelist_client tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def text_of(self, sha: str, client_id: str | None) -> str | None:
        """The document registered under `sha`: the client's own if `client_id`, else shared."""
        async with self.engine.connect() as conn:
            if client_id is None:
                statement = text(
                    "SELECT query FROM persisted_query WHERE sha256 = :sha AND client_id IS NULL"
                )
            else:
                statement = text(
                    "SELECT query FROM persisted_query WHERE sha256 = :sha AND client_id = :client"
                )
            row = (await conn.execute(statement, {"sha": sha, "client": client_id})).first()
        return None if row is None else str(row[0])

    async def register_shared(self, sha: str, query: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO persisted_query (sha256, query) VALUES (:sha, :query)"
                    " ON CONFLICT (sha256) WHERE client_id IS NULL DO NOTHING"
                ),
                {"sha": sha, "query": query},
            )

    async def safelists(self) -> dict[str, frozenset[str]]:
        """Every safelist-only client with the hashes registered for it (maybe none)."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT s.client_id, q.sha256 FROM safelist_client s"
                        " LEFT JOIN persisted_query q ON q.client_id = s.client_id"
                    )
                )
            ).all()
        safelists: dict[str, set[str]] = {}
        for client_id, sha in rows:
            hashes = safelists.setdefault(client_id, set())
            if sha is not None:
                hashes.add(sha)
        return {client: frozenset(hashes) for client, hashes in safelists.items()}


async def register_for_client(conn: AsyncConnection, client_id: str, query: str) -> str:
    """Register `query` for `client_id` and make the client safelist-only; returns the hash."""
    sha = sha256_hex(query)
    await conn.execute(
        text(
            "INSERT INTO safelist_client (client_id) VALUES (:client)"
            " ON CONFLICT (client_id) DO NOTHING"
        ),
        {"client": client_id},
    )
    await conn.execute(
        text(
            "INSERT INTO persisted_query (sha256, query, client_id) VALUES (:sha, :query, :client)"
            " ON CONFLICT (client_id, sha256) WHERE client_id IS NOT NULL DO NOTHING"
        ),
        {"sha": sha, "query": query, "client": client_id},
    )
    return sha


class PersistedQueries:
    """What the GraphQL endpoint asks before parsing: which text does this request run?"""

    def __init__(
        self,
        engine: AsyncEngine,
        cache_size: int = 1000,
        *,
        register_automatic: bool = True,
        safelist_ttl: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = PersistedQueryStore(engine)
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size
        self._register_automatic = register_automatic
        self._safelist_ttl = safelist_ttl
        self._clock = clock
        self._safelists: dict[str, frozenset[str]] = {}
        self._safelists_read_at = -float("inf")
        self._safelists_lock = asyncio.Lock()

    async def safelist_of(self, client_id: str | None) -> frozenset[str] | None:
        """The client's registered hashes if it is safelist-only, else None."""
        if client_id is None:
            return None
        if self._clock() - self._safelists_read_at > self._safelist_ttl:
            async with self._safelists_lock:  # one reader refreshes; the others wait for it
                if self._clock() - self._safelists_read_at > self._safelist_ttl:
                    self._safelists = await self.store.safelists()
                    self._safelists_read_at = self._clock()
        return self._safelists.get(client_id)

    def _remember(self, sha: str, query: str) -> None:
        self._cache[sha] = query
        self._cache.move_to_end(sha)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def resolve_query(
        self,
        params_query: str | None,
        extensions: Mapping[str, object] | None,
        client_id: str | None,
    ) -> str:
        """The document text this request runs; raises PersistedQueryError otherwise.

        A request without the extension from a client that is not safelist-only costs nothing
        here beyond the (cached) safelist lookup.
        """
        safelist = await self.safelist_of(client_id)
        try:
            decision = decide(
                params_query or None,
                requested_hash(extensions),
                safelist,
                register_automatic=self._register_automatic,
            )
        except PersistedQueryError:
            metrics.PERSISTED_QUERIES.labels("refused").inc()
            raise
        if decision.query is not None:
            if decision.register and decision.sha is not None:
                if decision.sha not in self._cache:
                    await self.store.register_shared(decision.sha, decision.query)
                    metrics.PERSISTED_QUERIES.labels("registered").inc()
                self._remember(decision.sha, decision.query)
            return decision.query
        assert decision.sha is not None  # decide() returns a query or a hash
        cached = self._cache.get(decision.sha)
        if cached is not None:
            self._cache.move_to_end(decision.sha)
            metrics.PERSISTED_QUERIES.labels("hit").inc()
            return cached
        found = await self.store.text_of(decision.sha, client_id if safelist is not None else None)
        if found is None:
            metrics.PERSISTED_QUERIES.labels("miss").inc()
            raise PersistedQueryError(
                404, NOT_FOUND, "PersistedQueryNotFound", NO_CACHE, json_status=200
            )
        metrics.PERSISTED_QUERIES.labels("hit").inc()
        self._remember(decision.sha, found)
        return found
