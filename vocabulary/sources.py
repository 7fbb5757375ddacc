"""The vocabulary of the source contract: ids, kinds, capabilities, records and pages.

Everything here is plain data (frozen dataclasses, enums): adapters produce it, the gateway's
fan-out and the sync consume it, the exchange protocol carries it, and tests build it by hand.
It sits on the ground floor because exchange/, below adapters/, speaks it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from vocabulary.problems import Problem


class SourceKind(StrEnum):
    SQL = "sql"  # read-only over an agency's own legacy database, driven by a mapping file
    EXCHANGE = "exchange"  # the client of an agency connector speaking the exchange protocol
    FILE = "file"  # CSV and XLSX drops in a folder
    POPULATION = "population"  # the national population database
    INSURANCE = "insurance"  # the social insurance database
    MOCK = "mock"  # in-memory, for unit tests


class Capability(StrEnum):
    """What a source can be asked for; declared per class, never discovered by hasattr."""

    CHANGE_FEED = "change_feed"  # pages of standardised person records from a cursor (sync)
    PERSON_DETAIL = "person_detail"  # live histories of people (work, salary, trainings, ...)
    ORGANIZATION_TREE = "organization_tree"  # the source's organisations
    IDENTITY_CHECK = "identity_check"  # name, birth date, gender, residence by personal ID
    INSURANCE = "insurance"  # social insurance number, contribution periods, salary basis


class DetailPart(StrEnum):
    """The parts of a person's live detail, each a list of entries from the owning agency."""

    WORK_HISTORY = "work_history"
    SALARY_HISTORY = "salary_history"
    TRAININGS = "trainings"
    REWARDS = "rewards"
    DISCIPLINES = "disciplines"
    EVALUATIONS = "evaluations"
    FAMILY = "family"


_SOURCE_ID = re.compile(r"^VN:GOV:(?P<agency>[0-9A-Z.]{1,35}):(?P<subsystem>[A-Za-z0-9_-]{1,64})$")


def make_source_id(agency_code: str, subsystem: str) -> str:
    """`VN:GOV:<agency code>:<subsystem>`, the national platform's style of service address."""
    value = f"VN:GOV:{agency_code}:{subsystem}"
    parse_source_id(value)
    return value


def parse_source_id(value: str) -> tuple[str, str]:
    """The (agency code, subsystem) of a source id; ValueError naming the problem otherwise."""
    match = _SOURCE_ID.match(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a source id of the form VN:GOV:<agency code>:<subsystem>"
        )
    return match["agency"], match["subsystem"]


Sections = Mapping[str, tuple[Mapping[str, Any], ...]]
"""A record's dossier lists: store table of the catalogue's list -> its entries, each keyed by
the catalogue's column names (SourceRecord.sections)."""


@dataclass(frozen=True)
class SentSections:
    """A record's dossier lists as the source sent them, typed only when someone reads them.

    Typing a person's lists value by value costs more than the rest of the record, and most
    records of an incremental run carry the very lists the store already holds. So a source may
    hand them on unread: `fingerprint` names the lists as sent (their wire form and the typing's
    own version), and equal fingerprints type alike, to the same lists and the same problems;
    `read()` types them. Whatever is wrong with the lists' shape (not an object, too many
    entries) has been refused already, as it is for lists typed at once."""

    fingerprint: str
    typing: Callable[[], tuple[Sections, tuple[Problem, ...]]] = field(compare=False)

    def read(self) -> tuple[Sections, tuple[Problem, ...]]:
        """The lists typed, and the problems of the values that do not fit their type (named
        `<table>.<column>`, the value as sent), as an adapter typing them at once names them."""
        return self.typing()


@dataclass(frozen=True)
class SourceRecord:
    """One person's record as a source states it, mapped to the standard's field names.

    `fields` uses the standard record's names (vocabulary/standard_record.py) with values the
    adapter could standardise (ISO dates, national codes); what it could not map stays as the
    source wrote it and is named in `problems`, for the sync to reject with that rule.
    `location` is where a clerk finds the row when the record id does not say it: a drop's
    "<file name>#<row>" (row 1 is the first under the headings).
    """

    source_record_id: str
    version: str
    fields: Mapping[str, Any]
    deleted: bool = False
    problems: tuple[Problem, ...] = ()
    location: str | None = None
    changed_at: datetime | None = None
    """When the source says the record changed (its own stamp), if it keeps one: the start of
    Decree 27/2026's 3 working days, which the scorecard measures the arrival against."""
    sections: Sections | None = None
    """The dossier's lists the source carries for this person (issue 17, item 3): keyed by the
    store table of the catalogue's list (vocabulary/dossier_catalogue.py `lists`, e.g.
    "dossier_family_member"), each entry keyed by the catalogue's column names. None: the source
    carries no lists, and the store keeps what it holds; a key present replaces that list whole
    (an empty tuple empties it); a key absent leaves that list as it is."""
    corrections: tuple[Problem, ...] = ()
    """Repairs the adapter made with certainty (a drop converted from TCVN3 or VNI): recorded
    with the record when it is stored, like the sync's own (sync_correction)."""
    sent_sections: SentSections | None = None
    """The lists, when the source leaves their typing to whoever reads them (the connector's
    client): `sections` is then None, and the problems of their values are not yet in
    `problems`. Read both through `carries_lists` and `typed_sections()`."""

    @property
    def carries_lists(self) -> bool:
        return self.sections is not None or self.sent_sections is not None

    def typed_sections(self) -> tuple[Sections | None, tuple[Problem, ...]]:
        """The lists typed, with the problems typing them found now (none for lists the source
        typed at once: theirs are in `problems` already)."""
        if self.sent_sections is not None:
            return self.sent_sections.read()
        return self.sections, ()


@dataclass(frozen=True)
class ChangePage:
    """A page of the change feed; `next_cursor` resumes after its last record."""

    records: tuple[SourceRecord, ...]
    next_cursor: str | None
    has_more: bool


@dataclass(frozen=True)
class OrganizationRecord:
    code: str
    name: str
    level: str
    parent_code: str | None
    status: str = "active"
    status_changed_on: date | None = None
    successor_code: str | None = None
    # what could not be read as the standard says (as in SourceRecord), never silently dropped
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class PersonDetail:
    """Live parts of one person's record; a part the caller did not ask for is absent."""

    personal_id: str
    parts: Mapping[DetailPart, tuple[Mapping[str, Any], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityRecord:
    """What the population database states about a personal ID."""

    personal_id: str
    full_name: str
    birth_date: date
    gender: str
    residence: str | None = None


@dataclass(frozen=True)
class ContributionPeriod:
    start: date
    end: date | None
    employer: str
    salary_basis: Decimal


@dataclass(frozen=True)
class InsuranceRecord:
    personal_id: str
    insurance_number: str
    periods: tuple[ContributionPeriod, ...]


@dataclass(frozen=True)
class Health:
    ok: bool
    checked_at: datetime
    latency_ms: float
    detail: str = ""
