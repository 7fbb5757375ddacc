"""The database writes of one page's decisions, inside the caller's transaction.

    await write_page(conn, source_id, work)

History first (the old version of each replaced row, copied from the store before it changes),
then the rows (COPY into a temporary table, one INSERT ... SELECT and one UPDATE ... FROM), the
digests for the approval manifests, the rejects opened and resolved (a record's own, when it
passes; an `identity_unkeyed_change`, when the person it refused is stored by its source under
any record id), the conflicts opened and resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from store.person_row import PERSON_COLUMNS
from sync.decisions import UNKEYED_IDENTITY_CHANGE, PersonRow
from sync.dossier_lists import Lists
from sync.dossier_store import write_lists
from sync.normalise import row_tuple
from vocabulary.problems import Problem

_STAGE = "sync_stage"
_STAGE_COLUMNS = ("id", *PERSON_COLUMNS)
_SET = ", ".join(f"{c} = s.{c}" for c in PERSON_COLUMNS)
_SEP = "\x1f"


@dataclass(frozen=True)
class Reject:
    """A record the store does not take, with what is wrong and where to find it."""

    record_id: str
    version: str
    personal_id: str | None
    problems: tuple[Problem, ...]
    location: str | None = None  # a drop's "<file>#<row>"


@dataclass
class Writes:
    """Everything one page (or part of one) writes, gathered before any of it is written."""

    rows: list[PersonRow] = field(default_factory=list)
    history: list[tuple[int, str]] = field(default_factory=list)  # (person id, change)
    rejects: list[Reject] = field(default_factory=list)
    corrections: list[tuple[str, str, Problem, str | None]] = field(default_factory=list)
    """(source record id, version, repair, drop location) of every record stored with one."""
    settled: list[str] = field(default_factory=list)  # record ids whose open rejects close
    digests: list[tuple[str, str, str]] = field(default_factory=list)
    """(source record id, version, record digest) of every record that passed."""
    conflicts: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(personal ID, owner source, record id, pending record as JSON)."""
    resolved_conflicts: list[tuple[str, str]] = field(default_factory=list)
    lists: list[tuple[str, str, str, Lists, str | None]] = field(default_factory=list)
    """(personal ID, source record id, version, dossier lists, received digest when read
    clean) of every stored record that carries lists and has them written
    (sync/dossier_store.py)."""


async def prepare(conn: Any) -> None:
    """The staging table of the connection (emptied at every commit)."""
    columns = ", ".join(_STAGE_COLUMNS)
    await conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS"
        f" AS SELECT {columns} FROM person WITH NO DATA"
    )


def _stage_record(row: PersonRow) -> tuple[Any, ...]:
    return (
        row.id,
        *row_tuple(row.values),
        row.source_id,
        row.source_record_id,
        row.source_version,
        row.hash,
    )


