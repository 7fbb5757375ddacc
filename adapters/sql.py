"""Kind `sql`: read-only over an agency's own legacy PostgreSQL database, driven by a mapping.

    source = SqlSource("VN:GOV:000.00.00.G18:HRM", "000.00.00.G18",
                       dsn="postgresql://moha_reader@legacy/hrm", mapping="legacy_vi")
    page = await source.changes(None, 500)

Read-only by construction, three times over: the agency grants a SELECT-only role; every
connection starts with `default_transaction_read_only`; every statement runs inside
`transaction(readonly=True)`. The change feed is a keyset over (change column, key) of the
person table, so a page costs one indexed range scan however far the feed has gone; the cursor
is that position, opaque to callers. Like every updated-at keyset, it can miss a row whose
transaction commits after a later-stamped one was read: a periodic full resync covers that.

Values go through the mapping (adapters/mappings): a value it cannot standardise stays as
written and is named in `SourceRecord.problems` (in a detail entry, under its "problems" key).
The dossier's lists the mapping declares (its `dossier` section: the agency's own table per
list of the field catalogue) come with every record of a page as `SourceRecord.sections`, read
in the page's snapshot by one statement for all the lists and all the page's people (never a
query per person, nor per list: the page's deadline covers them);
a list entry's problem names the entry ("dossier_family_member[2].relation").
asyncpg and socket errors are translated at the boundary (`_translated`) into the source
errors, by remedy; nothing of asyncpg reaches the caller.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import asyncpg

from adapters.base import Source, timed_health
from adapters.errors import (
    FatalSourceError,
    ReadOnlyViolation,
    SourceClosed,
    SourceError,
    SourceProtocolError,
    SourceTimeout,
    SourceUnavailable,
)
from adapters.mappings import MappingSpec, RecordRule, load_mapping, map_row
from adapters.mappings.spec import DetailRule, PersonRule
from adapters.wiring import NO_WIRING, SourceWiring
from vocabulary.problems import Problem
from vocabulary.sources import (
    Capability,
    ChangePage,
    DetailPart,
    Health,
    OrganizationRecord,
    PersonDetail,
    SourceKind,
    SourceRecord,
)

T = TypeVar("T")

_SETTINGS = {
    "id", "kind", "owner", "dsn", "mapping", "schema", "pool_size", "statement_timeout_s",
    "connect_timeout_s",
}  # fmt: skip


# --- the error boundary ---------------------------------------------------------------------------


def translate(exc: BaseException, source_id: str) -> SourceError | None:
    """Our error for a driver or socket error (None when it is not one of those)."""
    message = f"{source_id}: {type(exc).__name__}: {exc}"
    if isinstance(exc, asyncpg.QueryCanceledError | TimeoutError):
        return SourceTimeout(message, source_id=source_id)
    if isinstance(exc, asyncpg.InsufficientPrivilegeError | asyncpg.ReadOnlySQLTransactionError):
        return ReadOnlyViolation(message, source_id=source_id)
    if isinstance(
        exc,
        asyncpg.UndefinedTableError
        | asyncpg.UndefinedColumnError
        | asyncpg.InvalidSchemaNameError
        | asyncpg.UndefinedFunctionError,
    ):
        return FatalSourceError(f"{message} (is the mapping right?)", source_id=source_id)
    if isinstance(
        exc, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidCatalogNameError
    ):
        return FatalSourceError(f"{message} (check the dsn and the role)", source_id=source_id)
    if isinstance(
        exc,
        asyncpg.TooManyConnectionsError
        | asyncpg.InsufficientResourcesError
        | asyncpg.OperatorInterventionError  # shutdown, crash, cannot connect now
        | asyncpg.PostgresConnectionError
        | asyncpg.InterfaceError  # connection lost mid-query, pool closing
        | OSError,  # refused, unreachable, unknown host
    ):
        return SourceUnavailable(message, source_id=source_id)
    if isinstance(exc, asyncpg.PostgresError):
        return SourceProtocolError(message, source_id=source_id)
    return None


@contextmanager
def _translated(source_id: str) -> Iterator[None]:
    try:
        yield
    except SourceError:
        raise
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        error = translate(exc, source_id)
        if error is None:  # pragma: no cover - translate knows every class caught here
            raise
        raise error from exc


# --- cursors (pure) -------------------------------------------------------------------------------


def encode_cursor(change: datetime | int, key: Any) -> str:
    """The opaque position after the row with this change value and key."""
    value = change.isoformat() if isinstance(change, datetime) else change
    text = json.dumps(["sql", 1, value, key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, change_type: str, source_id: str = "") -> tuple[Any, Any]:
    """(change value, key) of a cursor from encode_cursor; FatalSourceError for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        tag, version, value, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if (tag, version) != ("sql", 1) or isinstance(key, list | dict):
            raise ValueError(cursor)
        if change_type == "timestamp":
            return datetime.fromisoformat(value), key
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(cursor)
        return value, key
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise FatalSourceError(
            f"{source_id}: {cursor!r} is not a cursor of this source", source_id=source_id
        ) from exc


