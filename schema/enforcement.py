"""Per-row masking built into the field resolvers of the types masked row by row, and the
`operations` check built into the resolvers of the root fields.

Rows carry the names of their masked fields (`masked_fields`); a masked field raises FORBIDDEN,
so it is null with one error at its path. Checking in the resolvers of those types alone (not
in a middleware around every field of every type) keeps the cost to one set lookup per field of
a row, and nothing elsewhere. Fields without a resolver of their own also read their attribute
directly here, skipping two layers of strawberry's generic wrapper: the directory page resolves
hundreds of such fields per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    default_field_resolver,
)
from strawberry.schema import Schema
from strawberry.types.field import StrawberryField

from policies.document import ROOT_TYPES, ROW_TYPES
from resolvers.access import ForbiddenError

Resolver = Callable[..., Any]
DEFINITION = "strawberry-definition"


@dataclass(frozen=True)
class LeafRead:
    """How schema/execution.py may read a plain scalar field without graphql-core's machinery."""

    python_name: str
    leaf_type: GraphQLScalarType | GraphQLEnumType
    nullable: bool
    masked: bool


def _attribute(python_name: str) -> Resolver:
    def resolve(source: Any, info: Any, **kwargs: Any) -> Any:
        return getattr(source, python_name)

    return resolve


def _operation(root: str, resolve: Resolver) -> Resolver:
    """A root field the policy's `operations` do not grant this caller: FORBIDDEN, at its path.

    The caller's allowed root fields are a set compiled once per caller (policies/engine.py),
    so the check is one set lookup per root field of the operation."""

    def checked_resolve(parent: Any, info: Any, /, **kwargs: Any) -> Any:
        access = info.context.access
        if not access.may_call(root, info.field_name):
            raise ForbiddenError(
                f"`{info.field_name}` is not open to the {access.caller.level.value} level",
                rule="operations",
            )
        return resolve(parent, info, **kwargs)

    return checked_resolve


def _has_masks(graphql_type: GraphQLObjectType) -> bool:
    """Types masked row by row, and code lists that mask what they would give away."""
    if graphql_type.name in ROW_TYPES:
        return True
    definition = (graphql_type.extensions or {}).get(DEFINITION)
    origin = getattr(definition, "origin", None)
    return "masked_fields" in getattr(origin, "__dataclass_fields__", {})


def _masked(resolve: Resolver) -> Resolver:
    def masked_resolve(source: Any, info: Any, **kwargs: Any) -> Any:
        if info.field_name in source.masked_fields:
            raise ForbiddenError()
        return resolve(source, info, **kwargs)

    return masked_resolve


def _leaf_read(field: GraphQLField, python_name: str, masked: bool) -> LeafRead | None:
    graphql_type = field.type
    nullable = not isinstance(graphql_type, GraphQLNonNull)
    if not nullable:
        graphql_type = graphql_type.of_type  # type: ignore[union-attr]
    if not isinstance(graphql_type, GraphQLScalarType | GraphQLEnumType) or field.args:
        return None
    return LeafRead(python_name, graphql_type, nullable, masked)


def _basic(field: GraphQLField) -> StrawberryField | None:
    definition = (field.extensions or {}).get(DEFINITION)
    if (
        isinstance(definition, StrawberryField)
        and definition.base_resolver is None
        and not definition.extensions
        and definition.is_basic_field
    ):
        return definition
    return None


def install(schema: Schema) -> None:
    """Rewrite the resolvers of the executable schema once, at start-up."""
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field in graphql_type.fields.values():
            basic = _basic(field)
            if basic is not None:
                field.resolve = _attribute(basic.python_name)
            masked = _has_masks(graphql_type)
            if name in ROOT_TYPES:
                field.resolve = _operation(name, field.resolve or default_field_resolver)
            if masked and field.resolve is not None:
                field.resolve = _masked(field.resolve)
            if basic is not None and field.resolve is not None:
                field.resolve.leaf_read = _leaf_read(field, basic.python_name, masked)
