"""Whether a text has the shape of a date form, so that a date that fails to read is told apart:
the wrong form (`date_format`: the clerk sends another form or declares it) or the right form
naming a day that does not exist (`date_invalid`: 31/02/1980, a typing error in the record).

    has_date_shape("31/02/1980", "%d/%m/%Y")   # True: read as a date, it is no day
    has_date_shape("1980-02-31", None)         # True: ISO, the form of a source declaring none
    has_date_shape("31.02.1980", "%d/%m/%Y")   # False: another form
"""

from __future__ import annotations

import functools
import re

_DIGITS = (("%Y", r"\d{4}"), ("%m", r"\d{1,2}"), ("%d", r"\d{1,2}"), ("%y", r"\d{2}"))


@functools.cache
def _shape(date_format: str) -> re.Pattern[str]:
    shape = re.escape(date_format)
    for directive, digits in _DIGITS:
        shape = shape.replace(re.escape(directive), digits)
    return re.compile(shape)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")  # strict: ISO pads the month and the day


def has_date_shape(text: str, date_format: str | None) -> bool:
    """Whether `text` has the declared form's shape (digits where the form has them, as strptime
    reads them); ISO yyyy-mm-dd when the source declares no form."""
    pattern = _ISO if date_format is None else _shape(date_format)
    return pattern.fullmatch(text.strip()) is not None
