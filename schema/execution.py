"""A graphql-core executor with a shortcut for plain leaf fields of our objects.

graphql-core resolves every field the same way: build a resolve-info tuple, call the resolver,
check for awaitables, complete the value. A directory page has ~800 fields, most of them a
scalar read straight off a row's attribute, and that machinery is most of the request's CPU.
For fields whose resolver is one of ours that only reads an attribute (schema/enforcement.py
marks them) and whose type is a scalar or enum, the value is read and serialised here directly.
Anything unusual (a masked field, a null in a non-null field, a serialisation error) falls back
to the standard path, which then produces exactly the standard error and nulling.
"""

from __future__ import annotations

from typing import Any

from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined, UndefinedType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.enforcement import LeafRead


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: Any,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any | UndefinedType:
        first = field_details_list[0].node
        field_def = parent_type.fields.get(first.name.value)
        read = getattr(field_def.resolve, "leaf_read", None) if field_def is not None else None
        if read is None or first.arguments:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        shortcut = _read(read, source, first.name.value)
        if shortcut is Undefined:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        return shortcut


class ClosedIntrospectionExecutionContext(FastExecutionContext):
    """Production's executor: `__type(name:)` finds no type, whatever the name
    (gateway/introspection.py says why it answers rather than refuses)."""

    def execute_field(
        self,
        parent_type: Any,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any | UndefinedType:
        if field_details_list[0].node.name.value == "__type":
            return None
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


def _read(read: LeafRead, source: Any, field_name: str) -> Any:
    """The serialised value, or Undefined when the standard path must decide."""
    if read.masked:
        masked = getattr(source, "masked_fields", None)
        if masked is None or field_name in masked:
            return Undefined
    value = getattr(source, read.python_name, Undefined)
    if value is None:
        return None if read.nullable else Undefined
    if value is Undefined:
        return Undefined
    try:
        serialized = read.leaf_type.serialize(value)
    except Exception:
        return Undefined
    return Undefined if serialized is None else serialized