# --- SQL text (pure) ------------------------------------------------------------------------------


def quote(identifier: str) -> str:
    """A PostgreSQL identifier from a mapping file, quoted (mapping names are not user input,
    but a quote in one must still not end the identifier)."""
    return '"' + identifier.replace('"', '""') + '"'


def _table(schema: str | None, table: str | None) -> str:
    if table is None:
        raise FatalSourceError("the mapping names no table for this part")
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def keyset(rule: PersonRule) -> tuple[str, str]:
    """(key column, change column) of a person rule that a database source can page through."""
    if rule.key is None or rule.change_column is None:
        raise FatalSourceError("the mapping names no person.key or person.change")
    return rule.key, rule.change_column


def _person_columns(rule: PersonRule) -> list[str]:
    key, change = keyset(rule)
    columns = [key, change, *rule.columns]
    if rule.deletion is not None:
        columns.append(rule.deletion.column)
    return list(dict.fromkeys(columns))


def changes_sql(rule: PersonRule, schema: str | None, *, after: bool) -> str:
    """A page of the person table in (change, key) order; $1 the limit, $2/$3 the position."""
    key_column, change_column = keyset(rule)
    change, key = quote(change_column), quote(key_column)
    where = f"WHERE {change} > $2 OR ({change} = $2 AND {key} > $3)" if after else ""
    columns = ", ".join(quote(column) for column in _person_columns(rule))
    return (
        f"SELECT {columns} FROM {_table(schema, rule.table)} {where}"
        f" ORDER BY {change}, {key} LIMIT $1"
    )


def _personal_id_column(rule: PersonRule) -> str:
    for field_rule in rule.fields:
        if field_rule.target == "personal_id" and len(field_rule.columns) == 1:
            return field_rule.columns[0]
    raise FatalSourceError("the mapping does not map personal_id to one column")


def known_people_sql(rule: PersonRule, schema: str | None) -> str:
    pid = quote(_personal_id_column(rule))
    key, _change = keyset(rule)
    deleted = f", {quote(rule.deletion.column)} AS deleted" if rule.deletion else ""
    return (
        f"SELECT {pid} AS personal_id, {quote(key)} AS key{deleted}"
        f" FROM {_table(schema, rule.table)} WHERE {pid} = ANY($1::text[])"
    )


def detail_sql(rule: DetailRule, schema: str | None) -> str:
    """One part's rows for people given by their keys in the person table ($1)."""
    columns = ", ".join(quote(column) for column in rule.columns)
    person = quote(rule.person_column)
    order = ", ".join(quote(column) for column in (rule.person_column, *rule.order_by))
    return (
        f"SELECT {person} AS __person_key, {columns} FROM {_table(schema, rule.table)}"
        f" WHERE {person} = ANY($1) ORDER BY {order}"
    )


def lists_sql(rules: Mapping[str, DetailRule], schema: str | None) -> str:
    """Every dossier list's rows for people given by their keys ($1), in one statement: each
    row as JSON (its own types: numbers stay exact, dates ISO), tagged with its list, in the
    mapping's order per person. One round trip per page whatever the number of lists."""
    parts = []
    for table, rule in rules.items():
        columns = ", ".join(quote(column) for column in rule.columns)
        person = quote(rule.person_column)
        order = ", ".join(quote(column) for column in (rule.person_column, *rule.order_by))
        parts.append(
            f"SELECT {_literal(table)} AS __list, {person}::text AS __person_key,"
            f" row_number() OVER (ORDER BY {order}) AS __n,"
            f" json_build_array({columns})::text AS __values"
            f" FROM {_table(schema, rule.table)} WHERE {person} = ANY($1)"
        )
    return " UNION ALL ".join(parts) + " ORDER BY __list, __n"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


DATE_COLUMNS_SQL = """
SELECT table_name, column_name FROM information_schema.columns
 WHERE table_schema = coalesce($1, current_schema()) AND table_name = ANY($2::text[])
   AND data_type IN ('date', 'timestamp without time zone', 'timestamp with time zone')
"""
"""The legacy tables' date-typed columns: JSON writes their values as ISO text, read back here
as dates (a text column's ISO-looking value stays text, for the mapping's declared form)."""


