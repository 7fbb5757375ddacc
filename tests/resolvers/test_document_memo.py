"""Values derived from a parsed document are remembered by its identity, not its value."""

from __future__ import annotations

from graphql import parse

from resolvers.document_memo import DocumentMemo


def test_a_document_is_walked_once_and_an_equal_one_apart() -> None:
    memo: DocumentMemo[str] = DocumentMemo()
    walks: list[str] = []

    def walk(name: str) -> str:
        walks.append(name)
        return name

    first, equal = parse("{ persons { totalCount } }"), parse("{ persons { totalCount } }")
    assert first == equal  # graphql-core compares nodes field by field
    assert memo.get((first,), lambda: walk("first")) == "first"
    assert memo.get((first,), lambda: walk("again")) == "first"
    assert memo.get((equal,), lambda: walk("equal")) == "equal"
    assert walks == ["first", "equal"]


def test_past_its_size_it_forgets_and_walks_again() -> None:
    memo: DocumentMemo[int] = DocumentMemo(max_entries=2)
    documents = [parse(f"{{ a{i} }}") for i in range(3)]
    for index, document in enumerate(documents):
        memo.get((document,), lambda index=index: index)
    assert memo.get((documents[2],), lambda: -1) == 2
    assert memo.get((documents[0],), lambda: -1) == -1