async def write_page(conn: Any, source_id: str, work: Writes) -> None:
    if work.history:
        await conn.execute(
            """INSERT INTO person_history (person_id, valid_from, source_id, change, content)
               SELECT p.id, p.synced_at, p.source_id, h.change, to_jsonb(p) - 'id'
                 FROM unnest($1::bigint[], $2::text[]) AS h(id, change)
                 JOIN person p ON p.id = h.id""",
            [h[0] for h in work.history],
            [h[1] for h in work.history],
        )
    if work.rows:
        await _write_rows(conn, work.rows)
    if work.lists:
        await write_lists(conn, source_id, work.lists)
    if work.digests:
        # one statement for the page; a record twice in it keeps its last version, as one
        # statement per record did (ON CONFLICT may not touch a row twice in one statement)
        digests = list({rid: (rid, v, d) for rid, v, d in work.digests}.values())
        await conn.execute(
            """INSERT INTO record_digest (source_id, source_record_id, version, digest)
               SELECT $1, r, v, d FROM unnest($2::text[], $3::text[], $4::text[]) AS s(r, v, d)
               ON CONFLICT (source_id, source_record_id)
               DO UPDATE SET version = EXCLUDED.version, digest = EXCLUDED.digest,
                             recorded_at = now()""",
            source_id,
            [d[0] for d in digests],
            [d[1] for d in digests],
            [d[2] for d in digests],
        )
    if work.settled:
        await conn.execute(
            "UPDATE sync_reject SET resolved_at = now() WHERE source_id = $1"
            " AND source_record_id = ANY($2::text[]) AND resolved_at IS NULL",
            source_id,
            work.settled,
        )
    stored = sorted({row.personal_id for row in work.rows if row.source_id == source_id})
    if stored:
        # a refused newcomer of a file keyed by the personal ID (identity_unkeyed_change) is
        # settled by the clerk's keyed answer, which arrives under another record id (the old
        # personal ID, or a new Mã hồ sơ): the person it was about is now stored by this source
        await conn.execute(
            "UPDATE sync_reject SET resolved_at = now() WHERE rule = $1 AND source_id = $2"
            " AND personal_id = ANY($3::text[]) AND resolved_at IS NULL",
            UNKEYED_IDENTITY_CHANGE,
            source_id,
            stored,
        )
    if work.rejects:
        await _write_rejects(conn, source_id, work.rejects)
    if work.corrections:
        # one row per (record, field, rule), the page's last one winning, in one statement
        corrections = list(
            {(rid, _field(c), c.rule): (rid, _field(c), c.rule, version, c.value, where)
             for rid, version, c, where in work.corrections}.values()
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO sync_correction (source_id, source_record_id, field, rule,
                                            source_version, value, location)
               SELECT $1, r, f, u, v, x, w
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                             $7::text[]) AS s(r, f, u, v, x, w)
               ON CONFLICT (source_id, source_record_id, field, rule)
               DO UPDATE SET source_version = EXCLUDED.source_version, last_seen = now(),
                             value = EXCLUDED.value, location = EXCLUDED.location""",
            source_id,
            *([c[i] for c in corrections] for i in range(6)),
        )
    if work.resolved_conflicts:
        await conn.executemany(
            "UPDATE sync_conflict SET resolved_at = now()"
            " WHERE personal_id = $1 AND other_source_id = $2 AND resolved_at IS NULL",
            work.resolved_conflicts,
        )
    if work.conflicts:
        await conn.executemany(
            """INSERT INTO sync_conflict
                   (personal_id, owner_source_id, other_source_id, other_record_id, pending)
               VALUES ($1, $2, $3, $4, $5::jsonb)
               ON CONFLICT (personal_id, other_source_id) WHERE resolved_at IS NULL
               DO UPDATE SET pending = EXCLUDED.pending,
                             other_record_id = EXCLUDED.other_record_id,
                             owner_source_id = EXCLUDED.owner_source_id""",
            [(pid, owner, source_id, rid, pending) for pid, owner, rid, pending in work.conflicts],
        )


async def _write_rows(conn: Any, rows: Sequence[PersonRow]) -> None:
    await conn.copy_records_to_table(
        _STAGE, records=[_stage_record(row) for row in rows], columns=_STAGE_COLUMNS
    )
    columns = ", ".join(PERSON_COLUMNS)
    # a full sync only inserts and an incremental one mostly updates: no statement for nothing
    if any(row.id is None for row in rows):
        await conn.execute(
            f"INSERT INTO person ({columns}) SELECT {columns} FROM {_STAGE} WHERE id IS NULL"
            " ORDER BY personal_id"
        )
    if any(row.id is not None for row in rows):
        await conn.execute(
            f"UPDATE person p SET {_SET}, synced_at = now() FROM {_STAGE} s WHERE s.id = p.id"
        )
    # emptied for the next part of the same transaction (a page applied again in halves); a
    # DELETE, not a TRUNCATE, which would give the table a new file at every page
    await conn.execute(f"DELETE FROM {_STAGE}")


async def _write_rejects(conn: Any, source_id: str, rejects: Sequence[Reject]) -> None:
    # the record's open rejects that this version no longer breaks are resolved
    await conn.executemany(
        "UPDATE sync_reject SET resolved_at = now() WHERE source_id = $1"
        " AND source_record_id = $2 AND resolved_at IS NULL"
        " AND NOT (field || chr(31) || rule = ANY($3::text[]))",
        [
            (source_id, r.record_id, [f"{_field(p)}{_SEP}{p.rule}" for p in r.problems])
            for r in rejects
        ],
    )
    await conn.executemany(
        """INSERT INTO sync_reject
               (source_id, source_record_id, source_version, personal_id, field, rule, value,
                expected, location)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (source_id, source_record_id, field, rule)
               WHERE resolved_at IS NULL
           DO UPDATE SET last_seen = now(), source_version = EXCLUDED.source_version,
                         value = EXCLUDED.value, personal_id = EXCLUDED.personal_id,
                         expected = EXCLUDED.expected, location = EXCLUDED.location""",
        [
            (
                source_id,
                r.record_id,
                r.version,
                r.personal_id,
                _field(p),
                p.rule,
                p.value,
                p.expected,
                r.location,
            )
            for r in rejects
            for p in r.problems
        ],
    )


def _field(problem: Problem) -> str:
    return problem.field or "record"
