"""A trusted issuer's public keys, fetched from its JWKS address and kept for a while.

Fetched with httpx on first use, reused for `ttl` seconds, fetched again early when a token names
a kid we do not know (the issuer may have rotated), but never more often than once per
`min_refetch` seconds: a stream of tokens with made-up kids must not turn the gateway into a
flood against the issuer. When a fetch fails the keys we had stay in use.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from joserfc import jwk
from joserfc.errors import JoseError

log = logging.getLogger(__name__)

_MAX_JWKS_BYTES = 256 * 1024
_ASYMMETRIC_KEY_TYPES = frozenset({"EC", "OKP", "RSA"})


class JwksUnavailable(Exception):
    """The issuer's JWKS could not be fetched and no earlier copy is at hand."""


def public_keys(document: object) -> dict[str, jwk.Key]:
    """The usable signature keys of a JWKS document, by kid.

    Symmetric ("oct") keys are dropped: published, they would be a shared secret anyone can
    read. Keys without a kid, encryption keys and anything carrying private parts are dropped
    too; a malformed key is skipped rather than spoiling the rest.
    """
    keys: dict[str, jwk.Key] = {}
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return keys
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if (
            not isinstance(kid, str)
            or not kid
            or entry.get("kty") not in _ASYMMETRIC_KEY_TYPES
            or entry.get("use", "sig") != "sig"
            or "d" in entry
        ):
            continue
        try:
            keys[kid] = jwk.import_key(entry)
        except (JoseError, ValueError, TypeError):
            log.warning("skipping malformed key %r in a JWKS", kid)
    return keys


class RemoteJwks:
    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        ttl: float,
        min_refetch: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._http = http
        self._ttl = ttl
        self._min_refetch = min_refetch
        self._clock = clock
        self._keys: dict[str, jwk.Key] | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()

    def has(self, kid: str) -> bool:
        """Whether `kid` is among the keys in hand (no fetch): for tokens verified earlier."""
        return self._keys is not None and kid in self._keys

    async def key(self, kid: str) -> jwk.Key | None:
        """The key named `kid`, fetching the JWKS when it is stale or lacks the kid."""
        if self._keys is None or self._clock() >= self._fetched_at + self._ttl:
            await self._refresh(force=False)
        if self._keys is not None and kid not in self._keys:
            await self._refresh(force=True)
        if self._keys is None:
            raise JwksUnavailable(self.url)
        return self._keys.get(kid)

    async def _refresh(self, *, force: bool) -> None:
        observed = self._attempted_at
        async with self._lock:
            if self._attempted_at != observed:
                return  # another request fetched while this one waited: use its result
            now = self._clock()
            stale = self._keys is None or now >= self._fetched_at + self._ttl
            # every fetch counts against the limit, failed ones too: an issuer that is down
            # is not asked again on each request
            if not (stale or force) or now < self._attempted_at + self._min_refetch:
                return
            self._attempted_at = now
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError) as error:
                log.warning("could not fetch the JWKS at %s: %s", self.url, error)
                return
            self._keys = keys
            self._fetched_at = now

    async def _fetch(self) -> dict[str, jwk.Key]:
        response = await self._http.get(self.url, headers={"Accept": "application/json"})
        response.raise_for_status()
        if len(response.content) > _MAX_JWKS_BYTES:
            raise ValueError("the JWKS is larger than 256 KiB")
        document: Any = response.json()
        return public_keys(document)
