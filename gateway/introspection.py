"""Introspection in production: the schema is not disclosed, type lookups find nothing.

`__schema` fails validation ("GraphQL introspection has been disabled"), as graphql-core's own
rule does. `__type(name:)` is not refused but answered with `null` for every name (the
executor's side is schema/execution.py's ClosedIntrospectionExecutionContext): the
GraphQL-over-HTTP spec's conformance audit requires a variables-bearing `__type` query to
execute without errors, and a lookup that always finds nothing tells a caller no more than a
refusal does. `__typename` stays, as clients need it for unions and caching.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError
from graphql.validation import ValidationRule


class NoSchemaIntrospection(ValidationRule):
    """Refuses `__schema`, wherever it is asked for (aliases and fragments included: the rule
    sees every field node)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value == "__schema":
            self.report_error(
                GraphQLError(
                    "GraphQL introspection has been disabled, but the requested query"
                    f" contained the field '{node.name.value}'.",
                    node,
                )
            )
