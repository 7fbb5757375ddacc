"""Build a simulated agency's legacy database from the Ministry store's people of one subtree.

Each agency gets a PostgreSQL schema of its own in a legacy database (schema_vi.sql or
schema_en.sql), filled with COPY, and a login role that may only read it: USAGE on the schema,
SELECT on its tables, and `default_transaction_read_only` on, the way an agency would grant a
reporting account to the Ministry. Roles are server-wide in PostgreSQL, so callers give them
names unique to their test or demo database and drop them with `drop_legacy_agency`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from sandbox.dossier import COLUMNS as DOSSIER_COLUMNS
from sandbox.legacy.details import person_details
from sandbox.legacy.dossier_formats import dossier_tables, legacy_dossier_rows
from sandbox.legacy.formats import (
    DETAIL_TABLES,
    EN_ORG_COLUMNS,
    EN_PERSON_COLUMNS,
    PERSON_COLUMN,
    VI_ORG_COLUMNS,
    VI_PERSON_COLUMNS,
    Format,
    Row,
    detail_rows,
    en_key,
    en_organization,
    en_person,
    vi_key,
    vi_organization,
    vi_person,
)
from store.database import sync_free_dsn

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PASSWORD = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_DDL = {"vi": "schema_vi.sql", "en": "schema_en.sql"}

SUBTREE_PEOPLE = """
SELECT p.*, o.code AS organization_code, o.name AS organization_name
  FROM person p
  JOIN organization o ON o.id = p.organization_id
 WHERE o.path LIKE (SELECT path FROM organization WHERE code = $1) || '%'
 ORDER BY p.personal_id
"""
SUBTREE_ORGANIZATIONS = """
SELECT o.code, o.name, o.level, parent.code AS parent_code, o.status, o.status_changed_on,
       successor.code AS successor_code
  FROM organization o
  LEFT JOIN organization parent ON parent.id = o.parent_id
  LEFT JOIN organization successor ON successor.id = o.successor_id
 WHERE o.path LIKE (SELECT path FROM organization WHERE code = $1) || '%'
 ORDER BY o.path
"""


def _identifier(kind: str, value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{kind} {value!r} must match {_IDENTIFIER.pattern}")
    return f'"{value}"'


async def read_subtree(
    store_url: str, root_code: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The store's people (with organization_code and organization_name) and organisations of
    the subtree rooted at `root_code`, people in personal ID order. Each person carries its
    dossier lists under "dossier" (catalogue table -> rows in sandbox/dossier.py's COLUMNS
    order, in the store's order): what the agency's CV module holds of them."""
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        if await conn.fetchval("SELECT 1 FROM organization WHERE code = $1", root_code) is None:
            raise ValueError(f"no organisation {root_code!r} in the store")
        people = [dict(row) for row in await conn.fetch(SUBTREE_PEOPLE, root_code)]
        orgs = [dict(row) for row in await conn.fetch(SUBTREE_ORGANIZATIONS, root_code)]
        by_id = {person["id"]: person for person in people}
        for person in people:
            person["dossier"] = {table: [] for table in DOSSIER_COLUMNS}
        for table, columns in DOSSIER_COLUMNS.items():
            found = await conn.fetch(
                f"SELECT person_id, {', '.join(columns)} FROM {table}"
                " WHERE person_id = ANY($1::bigint[]) ORDER BY person_id, id",
                list(by_id),
            )
            for row in found:
                by_id[row["person_id"]]["dossier"][table].append(tuple(row)[1:])
    finally:
        await conn.close()
    return people, orgs


@dataclass(frozen=True)
class _Layout:
    person_table: str
    person_columns: tuple[str, ...]
    person_row: Callable[[int, Mapping[str, Any]], Row]
    person_key: Callable[[int], object]
    org_table: str
    org_columns: tuple[str, ...]
    org_row: Callable[[Mapping[str, Any]], Row]


_LAYOUTS = {
    "vi": _Layout("can_bo", VI_PERSON_COLUMNS, vi_person, vi_key, "don_vi", VI_ORG_COLUMNS,
                  vi_organization),
    "en": _Layout("employee", EN_PERSON_COLUMNS, en_person, en_key, "org_unit", EN_ORG_COLUMNS,
                  en_organization),
}  # fmt: skip


def legacy_rows(
    fmt: Format, people: list[dict[str, Any]], orgs: list[dict[str, Any]]
) -> dict[str, tuple[tuple[str, ...], list[Row]]]:
    """Table -> (columns, rows) of one agency's legacy content, in insertion order."""
    layout = _LAYOUTS[fmt]
    tables: dict[str, tuple[tuple[str, ...], list[Row]]] = {
        layout.org_table: (layout.org_columns, [layout.org_row(org) for org in orgs]),
        layout.person_table: (
            layout.person_columns,
            [layout.person_row(index, person) for index, person in enumerate(people)],
        ),
    }
    for table, columns in DETAIL_TABLES[fmt].values():
        tables[table] = ((PERSON_COLUMN[fmt], *columns), [])
    for table, columns in dossier_tables(fmt).items():
        tables[table] = ((PERSON_COLUMN[fmt], *columns), [])
    for index, person in enumerate(people):
        key, gender = layout.person_key(index), person["gender"]
        rows = detail_rows(fmt, key, gender, person_details(person))
        rows.update(legacy_dossier_rows(fmt, key, gender, person.get("dossier", {})))
        for table, found in rows.items():
            tables[table][1].extend(found)
    return tables


