"""The source contract: a few async methods, `aclose()`, capabilities declared on the class.

A source serves only what its class declares in `capabilities`; every other method raises
UnsupportedOperation. Callers check `Capability.X in source.capabilities` before asking.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import ClassVar

from adapters.errors import SourceError, UnsupportedOperation
from vocabulary.declarations import NATIONAL, SourceDeclarations
from vocabulary.sources import (
    Capability,
    ChangePage,
    DetailPart,
    Health,
    IdentityRecord,
    InsuranceRecord,
    OrganizationRecord,
    PersonDetail,
    SourceKind,
    parse_source_id,
)


class Source(ABC):
    """One source of data: an agency's database or connector, a file drop, a national database.

    Args:
        source_id: `VN:GOV:<agency code>:<subsystem>`.
        owner: electronic code of the root of the organisation subtree whose people this source
            holds (None for national databases that hold everyone).
    """

    kind: ClassVar[SourceKind]
    capabilities: ClassVar[frozenset[Capability]]
    # how its values are written (the sources file's `values`); the national lists and ISO dates
    # for a source that declares nothing
    declarations: SourceDeclarations = NATIONAL

    def __init__(self, source_id: str, owner: str | None) -> None:
        parse_source_id(source_id)
        self.id = source_id
        self.owner = owner

    def declare(self, declarations: SourceDeclarations) -> None:
        """Take the source's declarations from the sources file (before the first read)."""
        self.declarations = declarations

    def recent_latency_ms(self) -> float | None:
        """How long its last call took, if anyone measured it (the guard does); None: unknown."""
        return None

    def _unsupported(self, capability: Capability) -> UnsupportedOperation:
        return UnsupportedOperation(
            f"{self.kind} source {self.id} does not offer {capability}", source_id=self.id
        )

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        """Up to `limit` records changed after `cursor` (None: from the beginning)."""
        raise self._unsupported(Capability.CHANGE_FEED)

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        """Details of the people it knows among `personal_ids`; unknown ids are absent."""
        raise self._unsupported(Capability.PERSON_DETAIL)

    async def organizations(self) -> Sequence[OrganizationRecord]:
        raise self._unsupported(Capability.ORGANIZATION_TREE)

    async def identities(self, personal_ids: Sequence[str]) -> Mapping[str, IdentityRecord]:
        raise self._unsupported(Capability.IDENTITY_CHECK)

    async def insurance(self, personal_ids: Sequence[str]) -> Mapping[str, InsuranceRecord]:
        raise self._unsupported(Capability.INSURANCE)

    @abstractmethod
    async def health(self) -> Health:
        """Whether the source answers now, and how fast (`timed_health` of one cheap call)."""

    async def aclose(self) -> None:  # noqa: B027 - sources without resources need no close
        """Release connections and files; the source is unusable afterwards."""

    async def __aenter__(self) -> Source:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


async def timed_health(check: Callable[[], Awaitable[str]]) -> Health:
    """Health from one call: ok with its latency, or not ok with the error's code and message."""
    started = time.perf_counter()
    try:
        detail = await check()
        ok = True
    except SourceError as error:
        detail, ok = f"{error.code}: {error}", False
    elapsed = (time.perf_counter() - started) * 1000.0
    return Health(ok=ok, checked_at=datetime.now(UTC), latency_ms=elapsed, detail=detail)
