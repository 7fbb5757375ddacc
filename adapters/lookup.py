"""What the national databases' sources share: batched lookups by personal ID over HTTP.

    POST <base_url>/v1/<collection>/lookup {"personal_ids": [...]}   (at most `max_batch` a call)
    GET  <base_url>/v1/health                                       ({"<collection>": count})

A subclass names its collection and how to read one answer; batches of one call run
concurrently, and an answer we cannot read fails the call with SourceProtocolError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from adapters.base import Source, timed_health
from adapters.errors import FatalSourceError
from adapters.http import (
    DEFAULT_TIMEOUT,
    JsonClient,
    check_settings,
    protocol_error,
    setting,
)
from adapters.wiring import NO_WIRING, SourceWiring
from exchange.payload import PayloadError, Reader
from vocabulary.sources import Health

R = TypeVar("R")
MAX_BATCH = 100
SETTINGS = frozenset({"base_url", "timeout_s", "max_batch"})


def batches(personal_ids: Sequence[str], size: int) -> list[list[str]]:
    unique = list(dict.fromkeys(personal_ids))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


class LookupSource(Source, Generic[R]):
    """A national database (it holds everyone: no owner).

    Args:
        base_url: the service's address.
        timeout: seconds one HTTP call may take in all.
        max_batch: personal IDs per call (the services take at most 100).
    """

    collection: ClassVar[str]
    """The service's name for what it holds: the lookup path and the health count."""

    def __init__(
        self,
        source_id: str,
        base_url: str,
        *,
        owner: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_batch: int = MAX_BATCH,
    ) -> None:
        super().__init__(source_id, owner)
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError(f"max_batch must be from 1 to {MAX_BATCH}")
        self.max_batch = max_batch
        self.http = JsonClient(source_id, base_url, timeout=timeout)

    def parse(self, payload: object, asked: Sequence[str]) -> dict[str, R]:
        raise NotImplementedError

    async def lookup(self, personal_ids: Sequence[str]) -> dict[str, R]:
        found: dict[str, R] = {}
        for result in await asyncio.gather(
            *(self._lookup(batch) for batch in batches(personal_ids, self.max_batch))
        ):
            found.update(result)
        return found

    async def _lookup(self, personal_ids: list[str]) -> dict[str, R]:
        path = f"v1/{self.collection}/lookup"
        payload = await self.http.post(path, {"personal_ids": personal_ids})
        try:
            return self.parse(payload, personal_ids)
        except PayloadError as error:
            raise protocol_error(error, self.id) from error

    async def health(self) -> Health:
        async def check() -> str:
            payload = await self.http.get("v1/health")
            try:
                count = Reader(payload).field(self.collection).integer(minimum=0)
            except PayloadError as error:
                raise protocol_error(error, self.id) from error
            return f"{count} {self.collection}"

        return await timed_health(check)

    async def aclose(self) -> None:
        await self.http.aclose()


def settings_reader(
    kind: str, source: Callable[..., Source]
) -> Callable[[Mapping[str, Any], SourceWiring], Source]:
    """`from_settings` for a lookup source: {id, kind, base_url, owner?, timeout_s?, max_batch?}."""

    def from_settings(settings: Mapping[str, Any], wiring: SourceWiring = NO_WIRING) -> Source:
        check_settings(settings, kind, SETTINGS)
        try:
            return source(
                setting(settings, "id", str),
                setting(settings, "base_url", str),
                owner=setting(settings, "owner", str, None),
                timeout=setting(settings, "timeout_s", float, DEFAULT_TIMEOUT),
                max_batch=setting(settings, "max_batch", int, MAX_BATCH),
            )
        except ValueError as error:  # a malformed id or batch size
            raise FatalSourceError(str(error)) from error

    return from_settings
