"""The 3-working-day share and the oldest outstanding change for a connector agency and a drop
agency, over real sync runs (issue 16, item 1 of the last part): the connector serves its change
times in the exchange protocol's `changed_at` (1.1) over loopback HTTP, the drop carries them in
the template's "Thời điểm cập nhật" column. In each agency three records were changed 30 days
before they are served, and the first of them also lost its gender, so it is rejected and stays
outstanding; two more were changed 12 and 13 days before, on either side of the deadline once a
Tết-long break lies between. Every expectation is counted from what this test wrote at the
agency.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest_asyncio
from sqlalchemy.engine import URL

from adapters.exchange import ExchangeSource
from adapters.file import FileSource
from analytics.scorecard import VIETNAM, Breach, Scorecard, local_day, score
from analytics.scorecard_store import gather_facts, take_snapshot
from sandbox.fill_by_sync import copy_organization_register
from sandbox.legacy.build import read_subtree
from sandbox.legacy.filedrop import HEADINGS, template_row
from sandbox.services.agency_data import simulate_update
from sandbox.services.running import start_connector
from sandbox.services.truth import Subtree, top_agencies
from store.database import create_engine, sync_free_dsn
from sync.run import sync_source
from vocabulary.sources import make_source_id
from vocabulary.working_days import WorkingCalendar, vietnam_calendar

LATE = (0, 1, 2)  # changed 30 days before they are served
REJECTED = 0  # ...and the first of them has no gender: held back, outstanding
DAYS_BEFORE = {0: 30, 1: 30, 2: 30, 3: 12, 4: 13}  # row -> calendar days before today
ON_TIME_OVER_TET, LATE_OVER_TET = 3, 4


def _stamp(today: date, row: int) -> datetime | None:
    """10:00 in Ha Noi on the row's day (None: changed within the hour, stamped by the caller)."""
    if row not in DAYS_BEFORE:
        return None
    return datetime.combine(today - timedelta(days=DAYS_BEFORE[row]), time(10), VIETNAM)


@dataclass(frozen=True)
class Scored:
    today: date
    late_stamp: datetime
    store_url: str
    served: dict[str, int]  # agency code -> records it served
    cards: dict[str, Scorecard]
    connector_code: str
    drop_code: str


async def _two_small_agencies(truth_dsn: str) -> tuple[Subtree, Subtree]:
    conn = await asyncpg.connect(truth_dsn)
    try:
        agencies = await top_agencies(conn)
    finally:
        await conn.close()
    small = sorted(
        (a for a in agencies if not a.own_only and 10 <= a.people <= 300),
        key=lambda a: (a.people, a.code),
    )
    assert len(small) >= 2, "the seeded store has too few small agencies"
    return small[0], small[1]


