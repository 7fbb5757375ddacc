"""From the statement's JSON to the response: hidden keys out, FORBIDDEN errors in, audit notes.

Every row object of the compiled JSON carries its mask key (`__k`) and, for people, its id
(`__p`). The shape of the plan says which selected fields each key hides, so the errors are
built from the same rows the data came from, at the same paths the resolver path would report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import FieldNode, GraphQLError

from resolvers.compiled.lists import BAD_CURSOR_KEY

FORBIDDEN_MESSAGE = "you are not permitted to see this field"
"""The resolver path's ForbiddenError message (resolvers/access.py), word for word."""

MASK_KEY = "__k"
PERSON_KEY = "__p"
ROW_KEY = "__r"
"""The row's id on objects with merged fields (people carry theirs as PERSON_KEY)."""
LIVE_KEY = "__l"
"""On a person with merged live fields: [source id, personal ID], the key of the agency call
they resolve from, so that the call can leave before anything else is done; null where every
selected live field is masked (no agency is called for what the caller may not see)."""


@dataclass(frozen=True)
class Guarded:
    """A selected leaf of a row type that some mask keys hide."""

    key: str
    masked_keys: frozenset[int]
    nodes: tuple[FieldNode, ...]


@dataclass(frozen=True)
class Merged:
    """A selected field the statement does not compute: resolved as on the resolver path, by
    graphql-core over the row's object, and its value put at its key (a null in the JSON keeps
    the key's place, so the response keeps the document's order)."""

    key: str
    nodes: tuple[FieldNode, ...]


@dataclass(frozen=True)
class Pending:
    """One row object of the result with merged fields, found by the walk."""

    type_name: str
    row_id: int
    mask_key: int | None
    target: dict[str, Any]
    path: tuple[str | int, ...]
    merged: tuple[Merged, ...]
    live: tuple[str, str] | None = None
    """(source id, personal ID) of the agency call of the row's live fields (LIVE_KEY)."""


@dataclass
class Shape:
    """What of one object of the JSON needs a look after the statement: masks and children."""

    guarded: list[Guarded] = field(default_factory=list)
    children: list[tuple[str, Shape]] = field(default_factory=list)
    is_list: bool = False
    person: bool = False
    type_name: str | None = None
    """The row type of the object, where it has merged fields."""
    merged: list[Merged] = field(default_factory=list)
    cursor_checked: tuple[FieldNode, ...] = ()
    """For a dossier list: its nodes, where the value may be `{BAD_CURSOR_KEY: argument}`
    (a cursor not of this person's list), which becomes null and BAD_USER_INPUT."""

    _walk: bool | None = field(default=None, init=False, repr=False, compare=False)
    _hiding: frozenset[int] | None = field(default=None, init=False, repr=False, compare=False)
    _hiding_known: bool = field(default=False, init=False, repr=False, compare=False)
    _item: Shape | None = field(default=None, init=False, repr=False, compare=False)

    # Both answers are kept once asked: a shape belongs to a cached plan and is complete before
    # its first result is finished, and the walk asks them again for every row of every page.
    def needs_walk(self) -> bool:
        if self._walk is None:
            self._walk = (
                self.person
                or bool(self.guarded)
                or bool(self.merged)
                or bool(self.cursor_checked)
                or any(c.needs_walk() for _, c in self.children)
            )
        return self._walk

    def hiding(self) -> frozenset[int] | None:
        """Every mask key at which some selected field below is hidden; None when the walk
        has more to do than note the people (merged fields, cursors of dossier lists)."""
        if not self._hiding_known:
            hiding: frozenset[int] | None = None
            if not self.merged and not self.cursor_checked:
                below = [child.hiding() for _, child in self.children]
                if all(keys is not None for keys in below):
                    hiding = frozenset().union(
                        *(g.masked_keys for g in self.guarded), *(k for k in below if k)
                    )
            self._hiding, self._hiding_known = hiding, True
        return self._hiding

    def item(self) -> Shape:
        """The shape of each element of a list shape."""
        if self._item is None:
            self._item = Shape(
                self.guarded, self.children, False, self.person, self.type_name, self.merged
            )
        return self._item


@dataclass
class Finished:
    errors: list[GraphQLError] = field(default_factory=list)
    people: list[tuple[int, int]] = field(default_factory=list)
    """(person id, mask key) of every person row in the result, for the audit."""
    pending: list[Pending] = field(default_factory=list)


