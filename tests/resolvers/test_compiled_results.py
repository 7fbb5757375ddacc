"""The compiled statement's text passed on as it is (resolvers/compiled/results.passed_through):
only when nothing in it needs the walk, and then with exactly the statement's own keys gone."""

from __future__ import annotations

import orjson
import pytest
from graphql import FieldNode, NameNode

from resolvers.compiled.results import (
    Finished,
    Guarded,
    Merged,
    Shape,
    finish,
    live_calls,
    passed_through,
)

NODE = FieldNode(name=NameNode(value="personalId"))


def page(*people: tuple[int, int, str]) -> bytes:
    """A connection's text as PostgreSQL writes it: (person id, mask key, full name) rows."""
    edges = ", ".join(
        f'{{"node" : {{"fullName" : {orjson.dumps(name).decode()}, "__k" : {key}, '
        f'"__p" : {person}}}}}'
        for person, key, name in people
    )
    return f'{{"edges" : [{edges}]}}'.encode()


def person_page_shape(*masked_keys: int) -> Shape:
    person = Shape(person=True, type_name="Person")
    if masked_keys:
        person.guarded.append(Guarded("personalId", frozenset(masked_keys), (NODE,)))
    edges = Shape(children=[("node", person)], is_list=True)
    return Shape(children=[("edges", edges)])


def walked(text: bytes, shape: Shape) -> tuple[object, list[tuple[int, int]], int]:
    value = orjson.loads(text)
    out = Finished()
    finish(value, shape, ["persons"], out)
    return value, out.people, len(out.errors)


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Văn An",
        'x, "__k" : 6, "__p" : 1',  # a value that spells the statement's keys: quotes escaped
        "__k",
        "",
    ],
)
def test_what_passes_is_what_the_walk_would_send(name: str) -> None:
    text = page((11, 2, name), (12, 4, "Trần Thị Bình"))
    shape = person_page_shape(6)
    passed = passed_through(text, shape)
    assert passed is not None
    stripped, people = passed
    value, walked_people, errors = walked(text, shape)
    assert orjson.loads(stripped) == value
    assert sorted(people) == sorted(walked_people) == [(11, 2), (12, 4)]
    assert errors == 0


def test_a_row_whose_key_hides_a_selected_field_needs_the_walk() -> None:
    text = page((11, 2, "An"), (12, 6, "Bình"))
    assert passed_through(text, person_page_shape(6)) is None
    assert walked(text, person_page_shape(6))[2] == 1  # the walk words its FORBIDDEN error


@pytest.mark.parametrize(
    "shape",
    [
        Shape(merged=[Merged("history", (NODE,))], type_name="Person", person=True),
        Shape(cursor_checked=(NODE,)),
        Shape(children=[("lists", Shape(cursor_checked=(NODE,)))]),
    ],
    ids=["merged fields", "a dossier list's cursor", "a cursor below"],
)
def test_merged_fields_and_cursor_checks_need_the_walk(shape: Shape) -> None:
    assert passed_through(page((11, 2, "An")), shape) is None


@pytest.mark.parametrize(
    "text",
    [
        b'{"edges" : [{"node" : {"fullName" : "An", "__k" : null, "__p" : 11}}]}',
        b'{"node" : {"__k" : 2, "fullName" : "An", "__p" : 11}}',
        b'{"node" : {"fullName" : "An", "__r" : 3}}',
    ],
    ids=["a null key", "keys in another order", "a row id"],
)
def test_text_written_otherwise_than_expected_needs_the_walk(text: bytes) -> None:
    assert passed_through(text, person_page_shape()) is None


def test_live_calls_are_read_from_the_text_before_it_is_walked() -> None:
    # rows as PostgreSQL writes them: the call key of the row's live fields, or null where
    # every selected live field is masked; a client's text that looks like the key is a
    # string's content, its quotes escaped
    lookalike = orjson.dumps('"__l" : ["VN:GOV:X:HRM", "000000000009"]').decode()
    text = (
        '{"edges" : [{"node" : {"workHistory" : null, "__k" : 1, "__p" : 7, '
        '"__l" : ["VN:GOV:A:HRM", "001093000001"]}}, '
        '{"node" : {"fullName" : ' + lookalike + ', "__k" : 2, "__p" : 8, "__l" : null}}, '
        '{"node" : {"__k" : 1, "__p" : 9, "__l" : ["VN:GOV:B:HRM", "001093000002"]}}, '
        '{"node" : {"__k" : 1, "__p" : 7, "__l" : ["VN:GOV:A:HRM", "001093000001"]}}]}'
    ).encode()
    assert live_calls(text) == [
        ("VN:GOV:A:HRM", "001093000001"),  # once, though the person is at two paths
        ("VN:GOV:B:HRM", "001093000002"),
    ]
    # every key the walk finds, and no other
    assert set(live_calls(text)) == {
        (node["node"]["__l"][0], node["node"]["__l"][1])
        for node in orjson.loads(text)["edges"]
        if node["node"]["__l"] is not None
    }
    assert live_calls(b'{"edges" : []}') == []
