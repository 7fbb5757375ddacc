"""Organization: a node of the national organisation tree."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from sqlalchemy import Row

from resolvers import global_id
from resolvers import organizations as org_resolvers
from resolvers import people as people_resolvers
from resolvers.context import Context
from resolvers.pagination import Page
from schema.connection import Connection, PageInfo, edges_of
from schema.enums import (
    LEVELS,
    ORGANIZATION_STATUSES,
    OrganizationLevel,
    OrganizationStatus,
)
from schema.node import Node
from schema.person import PersonConnection, PersonFilter
from store.queries.organizations import OrganizationsFilter
from store.queries.people import PeopleFilter

Info = strawberry.Info[Context, None]


@strawberry.type(description="An agency or unit; the tree runs from the Government down.")
class Organization(Node):
    code: str = strawberry.field(description="Electronic agency code, e.g. 000.00.00.G09.")
    name: str
    short_name: str | None
    level: OrganizationLevel
    administrative_unit_code: str | None = strawberry.field(
        description="Province (2 digits) or commune (5 digits) code, for local government."
    )
    status: OrganizationStatus
    established_on: date | None
    status_changed_on: date | None = strawberry.field(
        description="When it was merged or dissolved; null while active."
    )
    depth: int = strawberry.field(description="0 for a root of the tree.")
    row: strawberry.Private[Row[Any]]
    masked_fields: strawberry.Private[frozenset[str]]

    @classmethod
    def from_row(cls, row: Row[Any], context: Context) -> Organization:
        """One object per organisation per request: fifty people of one unit share it."""
        found = context.organization_objects.get(row.id)
        if found is None:
            found = cls._build(row, context)
            context.organization_objects[row.id] = found
        return found

    @classmethod
    def _build(cls, row: Row[Any], context: Context) -> Organization:
        return cls(
            masked_fields=context.access.organization_masks(row.id),
            id=strawberry.ID(global_id.encode("Organization", row.id)),
            code=row.code,
            name=row.name,
            short_name=row.short_name,
            level=LEVELS[row.level],
            administrative_unit_code=row.administrative_unit_code,
            status=ORGANIZATION_STATUSES[row.status],
            established_on=row.established_on,
            status_changed_on=row.status_changed_on,
            depth=row.depth,
            row=row,
        )

    @strawberry.field
    async def parent(self, info: Info) -> Organization | None:
        if self.row.parent_id is None:
            return None
        row = await info.context.loaders.organization_by_id.load(self.row.parent_id)
        return None if row is None else Organization.from_row(row, info.context)

    @strawberry.field(description="The organisation that took over after a merger.")
    async def successor(self, info: Info) -> Organization | None:
        if self.row.successor_id is None:
            return None
        row = await info.context.loaders.organization_by_id.load(self.row.successor_id)
        return None if row is None else Organization.from_row(row, info.context)

    @strawberry.field(description="Direct subordinate organisations, by code.")
    async def children(self, info: Info) -> list[Organization]:
        rows = await info.context.loaders.children.load(self.row.id)
        return [Organization.from_row(row, info.context) for row in rows]

    @strawberry.field(description="From the root of the tree down to the parent.")
    async def ancestors(self, info: Info) -> list[Organization]:
        rows = await org_resolvers.ancestors(info.context, self.row.path)
        return [Organization.from_row(row, info.context) for row in rows]

    @strawberry.field(
        description="The organisation's own staff in directory order (for a whole subtree, "
        "use Query.persons with filter.organization). Pages forward only."
    )
    async def persons(
        self,
        info: Info,
        filter: PersonFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> PersonConnection:
        query = (filter or PersonFilter()).to_query()
        people = await people_resolvers.resolve_filter(
            info.context,
            people_resolvers.PeopleQuery(
                name=query.name,
                categories=query.categories,
                grade_codes=query.grade_codes,
                statuses=query.statuses,
            ),
            staff_of=self.row.id,
        )
        page = await people_resolvers.staff_page(
            info.context, self.row.id, people, first=first, after=after
        )
        return PersonConnection.of(
            page,
            PeopleFilter(
                organization_ids=(self.row.id,),
                name_query=people.name_query,
                categories=people.categories,
                grade_codes=people.grade_codes,
                statuses=people.statuses,
            ),
            info.context,
        )


@strawberry.type
class OrganizationConnection(Connection[Organization]):
    orgs: strawberry.Private[OrganizationsFilter]

    @classmethod
    def of(
        cls, page: Page[Row[Any]], orgs: OrganizationsFilter, context: Context
    ) -> OrganizationConnection:
        return cls(
            edges=edges_of(page, lambda row: Organization.from_row(row, context)),
            page_info=PageInfo.of(page),
            orgs=orgs,
        )

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await org_resolvers.count(info.context, self.orgs)


@strawberry.input
class OrganizationFilter:
    levels: list[OrganizationLevel] | None = None
    statuses: list[OrganizationStatus] | None = None
    parent_code: str | None = strawberry.field(default=None, description="Direct children of.")
    within_code: str | None = strawberry.field(
        default=None, description="The subtree of this organisation, itself included."
    )
    search: str | None = strawberry.field(
        default=None, description="Words of the name or code, ignoring diacritics and case."
    )

    def to_query(self) -> org_resolvers.OrganizationsQuery:
        return org_resolvers.OrganizationsQuery(
            levels=None if self.levels is None else tuple(v.value for v in self.levels),
            statuses=None if self.statuses is None else tuple(v.value for v in self.statuses),
            parent_code=self.parent_code,
            within_code=self.within_code,
            search=self.search,
        )