def _template_csv(
    people: list[dict[str, Any]], stamps: list[datetime], without_gender: int
) -> bytes:
    """The Ministry's template as a clerk saves it from Excel ("CSV UTF-8"), stamps on the
    agency's wall clock as the template writes them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for index, (person, stamp) in enumerate(zip(people, stamps, strict=True)):
        cells = [
            value.strftime("%d/%m/%Y") if isinstance(value, date) else value
            for value in template_row(person)
        ]
        if index == without_gender:
            cells[HEADINGS.index("Giới tính")] = None
        cells.append(stamp.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S"))
        writer.writerow(["" if c is None else str(c) for c in cells])
    return ("\ufeff" + out.getvalue()).encode()


@pytest_asyncio.fixture
async def scored(
    fresh_store_url: str, seeded_store_url: URL, postgres_server: URL, tmp_path: Path
) -> AsyncIterator[Scored]:
    truth = seeded_store_url.render_as_string(hide_password=False)
    store_dsn = sync_free_dsn(fresh_store_url)
    await copy_organization_register(sync_free_dsn(truth), store_dsn)
    connector_agency, drop_agency = await _two_small_agencies(sync_free_dsn(truth))
    now = datetime.now(VIETNAM).replace(microsecond=0)
    today = now.date()
    late_stamp = _stamp(today, LATE[0])
    assert late_stamp is not None
    served: dict[str, int] = {}

    database = f"cbccvc_sc_conn_{uuid.uuid4().hex[:8]}"
    connector = await start_connector(
        truth, postgres_server.render_as_string(False), database, [connector_agency],
        envelopes=False,
    )  # fmt: skip
    engine = create_engine(fresh_store_url, pool_size=2)
    try:
        # the agency's HR system: three records re-stamped as changed a month ago (the staff
        # table keeps a change time the update sets), the first also without its gender
        conn = await asyncpg.connect(connector.dsn)
        try:
            ids = [
                r["personal_id"]
                for r in await conn.fetch(
                    "SELECT personal_id FROM hrm.staff WHERE agency_code = $1 ORDER BY change_seq",
                    connector_agency.code,
                )
            ]
            await simulate_update(conn, connector_agency.code, ids[REJECTED], {"gender": None})
            for row in DAYS_BEFORE:
                await conn.execute(
                    "UPDATE hrm.staff SET changed_at = $3 WHERE agency_code = $1"
                    " AND personal_id = $2",
                    connector_agency.code, ids[row], _stamp(today, row),
                )  # fmt: skip
        finally:
            await conn.close()
        served[connector_agency.code] = len(ids)
        source = ExchangeSource(
            make_source_id(connector_agency.code, "HRM"),
            connector_agency.code,
            connector.base_url(connector_agency.code),
        )
        async with source:
            run = await sync_source(store_dsn, source)
        assert run.status == "ok", run

        # the drop: the same three late rows, the first without a gender
        people, _ = await read_subtree(truth, drop_agency.code)
        # the others changed an hour ago, but never before today's midnight in Vietnam: run
        # between 00:00 and 01:00 there, "an hour ago" was yesterday, a lag of one day
        recent = max(now - timedelta(hours=1), datetime.combine(today, time(0), VIETNAM))
        stamps = [_stamp(today, i) or recent for i in range(len(people))]
        folder = tmp_path / "drop"
        folder.mkdir()
        (folder / "2026-12_nhan_su.csv").write_bytes(_template_csv(people, stamps, REJECTED))
        served[drop_agency.code] = len(people)
        drop = FileSource(make_source_id(drop_agency.code, "DROP"), drop_agency.code, folder=folder)
        async with drop:
            run = await sync_source(store_dsn, drop)
        assert run.status == "ok", run

        assert datetime.now(VIETNAM).date() == today, "the test ran over midnight: run it again"
        cards = {c.agency_code: c for c in await take_snapshot(engine, today)}
        yield Scored(
            today, late_stamp, fresh_store_url, served, cards, connector_agency.code,
            drop_agency.code,
        )  # fmt: skip
    finally:
        await engine.dispose()
        await connector.aclose()


def _check_card(card: Scorecard, served: int, scored: Scored) -> None:
    assert card.connected
    assert card.changes == served  # every version served arrived, each with its stamp
    # on Viet Nam's calendar the rows of 12 and 13 days ago are late too, unless a holiday
    # of a week lay between (Tết)
    calendar = vietnam_calendar()
    late = len(LATE) + sum(
        calendar.working_days_between(scored.today - timedelta(days=DAYS_BEFORE[row]), scored.today)
        > 3
        for row in (ON_TIME_OVER_TET, LATE_OVER_TET)
    )
    assert card.within_deadline_share == round(Decimal(served - late) / served, 4)
    assert card.detail["lag_histogram"]["4+"] == late
    histogram = card.detail["lag_histogram"]
    assert histogram["0"] + histogram["1"] == served - len(DAYS_BEFORE)
    # the rejected record's change is still outstanding, a month old on the working calendar
    # (30 calendar days hold 4 weekends and 2 more days: at most 22 working days, at least
    # 15 even when Tết's week falls in them)
    late_days = vietnam_calendar().working_days_between(local_day(scored.late_stamp), scored.today)
    assert 15 <= late_days <= 22
    assert card.oldest_outstanding_days == late_days
    assert card.open_rejects == 1
    assert Breach.LATE in card.breaches
    assert Breach.NEVER_CONNECTED not in card.breaches


async def test_a_connector_agency_is_measured_by_the_change_times_its_feed_sends(
    scored: Scored,
) -> None:
    code = scored.connector_code
    _check_card(scored.cards[code], scored.served[code], scored)


async def test_a_drop_agency_is_measured_by_the_stamps_of_its_template(scored: Scored) -> None:
    code = scored.drop_code
    _check_card(scored.cards[code], scored.served[code], scored)


def _over_tet(today: date) -> WorkingCalendar:
    """Tết's nine days without a working day (the weekend before, Monday to Friday off, the
    weekend after; vocabulary/data/vn_public_holidays.yaml, 14 to 22 February 2026) moved onto
    the 10th to the 2nd day before today, on a calendar where every other day is worked: the
    arithmetic can then be done by hand whatever weekday the test runs on."""
    tet = {today - timedelta(days=n) for n in range(2, 11)}
    everyday = {today - timedelta(days=n) for n in range(0, 60)} - tet
    return WorkingCalendar(
        days_off=frozenset(tet), days_worked=frozenset(everyday),
        first_year=today.year - 1, last_year=today.year + 1, unverified_years=frozenset(),
    )  # fmt: skip


async def test_the_deadline_over_a_tet_break_counts_working_days_only(scored: Scored) -> None:
    """The same real runs on a calendar with a Tết-long break in the last fortnight: a change of
    12 days ago has 12 - 9 = 3 working days of lag (on time), one of 13 days ago 4 (late), the
    month-old ones 30 - 9 = 21 (late), and the rejected one is outstanding for 21."""
    engine = create_engine(scored.store_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            facts = {f.agency_code: f for f in await gather_facts(conn, scored.today)}
    finally:
        await engine.dispose()
    calendar = _over_tet(scored.today)
    for code in (scored.connector_code, scored.drop_code):
        served = scored.served[code]
        card = score(facts[code], scored.today, calendar)
        assert card.detail["lag_histogram"] == {
            "0": served - len(DAYS_BEFORE), "1": 0, "2": 0, "3": 1, "4+": len(LATE) + 1,
        }  # fmt: skip
        assert card.within_deadline_share == round(Decimal(served - len(LATE) - 1) / served, 4)
        assert card.oldest_outstanding_days == 30 - 9
