"""A source's change stamp: when the agency's system says a record changed.

Decree 27/2026 gives an agency 3 working days from that moment to have the change in the
Ministry's store; the scorecard measures the arrival against it (sync/arrivals.py). Pure.

A stamp without a zone is the agency's wall clock, which in Viet Nam is UTC+7. A drop's cell
may be a real date-time (XLSX) or text typed by hand: ISO 8601, or the template's
`dd/mm/yyyy hh:mm[:ss]` (a bare `dd/mm/yyyy` is the start of that day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from vocabulary.problems import Problem

AGENCY_CLOCK = timezone(timedelta(hours=7))
EXPECTED = "a change time dd/mm/yyyy hh:mm[:ss] or ISO 8601 (yyyy-mm-ddThh:mm[:ss][+07:00])"
_TEMPLATE_FORMS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")


def on_agency_clock(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=AGENCY_CLOCK)


def read_change_stamp(cell: object) -> datetime | Problem | None:
    """The stamp a cell holds; None when the cell is empty (the row is not measured, as a
    source that keeps no stamp); a Problem (rule `date_format`) when it is not a time at all,
    so that a mistyped stamp is rejected where the clerk sees it, not measured wrongly."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, datetime):
        return on_agency_clock(cell)
    if isinstance(cell, date):
        return datetime.combine(cell, time(), AGENCY_CLOCK)
    text = str(cell).strip()
    try:
        return on_agency_clock(datetime.fromisoformat(text))
    except ValueError:
        pass
    for form in _TEMPLATE_FORMS:
        try:
            return datetime.strptime(text, form).replace(tzinfo=AGENCY_CLOCK)
        except ValueError:
            continue
    return Problem(None, "date_format", text[:40], EXPECTED)
