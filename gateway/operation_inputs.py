"""Every input value of one operation, checked against gateway/input_bounds.py before execution.

The walk follows the selected operation through its fragments, and for each argument takes the
value graphql-core will hand the resolver (literals and variables alike, a `\\u0000` escape in
the document included), then descends through lists and input objects to the leaves. Values
that do not coerce are left alone: execution then reports them as it always has.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    value_from_ast,
)
from graphql.execution.values import VariableValues, get_variable_values

from gateway.input_bounds import value_problem
from resolvers.document_memo import DocumentMemo


@dataclass(frozen=True)
class InputProblem:
    argument: str
    """The argument's path from the field: `filter.name`, `after`."""
    field: str
    message: str

    @property
    def error(self) -> dict[str, Any]:
        return {
            "message": f"`{self.argument}` of `{self.field}` {self.message}",
            "extensions": {"code": "BAD_USER_INPUT", "argument": self.argument},
        }


def _fields(
    schema: GraphQLSchema,
    parent: GraphQLObjectType | None,
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[tuple[GraphQLObjectType, FieldNode]]:
    """(parent type, field node) of every field the operation can select."""
    if selections is None:
        return
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if parent is None or selection.name.value not in parent.fields:
                continue  # __typename and meta fields: no arguments of ours
            yield parent, selection
            child = get_named_type(parent.fields[selection.name.value].type)
            if selection.selection_set is not None:
                yield from _fields(
                    schema,
                    _object(schema, child.name, parent),
                    selection.selection_set,
                    fragments,
                    seen,
                )
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = _object(schema, condition.name.value, parent) if condition else parent
            yield from _fields(schema, target, selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue  # arguments do not depend on where a fragment is spread: check once
            seen.add(name)
            target = _object(schema, fragment.type_condition.name.value, parent)
            yield from _fields(schema, target, fragment.selection_set, fragments, seen)


def _object(
    schema: GraphQLSchema, name: str, fallback: GraphQLObjectType | None
) -> GraphQLObjectType | None:
    """The object type a selection runs on; for an interface, every implementation shares the
    interface's fields, so its own field map serves (GraphQLInterfaceType has `fields` too)."""
    found = schema.get_type(name)
    return found if hasattr(found, "fields") else fallback  # type: ignore[return-value]


def _leaves(type_: GraphQLInputType, value: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """(path, name, value) of every leaf of a coerced input value."""
    if value is None or value is Undefined:
        return
    if isinstance(type_, GraphQLNonNull):
        yield from _leaves(type_.of_type, value, path)
    elif isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for item in items:
            yield from _leaves(type_.of_type, item, path)
    elif isinstance(type_, GraphQLInputObjectType):
        if not isinstance(value, Mapping):
            return
        for name, field in type_.fields.items():
            yield from _leaves(field.type, value.get(field.out_name or name), f"{path}.{name}")
    else:
        yield path, path.rsplit(".", 1)[-1], value


_Sites = tuple[tuple[str, tuple[tuple[ArgumentNode, GraphQLArgument], ...]], ...]


def _argument_sites(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> _Sites:
    """(field name, its arguments with their definitions) of every field of the operation that
    has any; found once per operation of a cached document (resolvers/document_memo.py)."""

    def found() -> _Sites:
        sites: list[tuple[str, tuple[tuple[ArgumentNode, GraphQLArgument], ...]]] = []
        for parent, node in _fields(
            schema,
            schema.get_root_type(operation.operation),
            operation.selection_set,
            fragments,
            set(),
        ):
            definition = parent.fields[node.name.value]
            arguments = tuple(
                (argument, definition.args[argument.name.value])
                for argument in node.arguments or ()
                if argument.name.value in definition.args
            )
            if arguments:
                sites.append((node.name.value, arguments))
        return tuple(sites)

    return _SITES.get((operation,), found)


_SITES: DocumentMemo[_Sites] = DocumentMemo()


def input_problem(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
    *,
    coerced: VariableValues | list[GraphQLError] | None = None,
) -> InputProblem | None:
    """The first input value of `operation` the store cannot take, or None. `coerced`: the
    variables as graphql-core's get_variable_values coerced them, when the caller has them."""
    if coerced is None:
        coerced = get_variable_values(
            schema, operation.variable_definitions or (), dict(variables or {})
        )
    if isinstance(coerced, list):
        return None  # execution reports the variables that do not coerce, as before
    values = coerced.coerced
    for field_name, arguments in _argument_sites(schema, operation, fragments):
        for argument, argument_def in arguments:
            try:
                value = value_from_ast(argument.value, argument_def.type, values)
            except GraphQLError:
                continue
            for path, leaf, item in _leaves(argument_def.type, value, argument.name.value):
                message = value_problem(leaf, item)
                if message is not None:
                    return InputProblem(path, field_name, message)
    return None
