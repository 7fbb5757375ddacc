"""What the store can hold, per argument: the bounds every input value is checked against.

Checked once per request, before execution (gateway/operation_inputs.py walks the operation),
so a value the store cannot take — a NUL, a lone surrogate, a string longer than any code or
name, a year beyond the `smallint` columns, a date no record can carry — is refused with
BAD_USER_INPUT naming the argument, never handed to PostgreSQL or the driver.

The bound of an argument or input field is chosen by its name: one name is one kind of value
across the schema (`after` is always a cursor, `year` always a year). A test walks the schema
and fails for a name without a bound. docs/input-bounds.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2200, 12, 31)


@dataclass(frozen=True)
class TextBound:
    max_length: int


@dataclass(frozen=True)
class IntBound:
    minimum: int
    maximum: int


CODE = TextBound(35)
"""Electronic codes of organisations (the store's `String(35)`), grades, scales, bands."""
IDENTIFIER = TextBound(200)
"""Source ids (VN:GOV:<agency>:<subsystem>), sync rule names, OAuth client ids."""
GLOBAL_ID = TextBound(100)
"""A global id is at most 48 characters; consent ids are digits."""
CURSOR = TextBound(100)
"""A cursor is at most 36 characters."""
TEXT = TextBound(1000)
"""Free text: organisation searches, a consent's purpose."""
NAME = TextBound(200)
"""A person's name searched (filter.name): store/text.py's MAX_SEARCH_CHARS, refused here first
so the message is the same wherever the name is; the search path adds its bound on words."""

YEAR = IntBound(FIRST_DAY.year, LAST_DAY.year)
"""Years are `smallint` columns; the staffing quota's year was already 1900..2200."""
COUNT = IntBound(0, INT4_MAX)
"""Headcounts and quotas (`integer` columns), months, depths."""
PAGE_SIZE = IntBound(-(2**31), INT4_MAX)
"""GraphQL's own Int range: the page cap (Settings.max_page_size) is the resolvers' check,
which words it with the cap."""

BOUNDS: dict[str, TextBound | IntBound] = {
    # codes
    "code": CODE,
    "orgCode": CODE,
    "organization": CODE,
    "organizationCode": CODE,
    "parentCode": CODE,
    "withinCode": CODE,
    "provinces": CODE,
    "grades": CODE,
    "salaryScales": CODE,
    "ethnicities": CODE,
    "ageBands": CODE,
    # identifiers
    "source": IDENTIFIER,
    "rule": IDENTIFIER,
    "clientId": IDENTIFIER,
    # a declaration's field, list and entry column: catalogue names (exchange/declaration.py
    # checks them against the catalogue and words the refusal)
    "field": IDENTIFIER,
    "list": IDENTIFIER,
    "column": IDENTIFIER,
    # ids and cursors
    "id": GLOBAL_ID,
    "person": GLOBAL_ID,
    "after": CURSOR,
    "before": CURSOR,
    # free text
    "name": NAME,
    "search": TEXT,
    "purpose": TEXT,
    # a declared value and the person's note (exchange/declarable.yaml keeps values to 500)
    "value": TEXT,
    "note": TEXT,
    # integers
    "first": PAGE_SIZE,
    "last": PAGE_SIZE,
    "year": YEAR,
    "referenceYear": YEAR,
    "months": COUNT,
    "maxDepth": COUNT,
    "days": COUNT,
    "civilServants": COUNT,
    "publicEmployees": COUNT,
    "contractStaff": COUNT,
}
DEFAULT_TEXT = TEXT
"""For a string argument the table does not name yet (the schema test makes that a failure)."""


def text_problem(value: str, bound: TextBound) -> str | None:
    """Why the store cannot hold `value`, or None."""
    if "\x00" in value:
        return "must not contain the NUL character"
    if len(value) > bound.max_length:
        return f"must be at most {bound.max_length} characters long"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it holds a lone surrogate)"
    return None


def int_problem(value: int, bound: IntBound) -> str | None:
    if not bound.minimum <= value <= bound.maximum:
        return f"must be between {bound.minimum} and {bound.maximum}"
    return None


def date_problem(value: date) -> str | None:
    """Dates and times: what a record can carry, and what every driver conversion survives."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
    return None


def value_problem(name: str, value: object) -> str | None:
    """Why the leaf value of the argument or input field `name` cannot be served, or None.

    Values of other kinds (booleans, enum members, decimals) are already what GraphQL's
    coercion let through, and the store holds any of them.
    """
    bound = BOUNDS.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return text_problem(value, bound if isinstance(bound, TextBound) else DEFAULT_TEXT)
    if isinstance(value, int):
        return int_problem(value, bound if isinstance(bound, IntBound) else PAGE_SIZE)
    if isinstance(value, date):
        return date_problem(value)
    return None
