"""What every resolver of one request can reach, typed (never a dict)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Source
from resolvers.access import Access
from resolvers.dossier import DossierLoaders
from resolvers.live import DETAIL_FIELDS, LiveLoaders
from resolvers.loaders import Loaders, fetch
from resolvers.options import ResolverOptions
from resolvers.pagination import PageRequest, page_request
from resolvers.reference import Reference
from resolvers.scope import ScopeCache
from store.queries import consents


@dataclass
class Context:
    engine: AsyncEngine
    options: ResolverOptions
    """Page sizes and the statistics' minimum count, from the gateway's Settings."""
    reference: Reference
    access: Access
    request_id: str = ""
    sources: Mapping[str, Source] = field(default_factory=dict)
    scopes: ScopeCache | None = None
    """Organisation subtrees by code, shared by the requests of this process."""
    organizations: dict[int, Row[Any]] = field(default_factory=dict)
    """Organisations of the people on this request's pages, fetched with the page."""
    organization_objects: dict[int, Any] = field(default_factory=dict)
    """Organization objects already built in this request (schema/organization.py)."""

    # The loaders are made when a resolver first asks for them: a request answered by the
    # compiled statements alone (resolvers/compiled) never does, and making their ten
    # DataLoaders cost it more than the policy's checks.
    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.engine)

    @cached_property
    def dossier(self) -> DossierLoaders:
        """The dossier's lists per person (resolvers/dossier.py)."""
        return DossierLoaders(self.engine)

    @cached_property
    def live(self) -> LiveLoaders:
        requested = self.access.requested.get("Person", frozenset())
        parts = frozenset(part for name, part in DETAIL_FIELDS.items() if name in requested)
        return LiveLoaders(self.sources, parts)

    def page_request(
        self,
        *,
        first: int | None,
        after: str | None,
        last: int | None = None,
        before: str | None = None,
    ) -> PageRequest:
        """Relay's arguments checked against this gateway's page sizes."""
        return page_request(
            first=first,
            after=after,
            last=last,
            before=before,
            default_size=self.options.default_page_size,
            max_size=self.options.max_page_size,
        )

    async def visible_people(self, rows: Sequence[Row[Any]]) -> Sequence[Row[Any]]:
        """Every person row on its way to a response passes here, once.

        Loads the consents that widen what the caller sees of these people (one statement
        per page, and only for callers whose token carries purposes); the per-row masking
        itself happens where a row becomes a Person (schema/person.py).
        """
        caller = self.access.caller
        if caller.organization and caller.purposes and self.access.consent_matters():
            unknown = [row.id for row in rows if row.id not in self.access.consent_checked]
            if unknown:
                statement = consents.active(caller.organization, sorted(caller.purposes), unknown)
                found = await fetch(self.engine, statement)
                self.access.consented_people.update(row.person_id for row in found)
                self.access.consent_checked.update(unknown)
        return rows

    async def prefetch_organizations(self, rows: Sequence[Row[Any]]) -> None:
        """Fetch the organisations of a page's people in one batch, if the operation shows them.

        Person.organization then answers from memory: no coroutine per row.
        """
        if "organization" not in self.access.requested.get("Person", ()):
            return
        wanted = list(
            dict.fromkeys(
                r.organization_id for r in rows if r.organization_id not in self.organizations
            )
        )
        if wanted:
            found = await self.loaders.organization_by_id.load_many(wanted)
            self.organizations.update((row.id, row) for row in found if row is not None)
