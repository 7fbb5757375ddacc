"""Parsed and validated GraphQL documents, cached per process.

Portals send the same few operations over and over; parsing and validating each once per process
takes both off the hot path. Validation depends only on the schema and the document, so its
result is cached with the parse.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    specified_rules,
    validate,
    visit,
)


@dataclass(frozen=True)
class CheckedDocument:
    document: DocumentNode | None
    syntax_error: GraphQLError | None = None
    validation_errors: tuple[GraphQLError, ...] = ()
    requested: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """type -> the fields the document selects on it, through any alias, fragment or path."""


class _FieldCollector(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.fields: dict[str, set[str]] = {}

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None and not node.name.value.startswith("__"):
            self.fields.setdefault(get_named_type(parent).name, set()).add(node.name.value)


def requested_fields(schema: GraphQLSchema, document: DocumentNode) -> Mapping[str, frozenset[str]]:
    """Every (type, field) a valid document can resolve; the policy checks these once."""
    type_info = TypeInfo(schema)
    collector = _FieldCollector(type_info)
    visit(document, TypeInfoVisitor(type_info, collector))
    return MappingProxyType({name: frozenset(f) for name, f in collector.fields.items()})


class DocumentCache:
    """A least-recently-used map from query text to its checked document."""

    def __init__(
        self,
        schema: GraphQLSchema,
        size: int,
        *,
        rules: Sequence[type[ASTValidationRule]] = (),
        max_tokens: int | None = None,
        hide_suggestions: bool = False,
    ) -> None:
        self._schema = schema
        self._size = size
        # graphql-core's rules plus ours (production: no introspection)
        self._rules = [*specified_rules, *rules] if rules else None
        # the parser stops at this many tokens: an enormous document costs no more than that
        self._max_tokens = max_tokens
        # production: graphql-core leaves "Did you mean ...?" out of its validation messages
        self._hide_suggestions = hide_suggestions
        self._entries: OrderedDict[str, CheckedDocument] = OrderedDict()

    def get(self, query: str) -> CheckedDocument:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            return entry
        entry = self._check(query)
        self._entries[query] = entry
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entry

    def _check(self, query: str) -> CheckedDocument:
        try:
            document = parse(query, max_tokens=self._max_tokens)
        except GraphQLError as error:
            return CheckedDocument(document=None, syntax_error=error)
        errors = validate(
            self._schema, document, self._rules, hide_suggestions=self._hide_suggestions
        )
        if errors:
            return CheckedDocument(document=document, validation_errors=tuple(errors))
        return CheckedDocument(
            document=document, requested=requested_fields(self._schema, document)
        )