def finish(value: Any, shape: Shape, path: list[str | int], out: Finished) -> None:
    if value is None or not shape.needs_walk():
        return
    if shape.is_list:
        item = shape.item()
        for index, element in enumerate(value):
            finish(element, item, [*path, index], out)
        return
    key = value.pop(MASK_KEY, None)
    person = value.pop(PERSON_KEY, None)
    row_id = value.pop(ROW_KEY, None)
    live = value.pop(LIVE_KEY, None)
    if person is not None:
        out.people.append((person, key))
    if shape.merged:
        assert shape.type_name is not None
        found = person if row_id is None else row_id
        out.pending.append(
            Pending(
                shape.type_name,
                found,
                key,
                value,
                tuple(path),
                tuple(shape.merged),
                None if live is None else (live[0], live[1]),
            )
        )
    for guarded in shape.guarded:
        if key in guarded.masked_keys:
            out.errors.append(
                GraphQLError(
                    FORBIDDEN_MESSAGE,
                    nodes=list(guarded.nodes),
                    path=[*path, guarded.key],
                    extensions={"code": "FORBIDDEN"},
                )
            )
    for child_key, child in shape.children:
        child_value = value.get(child_key)
        if child.cursor_checked and isinstance(child_value, dict) and BAD_CURSOR_KEY in child_value:
            argument = child_value[BAD_CURSOR_KEY]
            value[child_key] = None
            out.errors.append(  # resolvers/dossier.page_of's error, word for word
                GraphQLError(
                    f"`{argument}` is not a cursor of this list",
                    nodes=list(child.cursor_checked),
                    path=[*path, child_key],
                    extensions={"code": "BAD_USER_INPUT", "argument": argument},
                )
            )
            continue
        finish(child_value, child, [*path, child_key], out)


_LIVE_CALL = re.compile(rb'"__l" : (\["(?:[^"\\]|\\.)*", "(?:[^"\\]|\\.)*"\])')
"""A row's live call key as PostgreSQL writes it (json_build_array of two texts). A client's
string holding the same characters has its quotes escaped, so this is only ever the key."""


def live_calls(text: bytes) -> list[tuple[str, str]]:
    """(source id, personal ID) of every row of the statement's text whose live fields are
    called for (LIVE_KEY not null), in the text's order, each once: read before the text is
    parsed and walked, so that the agencies' calls can leave first (resolvers/live.py)."""
    if b'"__l" : [' not in text:
        return []
    keys: dict[tuple[str, str], None] = {}
    for match in _LIVE_CALL.finditer(text):
        source_id, personal_id = orjson.loads(match[1])
        keys[(source_id, personal_id)] = None
    return list(keys)


_HIDDEN = re.compile(rb', "__k" : (\d+)(?:, "__p" : (\d+))?')
"""A row object's mask key and, for a person, its id, as PostgreSQL writes them: every
statement's object puts them after the selected keys, and the statement refuses any alias
of the client's that starts with `__` (statements.py), so in the text this is only ever them:
a string value's own quotes are escaped."""

_OWN_KEY = re.compile(
    b'"(?:'
    + b"|".join(
        re.escape(k.encode()) for k in (MASK_KEY, PERSON_KEY, ROW_KEY, LIVE_KEY, BAD_CURSOR_KEY)
    )
    + b')" : '
)
"""Any of the statement's own keys, left where `_HIDDEN` did not take them out."""


def passed_through(text: bytes, shape: Shape) -> tuple[bytes, list[tuple[int, int]]] | None:
    """The statement's text with its own keys taken out, and (person id, mask key) of every
    person row in it; or None when the result needs the walk (`finish`) instead: a row at a
    key that hides a selected field (its FORBIDDEN error needs the path), merged fields, or a
    dossier list's cursor check.

    The walk parses the text, takes the keys out and serialises it again, about a fifth of a
    directory page's CPU in the gateway; this reads the text once and leaves it as it is."""
    hiding = shape.hiding()
    if hiding is None:
        return None
    parts = _HIDDEN.split(text)  # text, key, person id, text, key, person id, ..., text
    people: list[tuple[int, int]] = []
    for index in range(1, len(parts), 3):
        key = int(parts[index])
        if key in hiding:
            return None
        person = parts[index + 1]
        if person is not None:
            people.append((int(person), key))
    stripped = b"".join(parts[::3])
    if _OWN_KEY.search(stripped):  # written otherwise than expected
        return None
    return stripped, people
