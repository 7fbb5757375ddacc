"""Collecting a selection set for one object type, as graphql-core does, or refusing.

Aliases, named fragments and inline fragments (on the type itself or an interface it
implements) merge into one ordered mapping of response keys, exactly as graphql-core's
field collection merges them, so the compiled JSON has the keys the resolver path would give.
@skip and @include on fields, inline fragments and fragment spreads are decided as
graphql-core's `should_include_node` decides them (its own `get_directive_values`, over the
coerced variables; @skip wins): a node left out is not collected, and a fragment spread left out
does not count as visited, so a later spread of the same fragment still applies. Any other
directive is not compiled: the field falls back.

The decisions depend on the variables, so a plan built from a collected selection holds only
for the same decisions: `conditions` gives every decision in the document, which the planner
puts in the key of its cached plans (resolvers/compiled/planner.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_directive_values

from resolvers.document_memo import DocumentMemo

Selection = FieldNode | InlineFragmentNode | FragmentSpreadNode
DECIDED = frozenset({GraphQLSkipDirective.name, GraphQLIncludeDirective.name})
"""The directives the planner decides; any other one refuses the selection."""


class NotCompilable(Exception):
    """The planner does not cover this selection; the root field resolves as today."""


@dataclass(frozen=True)
class Collected:
    """One response key of a selection: the field it names and every node that asked for it."""

    field_name: str
    nodes: tuple[FieldNode, ...]

    def sub_selections(self) -> list[SelectionSetNode]:
        return [node.selection_set for node in self.nodes if node.selection_set is not None]


def decide(node: Selection, variables: VariableValues | None) -> bool:
    """graphql-core's should_include_node: @skip(if: true) leaves the node out, else
    @include(if: false) does. A condition graphql-core cannot coerce (null for Boolean!)
    raises its GraphQLError."""
    if not node.directives:
        return True
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip and skip["if"]:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include and not include["if"])


def _included(node: Selection, variables: VariableValues | None) -> bool:
    if not node.directives:
        return True
    if any(d.name.value not in DECIDED for d in node.directives):
        raise NotCompilable("directives")
    try:
        return decide(node, variables)
    except GraphQLError:  # the resolver path words it (conditions() has raised it before)
        raise NotCompilable("directive condition") from None


def _conditional(selection_set: SelectionSetNode) -> Iterator[Selection]:
    for selection in selection_set.selections:
        assert isinstance(selection, FieldNode | InlineFragmentNode | FragmentSpreadNode)
        if any(d.name.value in DECIDED for d in selection.directives or ()):
            yield selection
        if not isinstance(selection, FragmentSpreadNode) and selection.selection_set:
            yield from _conditional(selection.selection_set)


def conditions(
    document: DocumentNode, operation: OperationDefinitionNode, variables: VariableValues | None
) -> tuple[bool, ...]:
    """The decision of every @skip/@include in the operation and the document's fragments, in
    document order: with these (and the document) equal, every selection collects equally.
    Raises graphql-core's GraphQLError for a condition it cannot coerce."""

    def found() -> tuple[Selection, ...]:
        sets = [operation.selection_set] + [
            d.selection_set for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        ]
        return tuple(node for s in sets for node in _conditional(s))

    nodes = _CONDITIONAL.get((document, operation), found)
    return tuple(decide(node, variables) for node in nodes)


_CONDITIONAL: DocumentMemo[tuple[Selection, ...]] = DocumentMemo()
"""The conditional nodes of each operation of the cached documents."""


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
    variables: VariableValues | None = None,
) -> dict[str, Collected]:
    """Response key -> the field it names, in document order, fragments merged in and the
    nodes @skip or @include leave out left out."""
    found: dict[str, tuple[str, list[FieldNode]]] = {}
    visited: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            assert isinstance(selection, FieldNode | InlineFragmentNode | FragmentSpreadNode)
            if not _included(selection, variables):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                entry = found.setdefault(key, (selection.name.value, []))
                entry[1].append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if _applies(schema, condition.name.value if condition else None, object_type):
                    walk(selection.selection_set)
            else:
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
