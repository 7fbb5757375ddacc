"""The unified GraphQL schema of people and organisations."""

from __future__ import annotations

import strawberry

from schema import enforcement
from schema.organization import Organization
from schema.person import Person
from schema.query import Mutation, Query

schema = strawberry.Schema(query=Query, mutation=Mutation, types=[Person, Organization])
enforcement.install(schema)

__all__ = ["schema"]