def list_rows(
    rules: Mapping[str, DetailRule],
    found: Sequence[Mapping[str, Any]],
    dates: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, list[dict[str, Any]]]:
    """lists_sql's rows back into each list's rows (column -> value, `__person_key` as text);
    `dates` the (legacy table, column) pairs that are date-typed."""
    out: dict[str, list[dict[str, Any]]] = {table: [] for table in rules}
    for row in found:
        rule = rules[row["__list"]]
        values = json.loads(row["__values"], parse_float=Decimal)
        entry = {
            column: _date_or_time(value) if (rule.table, column) in dates and value else value
            for column, value in zip(rule.columns, values, strict=True)
        }
        entry["__person_key"] = row["__person_key"]
        out[row["__list"]].append(entry)
    return out


def _date_or_time(value: str) -> date | datetime:
    return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)


def organizations_sql(rule: RecordRule, schema: str | None) -> str:
    columns = ", ".join(quote(column) for column in rule.columns)
    return f"SELECT {columns} FROM {_table(schema, rule.table)} ORDER BY 1"


# --- rows -> records (pure) -----------------------------------------------------------------------


def _version(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def is_deleted(rule: PersonRule, row: Mapping[str, Any], column: str | None = None) -> bool:
    """Whether the row is a deletion, as the legacy schema marks one."""
    if rule.deletion is None:
        return False
    flag = row.get(column or rule.deletion.column)
    return flag is not None if rule.deletion.not_null else flag in rule.deletion.values


# a legacy timestamp without a zone is the agency's wall clock, which in Viet Nam is UTC+7
_AGENCY_CLOCK = timezone(timedelta(hours=7))


def _changed_at(rule: PersonRule, value: Any) -> datetime | None:
    """The record's change time when the change column is a timestamp (not a counter)."""
    if rule.change_type != "timestamp" or not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=_AGENCY_CLOCK)


Sections = dict[str, tuple[Mapping[str, Any], ...]]


@dataclass(frozen=True)
class PersonLists:
    """A person's lists as read, the problems of their entries, and the repairs made to read
    them, each entry's field named "<table>[<n>].<field>" as the lists' problems are."""

    sections: Sections
    problems: tuple[Problem, ...] = ()
    corrections: tuple[Problem, ...] = ()


def person_record(
    rule: PersonRule,
    row: Mapping[str, Any],
    date_format: str | None = None,
    lists: PersonLists | None = None,
) -> SourceRecord:
    """The record of a person row; `lists` is what its lists hold (None: the mapping declares
    no lists, or the row is a deletion)."""
    key, change = keyset(rule)
    mapped = map_row(rule, row, date_format)
    deleted = is_deleted(rule, row)
    if deleted:
        lists = None
    return SourceRecord(
        source_record_id=str(row[key]),
        version=_version(row[change]),
        fields=mapped.fields,
        deleted=deleted,
        problems=(*mapped.problems, *(lists.problems if lists else ())),
        changed_at=_changed_at(rule, row[change]),
        sections=lists.sections if lists else None,
        corrections=(*mapped.corrections, *(lists.corrections if lists else ())),
    )


def dossier_sections(
    rules: Mapping[str, DetailRule],
    found: Mapping[str, Sequence[Mapping[str, Any]]],
    keys: Sequence[Any],
    date_format: str | None = None,
) -> dict[Any, PersonLists]:
    """Person key -> its lists from each list's rows (with `__person_key`, in the mapping's
    order). Every declared list is present for every key, empty when the person has no rows:
    the source states the whole list."""
    entries: dict[Any, dict[str, list[Mapping[str, Any]]]] = {
        key: {table: [] for table in rules} for key in keys
    }
    problems: dict[Any, list[Problem]] = {key: [] for key in keys}
    corrections: dict[Any, list[Problem]] = {key: [] for key in keys}
    for table, rule in rules.items():
        for row in found.get(table, ()):
            key = row["__person_key"]
            mapped = map_row(rule, row, date_format)
            number = len(entries[key][table]) + 1
            entries[key][table].append(mapped.fields)
            problems[key] += [p.in_entry(table, number) for p in mapped.problems]
            corrections[key] += [p.in_entry(table, number) for p in mapped.corrections]
    return {
        key: PersonLists(
            {table: tuple(rows) for table, rows in lists.items()},
            tuple(problems[key]),
            tuple(corrections[key]),
        )
        for key, lists in entries.items()
    }


