"""What is derived once from a parsed document, remembered by the document's identity.

gateway/documents.py keeps one parsed document per query text, so a walk over a document's
nodes (its @skip/@include nodes, its argument-bearing fields) need run only once per document,
not per request. Not keyed by value: graphql-core's nodes are frozen dataclasses, equal and
hashed field by field all the way down, so a dict keyed by them would hash the whole tree on
every lookup, and two documents of equal operations but different fragments would share an
entry. The nodes are held while their entry lives, so an identity is never reused meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class DocumentMemo(Generic[V]):
    """Values derived from AST nodes, by the identity of those nodes (at most `max_entries`;
    forgotten all at once past that, as the documents they came from are)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._max_entries = max_entries
        self._entries: dict[tuple[int, ...], tuple[tuple[object, ...], V]] = {}

    def get(self, nodes: tuple[object, ...], derive: Callable[[], V]) -> V:
        """The value derived from `nodes`, derived now if it is not remembered."""
        key = tuple(map(id, nodes))
        known = self._entries.get(key)
        if known is not None and all(a is b for a, b in zip(known[0], nodes, strict=True)):
            return known[1]
        value = derive()
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (nodes, value)
        return value
