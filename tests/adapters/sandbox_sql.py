"""The database and file kinds for the shared conformance suite: sql-vi, sql-en, file.

Each factory builds its agency from the seeded store (sandbox/legacy): a legacy database of its
own with one agency schema and a SELECT-only role, or a drop folder. See conftest.py.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sandbox_env import Expected, SandboxEnv, SourceFactory

from adapters.base import Source
from adapters.file import FileSource
from adapters.sql import SqlSource, quote
from sandbox.legacy.build import (
    build_legacy_agency,
    drop_legacy_agency,
    read_subtree,
    reader_dsn,
)
from sandbox.legacy.filedrop import write_file_drop
from sandbox.legacy.formats import Format
from store.database import drop_database, ensure_database
from vocabulary.sources import make_source_id

PERSON_TABLE = {"vi": "can_bo", "en": "employee"}


def closed_port() -> int:
    """A loopback port where nothing listens (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def store_names(env: SandboxEnv) -> dict[str, str]:
    people, _orgs = await read_subtree(env.store_url, env.root_code)
    return {person["personal_id"]: person["full_name"] for person in people}


@asynccontextmanager
async def legacy_agency(
    env: SandboxEnv, fmt: Format, root_code: str | None = None, *, name: str = "agency"
) -> AsyncIterator[dict[str, Any]]:
    """A legacy database with one agency schema and its reader role; dropped on exit."""
    database = f"cbccvc_legacy_{fmt}_{name}_{env.suffix}"
    role = f"reader_{fmt}_{name}_{env.suffix}"
    schema = f"{name}_{fmt}"
    password = secrets.token_hex(12)
    url = (await ensure_database(env.server_url, database)).render_as_string(hide_password=False)
    try:
        count = await build_legacy_agency(
            env.store_url, url, schema, root_code or env.root_code, fmt, role,
            reader_password=password,
        )  # fmt: skip
        yield {
            "url": url,
            "schema": schema,
            "role": role,
            "dsn": reader_dsn(url, role, password),
            "count": count,
            "mapping": f"legacy_{fmt}",
        }
    finally:
        await drop_legacy_agency(url, schema, role)
        await drop_database(env.server_url, database)


def sql_source(agency: dict[str, Any], env: SandboxEnv, **options: Any) -> SqlSource:
    return SqlSource(
        make_source_id(env.root_code, "HRM"),
        env.root_code,
        dsn=agency["dsn"],
        mapping=agency["mapping"],
        schema=agency["schema"],
        **options,
    )


def _sql_factory(fmt: Format) -> SourceFactory:
    @asynccontextmanager
    async def factory(env: SandboxEnv) -> AsyncIterator[tuple[Source, Expected]]:
        async with legacy_agency(env, fmt) as agency:
            table = f"{quote(agency['schema'])}.{PERSON_TABLE[fmt]}"

            async def write_probe(source: Source) -> object:
                assert isinstance(source, SqlSource)
                return await source.run_read_only(lambda conn: conn.execute(f"DELETE FROM {table}"))

            def down() -> Source:
                dead = f"postgresql://{agency['role']}@127.0.0.1:{closed_port()}/nothing"
                return SqlSource(
                    make_source_id(env.root_code, "HRM"),
                    env.root_code,
                    dsn=dead,
                    mapping=agency["mapping"],
                    connect_timeout_s=2.0,
                )

            source = sql_source(agency, env)
            try:
                yield (
                    source,
                    Expected(
                        people=await store_names(env),
                        fresh=lambda: sql_source(agency, env),
                        down=down,
                        write_probe=write_probe,
                    ),
                )
            finally:
                await source.aclose()

    return factory


@asynccontextmanager
async def file_drop(env: SandboxEnv) -> AsyncIterator[tuple[Source, Expected]]:
    folder = env.workdir / "drops"
    await write_file_drop(env.store_url, folder, env.root_code)

    def fresh() -> Source:
        return FileSource(make_source_id(env.root_code, "DROP"), env.root_code, folder=folder)

    def down() -> Source:
        return FileSource(
            make_source_id(env.root_code, "DROP"), env.root_code, folder=env.workdir / "unmounted"
        )

    source = fresh()
    try:
        yield source, Expected(people=await store_names(env), fresh=fresh, down=down)
    finally:
        await source.aclose()


FACTORIES: dict[str, SourceFactory] = {
    "sql-vi": _sql_factory("vi"),
    "sql-en": _sql_factory("en"),
    "file": file_drop,
}
