"""The shape of a date form: what tells `date_invalid` (right form, no such day) from
`date_format` (another form) for every source kind."""

import pytest

from vocabulary.date_forms import has_date_shape


@pytest.mark.parametrize(
    ("text", "date_format", "shaped"),
    [
        ("31/02/1980", "%d/%m/%Y", True),
        ("3/4/1980", "%d/%m/%Y", True),  # strptime reads one digit: the form allows it
        ("31.02.1980", "%d/%m/%Y", False),
        ("1980/02/31", "%d/%m/%Y", False),
        ("31/02/80", "%d/%m/%Y", False),
        ("02-31-1980", "%m-%d-%Y", True),
        ("1980-02-31", None, True),  # a source declaring nothing: ISO
        ("1980-2-3", None, False),  # ISO pads the month and the day
        ("31/02/1980", None, False),
        ("hôm qua", "%d/%m/%Y", False),
    ],
)
def test_a_text_has_the_shape_of_its_form_or_not(
    text: str, date_format: str | None, shaped: bool
) -> None:
    assert has_date_shape(text, date_format) is shaped
