"""Load the versioned code-list files into the store's code-list tables.

A list is rewritten only when its file's version differs from the one recorded in `code_list`, so
calling this on every start costs one query. Rows are upserted, never deleted: people may still
refer to a code that a newer list no longer has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from store import models
from store.codelists import CodeList, load_code_list, salary_steps
from store.models import table_of

Row = dict[str, Any]


def _plain(keys: Sequence[str]) -> Callable[[Mapping[str, Any]], list[Row]]:
    return lambda entry: [{key: entry[key] for key in keys}]


# list name -> (table, how one file entry becomes rows), in foreign-key order
_TABLES: tuple[tuple[str, Table, Callable[[Mapping[str, Any]], list[Row]]], ...] = (
    ("ethnic_groups", table_of(models.EthnicGroup), _plain(("code", "name"))),
    ("religions", table_of(models.Religion), _plain(("code", "name"))),
    (
        "salary_scales",
        table_of(models.SalaryScale),
        _plain(("code", "name", "group", "first_coefficient", "increment", "steps")),
    ),
    (
        "grades",
        table_of(models.Grade),
        lambda e: [{**_plain(("code", "name", "category"))(e)[0], "scale_code": e["scale"]}],
    ),
    ("provinces", table_of(models.Province), _plain(("code", "name", "kind"))),
    ("old_provinces", table_of(models.OldProvince), _plain(("code", "name", "merged_into"))),
    (
        "communes",
        table_of(models.Commune),
        lambda e: [{**_plain(("code", "name", "kind"))(e)[0], "province_code": e["province"]}],
    ),
    (
        "positions",
        table_of(models.Position),
        _plain(("code", "name", "level", "allowance_coefficient")),
    ),
)


def _salary_step_rows(code_list: CodeList) -> list[Row]:
    return [
        {"scale_code": entry["code"], "step": step, "coefficient": coefficient}
        for entry in code_list.entries
        for step, coefficient in salary_steps(entry)
    ]


async def _upsert(
    conn: AsyncConnection, table: Table, rows: list[Row], keys: Sequence[str]
) -> None:
    if not rows:
        return
    statement = insert(table).values(rows)
    updated = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    await conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updated))


async def load_code_lists(conn: AsyncConnection) -> list[str]:
    """Bring every code-list table up to its file's version; returns the lists it rewrote."""
    version_table = table_of(models.CodeListVersion)
    loaded = dict((await conn.execute(select(version_table.c.name, version_table.c.version))).all())
    rewritten = []
    for name, table, to_rows in _TABLES:
        code_list = load_code_list(name)
        if loaded.get(name) == code_list.version:
            continue
        rows = [row for entry in code_list.entries for row in to_rows(entry)]
        await _upsert(conn, table, rows, [c.name for c in table.primary_key.columns])
        if name == "salary_scales":
            await _upsert(
                conn,
                table_of(models.SalaryStep),
                _salary_step_rows(code_list),
                ["scale_code", "step"],
            )
        await _upsert(
            conn,
            version_table,
            [
                {
                    "name": name,
                    "version": code_list.version,
                    "source": code_list.source,
                    "note": code_list.note,
                }
            ],
            ["name"],
        )
        rewritten.append(name)
    return rewritten
