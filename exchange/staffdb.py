"""The agency database a connector reads: a few tables in one schema, in a simple format.

    <schema>.agency        the agencies this database holds: code and source id
    <schema>.organization  each agency's organisation subtree (code, parent code, status...)
    <schema>.staff         one row per person an agency employs: `profile` holds the standard
                           fields (protocol.PERSON_FIELDS, JSON-ready), `details` the live
                           histories by DetailPart; `change_seq` orders the change feed,
                           `changed_at` is when the row last changed (the feed's change time)

Usually one agency per database; the sandbox keeps many agencies in one, each row keyed by its
agency's code, so that one connector process serves them all.

Every insert or update of a staff row takes the next number of the change sequence and (on
update) the next version and the time of the change, by trigger (an update that sets
`changed_at` itself keeps it: an HR system replaying an older change knows when it happened):
whatever writes to the table (the agency's own HR system; the sandbox's simulations), the feed
sees it. A deletion is a tombstone (`deleted`),
never a removed row, so that the feed can report it.

The connector only reads: its connections are opened read-only (`default_transaction_read_only`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import orjson

from vocabulary.sources import OrganizationRecord

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_SCHEMA = "hrm"


def check_schema(name: str) -> str:
    # schema names are interpolated into SQL: only plain lower-case identifiers pass
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain lower-case SQL identifier")
    return name


def ddl(schema: str = DEFAULT_SCHEMA) -> list[str]:
    """The statements that create the schema (one statement per item, for asyncpg)."""
    s = check_schema(schema)
    return [
        f"CREATE SCHEMA {s}",
        f"CREATE TABLE {s}.agency (code text PRIMARY KEY, source_id text NOT NULL UNIQUE)",
        f"""CREATE TABLE {s}.organization (
            agency_code text NOT NULL REFERENCES {s}.agency (code),
            position integer NOT NULL,
            code text NOT NULL,
            name text NOT NULL,
            level text NOT NULL,
            parent_code text,
            status text NOT NULL,
            status_changed_on date,
            successor_code text,
            PRIMARY KEY (agency_code, position),
            UNIQUE (agency_code, code))""",
        f"CREATE SEQUENCE {s}.change_seq",
        f"""CREATE TABLE {s}.staff (
            agency_code text NOT NULL REFERENCES {s}.agency (code),
            staff_no text NOT NULL,
            personal_id text,
            version integer NOT NULL DEFAULT 1,
            deleted boolean NOT NULL DEFAULT false,
            change_seq bigint NOT NULL UNIQUE DEFAULT nextval('{s}.change_seq'),
            profile jsonb NOT NULL,
            details jsonb NOT NULL DEFAULT '{{}}',
            changed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (agency_code, staff_no),
            UNIQUE (agency_code, personal_id))""",
        # the feed of one agency is one range scan of this index
        f"CREATE INDEX staff_feed ON {s}.staff (agency_code, change_seq)",
        f"""CREATE FUNCTION {s}.staff_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_seq := nextval('{s}.change_seq');
            NEW.version := OLD.version + 1;
            IF NEW.changed_at IS NOT DISTINCT FROM OLD.changed_at THEN
                NEW.changed_at := now();
            END IF;
            RETURN NEW;
        END $$""",
        f"""CREATE TRIGGER staff_changed BEFORE UPDATE ON {s}.staff
            FOR EACH ROW EXECUTE FUNCTION {s}.staff_changed()""",
    ]


STAFF_COLUMNS = ("agency_code", "staff_no", "personal_id", "profile", "details")
ORGANIZATION_COLUMNS = (
    "agency_code", "position", "code", "name", "level", "parent_code", "status",
    "status_changed_on", "successor_code",
)  # fmt: skip


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb in and out through orjson (the default codec goes through text json)."""
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: orjson.dumps(value).decode(),
        decoder=orjson.loads,
        schema="pg_catalog",
    )


async def create_reader_pool(dsn: str, *, max_size: int = 4) -> asyncpg.Pool:
    """A pool whose every transaction is read-only: a connector cannot write by mistake."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        init=init_connection,
        server_settings={
            "default_transaction_read_only": "on",
            "application_name": "cbccvc-connector",
        },
    )
    if pool is None:  # asyncpg's stubs allow it; a pool that failed to open has raised already
        raise RuntimeError("asyncpg returned no pool")
    return pool


async def served_agencies(pool: asyncpg.Pool, schema: str = DEFAULT_SCHEMA) -> dict[str, str]:
    """Every agency the database holds: code -> source id."""
    rows = await pool.fetch(f"SELECT code, source_id FROM {check_schema(schema)}.agency")
    return {row["code"]: row["source_id"] for row in rows}


class StaffDatabase:
    """The read queries of one agency in the database's schema."""

    def __init__(self, pool: asyncpg.Pool, agency_code: str, schema: str = DEFAULT_SCHEMA) -> None:
        self.pool = pool
        self.agency = agency_code
        self.schema = check_schema(schema)

    async def changes(self, after: int, limit: int) -> list[Mapping[str, Any]]:
        """Up to `limit` staff rows changed after change number `after`, in change order."""
        return list(
            await self.pool.fetch(
                f"""SELECT staff_no, version, deleted, change_seq, profile, changed_at
                      FROM {self.schema}.staff
                     WHERE agency_code = $1 AND change_seq > $2
                     ORDER BY change_seq
                     LIMIT $3""",
                self.agency,
                after,
                limit,
            )
        )

    async def details(self, personal_ids: Sequence[str]) -> list[Mapping[str, Any]]:
        return list(
            await self.pool.fetch(
                f"""SELECT personal_id, details FROM {self.schema}.staff
                     WHERE agency_code = $1 AND personal_id = ANY($2::text[]) AND NOT deleted""",
                self.agency,
                list(personal_ids),
            )
        )

    async def organizations(self) -> list[OrganizationRecord]:
        rows = await self.pool.fetch(
            f"""SELECT code, name, level, parent_code, status, status_changed_on, successor_code
                  FROM {self.schema}.organization WHERE agency_code = $1 ORDER BY position""",
            self.agency,
        )
        return [OrganizationRecord(**dict(row)) for row in rows]

    async def count(self) -> int:
        return int(
            await self.pool.fetchval(
                f"SELECT count(*) FROM {self.schema}.staff WHERE agency_code = $1 AND NOT deleted",
                self.agency,
            )
        )
