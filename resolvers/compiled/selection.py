"""Collecting a selection set for one object type, as graphql-core does, or refusing.

Aliases, named fragments and inline fragments (on the type itself or an interface it
implements) merge into one ordered mapping of response keys, exactly as graphql-core's
field collection merges them, so the compiled JSON has the keys the resolver path would give.
Directives (@skip, @include, anything else) are not compiled: the field falls back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)


class NotCompilable(Exception):
    """The planner does not cover this selection; the root field resolves as today."""


@dataclass(frozen=True)
class Collected:
    """One response key of a selection: the field it names and every node that asked for it."""

    field_name: str
    nodes: tuple[FieldNode, ...]

    def sub_selections(self) -> list[SelectionSetNode]:
        return [node.selection_set for node in self.nodes if node.selection_set is not None]


def _applies(schema: GraphQLSchema, type_name: str | None, object_type: GraphQLObjectType) -> bool:
    if type_name is None or type_name == object_type.name:
        return True
    condition = schema.get_type(type_name)
    return condition is not None and any(i.name == type_name for i in object_type.interfaces)


def collect(
    schema: GraphQLSchema,
    object_type: GraphQLObjectType,
    selection_sets: list[SelectionSetNode],
    fragments: Mapping[str, FragmentDefinitionNode],
) -> dict[str, Collected]:
    """Response key -> the field it names, in document order, fragments merged in."""
    found: dict[str, tuple[str, list[FieldNode]]] = {}
    visited: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompilable("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                entry = found.setdefault(key, (selection.name.value, []))
                entry[1].append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if _applies(schema, condition.name.value if condition else None, object_type):
                    walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = fragments.get(name)
                if fragment is None:
                    raise NotCompilable("unknown fragment")
                if _applies(schema, fragment.type_condition.name.value, object_type):
                    walk(fragment.selection_set)

    for selection_set in selection_sets:
        walk(selection_set)
    return {key: Collected(name, tuple(nodes)) for key, (name, nodes) in found.items()}
