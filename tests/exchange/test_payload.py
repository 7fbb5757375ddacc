"""Reading untrusted JSON: each wrong shape is one error naming where it is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from exchange.payload import PayloadError, Reader


@pytest.mark.parametrize(
    ("document", "read", "message"),
    [
        ({}, lambda r: r.field("a"), "$: missing 'a'"),
        ([], lambda r: r.field("a"), "$: expected an object, got an array"),
        ({"a": 1}, lambda r: r.field("a").text(), "$.a: expected a string, got a number"),
        ({"a": True}, lambda r: r.field("a").integer(), "$.a: expected an integer, got a boolean"),
        ({"a": 1.5}, lambda r: r.field("a").integer(), "$.a: expected an integer"),
        ({"a": 7}, lambda r: r.field("a").integer(maximum=5), "$.a: expected an integer from"),
        ({"a": "x"}, lambda r: r.field("a").flag(), "$.a: expected a boolean, got a string"),
        ({"a": [1, 2]}, lambda r: r.field("a").array(max_items=1), "$.a: at most 1 items"),
        ({"a": [{"b": 1}]}, lambda r: r.field("a").array()[0].field("b").text(), "$.a[0].b"),
        ({"a": "2024-02-30"}, lambda r: r.field("a").day(), "$.a: expected a date YYYY-MM-DD"),
        ({"a": "20240201"}, lambda r: r.field("a").day(), "$.a: expected a date YYYY-MM-DD"),
        ({"a": "1,5"}, lambda r: r.field("a").decimal(), "$.a: expected a decimal number"),
        ({"a": "NaN"}, lambda r: r.field("a").decimal(), "$.a: expected a finite decimal"),
        ({"a": "z"}, lambda r: r.field("a").choice(frozenset({"x", "y"})), "one of x, y"),
        ({"a": "x" * 11}, lambda r: r.field("a").text(max_length=10), "longer than 10"),
    ],
)
def test_a_wrong_shape_is_named_by_its_path(document: object, read: object, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        read(Reader(document))  # type: ignore[operator]
    assert str(caught.value).startswith(message) or message in str(caught.value)


def test_values_of_the_right_shape_come_out_typed() -> None:
    body = Reader({"d": "2026-07-01", "n": "4.98", "m": 2340000, "o": None, "t": "Hà Nội"})
    assert body.field("d").day() == date(2026, 7, 1)
    assert body.field("n").decimal() == Decimal("4.98")
    assert body.field("m").decimal() == Decimal(2340000)
    assert body.optional("o") is None
    assert body.optional("absent") is None
    assert body.field("t").text() == "Hà Nội"


def test_a_bad_value_is_quoted_briefly_never_in_full() -> None:
    with pytest.raises(PayloadError) as caught:
        Reader({"a": "2024-13-01" + "x" * 500}).field("a").day()
    assert len(str(caught.value)) < 120
