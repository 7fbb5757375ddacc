"""Parsed and validated GraphQL documents, cached per process.

Portals send the same few operations over and over; parsing and validating each once per process
takes both off the hot path. Validation depends only on the schema and the document, so its
result is cached with the parse.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate


@dataclass(frozen=True)
class CheckedDocument:
    document: DocumentNode | None
    syntax_error: GraphQLError | None = None
    validation_errors: tuple[GraphQLError, ...] = ()


class DocumentCache:
    """A least-recently-used map from query text to its checked document."""

    def __init__(self, schema: GraphQLSchema, size: int) -> None:
        self._schema = schema
        self._size = size
        self._entries: OrderedDict[str, CheckedDocument] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, query: str) -> CheckedDocument:
        entry = self._entries.get(query)
        if entry is not None:
            self.hits += 1
            self._entries.move_to_end(query)
            return entry
        self.misses += 1
        entry = self._check(query)
        self._entries[query] = entry
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entry

    def _check(self, query: str) -> CheckedDocument:
        try:
            document = parse(query)
        except GraphQLError as error:
            return CheckedDocument(document=None, syntax_error=error)
        errors = validate(self._schema, document)
        return CheckedDocument(document=document, validation_errors=tuple(errors))