def organization_record(rule: RecordRule, row: Mapping[str, Any]) -> OrganizationRecord:
    mapped = map_row(rule, row)
    fields = mapped.fields
    changed = fields.get("status_changed_on")
    if isinstance(changed, str):
        try:
            changed = date.fromisoformat(changed)
        except ValueError:
            changed = None  # the raw text is in problems
    return OrganizationRecord(
        code=str(fields.get("code")),
        name=str(fields.get("name") or ""),
        level=str(fields.get("level") or ""),
        parent_code=fields.get("parent_code"),
        status=str(fields.get("status") or "active"),
        status_changed_on=changed,
        successor_code=fields.get("successor_code"),
        problems=mapped.problems,
    )


# --- the source -----------------------------------------------------------------------------------


class SqlSource(Source):
    """An agency's legacy PostgreSQL database, read through a mapping file.

    Args:
        source_id: `VN:GOV:<agency code>:<subsystem>`.
        owner: the agency's electronic code.
        dsn: libpq-style address, logging in as the agency's SELECT-only role.
        mapping: a MappingSpec, the name of a file in adapters/mappings, or a path.
        schema: the PostgreSQL schema of the legacy tables (None: the role's search_path).
        pool_size: connections at most (opened on first use, never kept idle beyond need).
        statement_timeout_s: the server cancels a statement after this long (SourceTimeout).
        connect_timeout_s: how long to wait for a connection to open (SourceUnavailable after).
    """

    kind: ClassVar[SourceKind] = SourceKind.SQL
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.CHANGE_FEED, Capability.PERSON_DETAIL, Capability.ORGANIZATION_TREE}
    )

    def __init__(
        self,
        source_id: str,
        owner: str | None,
        *,
        dsn: str,
        mapping: MappingSpec | str | Path,
        schema: str | None = None,
        pool_size: int = 4,
        statement_timeout_s: float = 5.0,
        connect_timeout_s: float = 5.0,
    ) -> None:
        super().__init__(source_id, owner)
        self.mapping = mapping if isinstance(mapping, MappingSpec) else load_mapping(mapping)
        person = self.mapping.person
        missing = [
            name
            for name, value in (
                ("person.table", person.table),
                ("person.key", person.key),
                ("person.change", person.change_column),
            )
            if value is None
        ]
        if missing:
            raise FatalSourceError(
                f"{source_id}: mapping {self.mapping.name} lacks {', '.join(missing)}"
                " (needed to read a database)",
                source_id=source_id,
            )
        if pool_size < 1 or statement_timeout_s <= 0 or connect_timeout_s <= 0:
            raise FatalSourceError(
                f"{source_id}: pool_size and the timeouts must be positive", source_id=source_id
            )
        self._dsn = dsn
        self.schema = schema
        self._pool_size = pool_size
        self._statement_timeout_ms = int(statement_timeout_s * 1000)
        self._connect_timeout_s = connect_timeout_s
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._closed = False
        self._list_dates: frozenset[tuple[str, str]] | None = None  # read once, on first use

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SqlSource:
        """From a registry entry: id, owner, dsn, mapping, and optionally schema, pool_size,
        statement_timeout_s, connect_timeout_s."""
        unknown = sorted(set(settings) - _SETTINGS)
        if unknown:
            raise FatalSourceError(f"unknown setting(s) for kind sql: {', '.join(unknown)}")
        for name in ("id", "dsn", "mapping"):
            if not isinstance(settings.get(name), str) or not settings[name]:
                raise FatalSourceError(f"kind sql needs the setting {name!r} (a string)")
        numbers = {
            name: settings[name]
            for name in ("pool_size", "statement_timeout_s", "connect_timeout_s")
            if name in settings
        }
        for name, value in numbers.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FatalSourceError(f"setting {name!r} must be a number, got {value!r}")
        return cls(
            settings["id"],
            settings.get("owner"),
            dsn=settings["dsn"],
            mapping=settings["mapping"],
            schema=settings.get("schema"),
            **numbers,
        )

    # -- the one way to the database --

    async def _open(self) -> asyncpg.Pool:
        if self._closed:
            raise SourceClosed(f"{self.id} is closed", source_id=self.id)
        if self._pool is not None:
            return self._pool
        async with self._opening:
            if self._pool is None:
                with _translated(self.id):
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=0,
                        max_size=self._pool_size,
                        timeout=self._connect_timeout_s,
                        max_inactive_connection_lifetime=60.0,
                        server_settings={
                            "default_transaction_read_only": "on",
                            "statement_timeout": str(self._statement_timeout_ms),
                            "application_name": "cbccvc-gateway:sql",
                        },
                    )
            return self._pool

    async def run_read_only(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run `work` on a pooled connection inside one READ ONLY, REPEATABLE READ transaction
        (one snapshot for all its statements), with errors translated. Every statement of this
        source goes through here; a write fails with ReadOnlyViolation."""
        pool = await self._open()
        with _translated(self.id):
            async with (
                pool.acquire() as conn,
                conn.transaction(isolation="repeatable_read", readonly=True),
            ):
                return await work(conn)

    # -- the contract --

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        rule = self.mapping.person
        if cursor is None:
            sql, args = changes_sql(rule, self.schema, after=False), [limit + 1]
        else:
            change, key = decode_cursor(cursor, rule.change_type, self.id)
            sql, args = changes_sql(rule, self.schema, after=True), [limit + 1, change, key]
        key, change = keyset(rule)
        lists = self.mapping.dossier

        async def read(conn: asyncpg.Connection) -> tuple[list[Any], list[Any]]:
            rows = await conn.fetch(sql, *args)
            keys = [row[key] for row in rows[:limit] if not is_deleted(rule, row)]
            found = []
            if keys and lists:  # the page's lists in the page's snapshot, in one statement
                if self._list_dates is None:
                    tables = [str(list_rule.table) for list_rule in lists.values()]
                    typed = await conn.fetch(DATE_COLUMNS_SQL, self.schema, tables)
                    self._list_dates = frozenset((r[0], r[1]) for r in typed)
                found = await conn.fetch(lists_sql(lists, self.schema), keys)
            return rows, found

        rows, found = await self.run_read_only(read)
        page = rows[:limit]
        if not page:
            return ChangePage((), cursor, False)
        date_format = self.declarations.date_format
        keys = [str(row[key]) for row in page if not is_deleted(rule, row)]
        dossier = (
            dossier_sections(
                lists, list_rows(lists, found, self._list_dates or frozenset()), keys, date_format
            )
            if lists
            else {}
        )
        return ChangePage(
            tuple(
                person_record(rule, row, date_format, dossier.get(str(row[key]))) for row in page
            ),
            encode_cursor(page[-1][change], page[-1][key]),
            len(rows) > limit,
        )

    async def person_details(
        self, personal_ids: Sequence[str], parts: frozenset[DetailPart]
    ) -> Mapping[str, PersonDetail]:
        rule = self.mapping.person
        # in the mapping's order, so that the parts of every answer come in the same order
        wanted = {part: rule for part, rule in self.mapping.details.items() if part in parts}

        async def read(conn: asyncpg.Connection) -> dict[str, PersonDetail]:
            known = await conn.fetch(known_people_sql(rule, self.schema), list(personal_ids))
            people = {}
            for row in known:
                if not is_deleted(rule, row, "deleted"):
                    people[row["key"]] = str(row["personal_id"])
            entries: dict[str, dict[DetailPart, list[Mapping[str, Any]]]] = {
                pid: {part: [] for part in wanted} for pid in people.values()
            }
            for part, detail_rule in wanted.items():
                for row in await conn.fetch(detail_sql(detail_rule, self.schema), list(people)):
                    mapped = map_row(detail_rule, row)
                    entry = dict(mapped.fields)
                    if mapped.problems:
                        entry["problems"] = [p.describe() for p in mapped.problems]
                    entries[people[row["__person_key"]]][part].append(entry)
            return {
                pid: PersonDetail(pid, {part: tuple(found) for part, found in by_part.items()})
                for pid, by_part in entries.items()
            }

        return await self.run_read_only(read)

    async def organizations(self) -> Sequence[OrganizationRecord]:
        rule = self.mapping.organizations
        if rule is None:
            raise FatalSourceError(
                f"{self.id}: mapping {self.mapping.name} has no organizations section",
                source_id=self.id,
            )
        rows = await self.run_read_only(
            lambda conn: conn.fetch(organizations_sql(rule, self.schema))
        )
        return [organization_record(rule, row) for row in rows]

    async def health(self) -> Health:
        async def check() -> str:
            await self.run_read_only(lambda conn: conn.fetchval("SELECT 1"))
            return ""

        return await timed_health(check)

    async def aclose(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), timeout=5.0)
            except TimeoutError:
                pool.terminate()  # a connection still busy: do not hang the shutdown


def from_settings(settings: Mapping[str, Any], wiring: SourceWiring = NO_WIRING) -> Source:
    """The registry's factory for kind sql."""
    return SqlSource.from_settings(settings)
