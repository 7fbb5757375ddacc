"""What the store holds for one page of records, read (and locked) before deciding.

    view = await read_view(conn, source_id, assessed, standard)

The people the page names by personal ID or by this source's record id (`FOR UPDATE`, so that
another source's sync deciding about the same person waits), the open conflicts' pending
records, and the recorded concurrent appointments. The view is then the page's own picture:
each decision updates it, so a person named twice in one page is decided against the first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from store.person_row import CONTENT_COLUMNS, PERSON_COLUMNS
from sync.assess import Assessed
from sync.decisions import Held, Incoming, PersonRow
from sync.normalise import DATE_FIELDS, Standard

_HELD = (
    "SELECT p.id, o.code AS organization_code, "
    + ", ".join(f"p.{c}" for c in PERSON_COLUMNS)
    + " FROM person p JOIN organization o ON o.id = p.organization_id"
    " WHERE p.personal_id = ANY($1::text[])"
    " OR (p.source_id = $2 AND p.source_record_id = ANY($3::text[]))"
    " ORDER BY p.id FOR UPDATE OF p"
)
# this source's active people keyed by their personal ID itself, by name (ix_person_order)
_NAMESAKES = (
    "SELECT p.id, o.code AS organization_code, "
    + ", ".join(f"p.{c}" for c in PERSON_COLUMNS)
    + " FROM person p JOIN organization o ON o.id = p.organization_id"
    " WHERE p.name_sort = ANY($2::text[]) AND p.source_id = $1 AND p.status = 'active'"
    " AND p.source_record_id = p.personal_id AND NOT (p.personal_id = ANY($3::text[]))"
)


def _likeness(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return (values.get("name_sort"), values.get("birth_date"), values.get("gender"))


@dataclass
class View:
    """The page's picture of the store, by personal ID."""

    source_id: str
    people: dict[str, PersonRow] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)
    """This source's record id -> the personal ID of its row (an active row first)."""
    pending: dict[str, list[tuple[str, PersonRow]]] = field(default_factory=dict)
    concurrent: set[str] = field(default_factory=set)
    namesakes: dict[str, PersonRow] = field(default_factory=dict)
    """Record id -> the namesake (`Held.namesake`) of a record keyed by its personal ID."""

    def personal_id(self, incoming: Incoming) -> str | None:
        if incoming.row is not None:
            return incoming.row.personal_id
        return incoming.personal_id or self.records.get(incoming.record_id)

    def held(self, incoming: Incoming) -> Held:
        pid = self.personal_id(incoming)
        own_pid = self.records.get(incoming.record_id)
        own = self.people.get(own_pid) if own_pid else None
        if own is not None and (
            own.source_id != self.source_id or own.source_record_id != incoming.record_id
        ):
            own = None  # the row has moved on since (a transfer, another record) in this page
        return Held(
            person=self.people.get(pid) if pid else None,
            record_row=own,
            concurrent=pid in self.concurrent if pid else False,
            pending=tuple(self.pending.get(pid, ())) if pid else (),
            namesake=self.namesakes.get(incoming.record_id),
        )


async def read_view(
    conn: Any, source_id: str, assessed: Sequence[Assessed], standard: Standard
) -> View:
    view = View(source_id)
    record_ids = sorted({a.incoming.record_id for a in assessed})
    pids = {p for a in assessed if (p := a.incoming.personal_id)}
    rows = await conn.fetch(_HELD, sorted(pids), source_id, record_ids)
    for row in rows:
        person = from_store(row)
        view.people[person.personal_id] = person
        if person.source_id == source_id:
            known = view.records.get(person.source_record_id)
            if known is None or not view.people[known].active:
                view.records[person.source_record_id] = person.personal_id
    await _read_namesakes(conn, view, assessed, pids)
    pids |= {view.records[rid] for rid in record_ids if rid in view.records}
    wanted = sorted(pids)
    for row in await conn.fetch(
        "SELECT personal_id, other_source_id, pending FROM sync_conflict"
        " WHERE personal_id = ANY($1::text[]) AND resolved_at IS NULL ORDER BY id",
        wanted,
    ):
        pending = from_pending(row["pending"], standard)
        if pending is not None:
            view.pending.setdefault(row["personal_id"], []).append(
                (row["other_source_id"], pending)
            )
    view.concurrent = {
        row["personal_id"]
        for row in await conn.fetch(
            "SELECT personal_id FROM concurrent_appointment"
            " WHERE source_id = $1 AND personal_id = ANY($2::text[])",
            source_id,
            wanted,
        )
    }
    return view


async def _read_namesakes(
    conn: Any, view: View, assessed: Sequence[Assessed], pids: set[str]
) -> None:
    """The namesakes of the page's newcomers keyed by their personal ID (none is read for a
    source with record ids of its own: its corrected IDs arrive under the same record id)."""
    newcomers = [
        row
        for a in assessed
        if (row := a.incoming.row) is not None
        and a.incoming.record_id == row.personal_id
        and row.personal_id not in view.people
    ]
    if not newcomers:
        return
    names = sorted({str(row.values["name_sort"]) for row in newcomers})
    found: dict[tuple[Any, ...], PersonRow] = {}
    for stored in await conn.fetch(_NAMESAKES, view.source_id, names, sorted(pids)):
        person = from_store(stored)
        found[_likeness(person.values)] = person
    for row in newcomers:
        namesake = found.get(_likeness(row.values))
        if namesake is not None:
            view.namesakes[row.source_record_id] = namesake


def from_store(row: Mapping[str, Any]) -> PersonRow:
    return PersonRow(
        row["id"],
        {c: row[c] for c in CONTENT_COLUMNS},
        row["organization_code"],
        row["source_id"],
        row["source_record_id"],
        row["source_version"],
        row["content_hash"],
    )


def pending_json(row: PersonRow) -> str:
    """A conflict's pending record, as sync_conflict.pending keeps it."""
    values = {
        k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v)
        for k, v in row.values.items()
    }
    return json.dumps(
        {
            "values": values,
            "organization_code": row.organization_code,
            "source_id": row.source_id,
            "source_record_id": row.source_record_id,
            "source_version": row.source_version,
            "hash": row.hash,
        },
        ensure_ascii=False,
    )


def from_pending(text: str | Mapping[str, Any], standard: Standard) -> PersonRow | None:
    data = json.loads(text) if isinstance(text, str) else dict(text)
    values = dict(data["values"])
    for name in DATE_FIELDS:
        if values.get(name) is not None:
            values[name] = date.fromisoformat(values[name])
    if values.get("salary_coefficient") is not None:
        values["salary_coefficient"] = Decimal(values["salary_coefficient"])
    org_id = standard.organizations.get(data["organization_code"])
    if org_id is None:
        return None  # its organisation is gone from the store: nothing to hand over to
    values["organization_id"] = org_id
    return PersonRow(
        None,
        values,
        data["organization_code"],
        data["source_id"],
        data["source_record_id"],
        data["source_version"],
        data["hash"],
    )