async def build_legacy_agency(
    store_url: str,
    legacy_url: str,
    schema: str,
    root_code: str,
    fmt: Format,
    reader_role: str,
    *,
    reader_password: str | None = None,
) -> int:
    """Create schema `schema` in the legacy database and fill it from the store's subtree at
    `root_code` in format `fmt`; create `reader_role` (SELECT-only, read-only transactions).
    Replaces a schema of the same name. Returns the number of people written."""
    quoted_schema = _identifier("schema", schema)
    quoted_role = _identifier("role", reader_role)
    if reader_password is not None and not _PASSWORD.match(reader_password):
        raise ValueError(f"the reader's password must match {_PASSWORD.pattern}")
    people, orgs = await read_subtree(store_url, root_code)
    tables = legacy_rows(fmt, people, orgs)
    ddl = (Path(__file__).parent / _DDL[fmt]).read_text(encoding="utf-8")

    conn = await asyncpg.connect(sync_free_dsn(legacy_url))
    try:
        async with conn.transaction():
            await conn.execute(f"DROP SCHEMA IF EXISTS {quoted_schema} CASCADE")
            await conn.execute(f"CREATE SCHEMA {quoted_schema}")
            await conn.execute(f"SET LOCAL search_path TO {quoted_schema}")
            await conn.execute(ddl)
            for table, (columns, rows) in tables.items():
                await conn.copy_records_to_table(
                    table, records=rows, columns=columns, schema_name=schema
                )
            if fmt == "en":
                # later changes (tests) continue above the versions written here
                await conn.execute(
                    "SELECT setval('row_version_seq', (SELECT coalesce(max(row_version), 0) + 1"
                    " FROM employee))"
                )
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", reader_role)
            if not exists:
                await conn.execute(f"CREATE ROLE {quoted_role} LOGIN")
            if reader_password is not None:
                await conn.execute(f"ALTER ROLE {quoted_role} PASSWORD '{reader_password}'")
            await conn.execute(f"ALTER ROLE {quoted_role} SET default_transaction_read_only = on")
            await conn.execute(f"GRANT USAGE ON SCHEMA {quoted_schema} TO {quoted_role}")
            await conn.execute(
                f"GRANT SELECT ON ALL TABLES IN SCHEMA {quoted_schema} TO {quoted_role}"
            )
        await conn.execute(f"ANALYZE {quoted_schema}.{_LAYOUTS[fmt].person_table}")
    finally:
        await conn.close()
    return len(people)


async def restamp_changes(legacy_url: str, schema: str, latest: datetime) -> None:
    """Move a Vietnamese-schema agency's change stamps (`ngay_cap_nhat`, the agency's wall clock)
    so that its rows changed one second apart, the newest at `latest`; order is kept. The demo
    stamps some agencies days before it serves them, so the scorecard has late agencies to show.
    """
    conn = await asyncpg.connect(sync_free_dsn(legacy_url))
    try:
        await conn.execute(
            f"""UPDATE {_identifier("schema", schema)}.can_bo c
                   SET ngay_cap_nhat = $1::timestamp - (o.n - o.rn) * interval '1 second'
                  FROM (SELECT ma_can_bo, row_number() OVER (ORDER BY ngay_cap_nhat, ma_can_bo)
                               AS rn, count(*) OVER () AS n
                          FROM {_identifier("schema", schema)}.can_bo) o
                 WHERE o.ma_can_bo = c.ma_can_bo""",
            latest.replace(tzinfo=None),
        )
    finally:
        await conn.close()


async def drop_legacy_agency(legacy_url: str, schema: str, reader_role: str) -> None:
    """Drop the agency's schema and its reader role (what build_legacy_agency created)."""
    quoted_schema = _identifier("schema", schema)
    quoted_role = _identifier("role", reader_role)
    conn = await asyncpg.connect(sync_free_dsn(legacy_url))
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {quoted_schema} CASCADE")
        if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", reader_role):
            # the role's grants in this database go first, or DROP ROLE refuses
            await conn.execute(f"DROP OWNED BY {quoted_role}")
            await conn.execute(f"DROP ROLE {quoted_role}")
    finally:
        await conn.close()


def reader_dsn(legacy_url: str, reader_role: str, reader_password: str | None = None) -> str:
    """The legacy database's address, logging in as the agency's read-only role."""
    url = make_url(legacy_url).set(username=reader_role, password=reader_password)
    return sync_free_dsn(url)
