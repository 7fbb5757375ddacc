"""The query root."""

from __future__ import annotations

import strawberry

from resolvers import global_id
from resolvers import organizations as org_resolvers
from resolvers import people as people_resolvers
from resolvers.context import Context
from schema.node import Node
from schema.organization import Organization, OrganizationConnection, OrganizationFilter
from schema.person import Person, PersonConnection, PersonFilter

Info = strawberry.Info[Context, None]


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, key = global_id.decode(id)
        if type_name == "Person":
            return await _person(info, key)
        if type_name == "Organization":
            return await _organization(info, key)
        return None

    @strawberry.field(description="A person by global id.")
    async def person(self, info: Info, id: strawberry.ID) -> Person | None:
        return await _person(info, global_id.decode_as("Person", id))

    @strawberry.field(
        description="The directory of people, in order of given name then family name."
    )
    async def persons(
        self,
        info: Info,
        filter: PersonFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PersonConnection:
        people = await people_resolvers.resolve_filter(
            info.context, (filter or PersonFilter()).to_query()
        )
        page = await people_resolvers.directory_page(
            info.context, people, first=first, after=after, last=last, before=before
        )
        return PersonConnection.of(page, people, info.context)

    @strawberry.field(description="An organisation by electronic code, e.g. 000.00.00.G09.")
    async def organization(self, info: Info, code: str) -> Organization | None:
        row = await info.context.loaders.organization_by_code.load(code)
        return None if row is None else Organization.from_row(row, info.context)

    @strawberry.field(description="Organisations by electronic code.")
    async def organizations(
        self,
        info: Info,
        filter: OrganizationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> OrganizationConnection:
        orgs = await org_resolvers.resolve_filter(
            info.context, (filter or OrganizationFilter()).to_query()
        )
        page = await org_resolvers.page(
            info.context, orgs, first=first, after=after, last=last, before=before
        )
        return OrganizationConnection.of(page, orgs, info.context)


async def _person(info: Info, key: int) -> Person | None:
    row = await people_resolvers.by_id(info.context, key)
    return None if row is None else Person.from_row(row, info.context)


async def _organization(info: Info, key: int) -> Organization | None:
    row = await info.context.loaders.organization_by_id.load(key)
    return None if row is None else Organization.from_row(row, info.context)
