from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sandbox_env import SandboxEnv
from sandbox_sql import closed_port

from adapters.errors import (
    FatalSourceError,
    ReadOnlyViolation,
    RetriableSourceError,
    SourceTimeout,
    SourceUnavailable,
)
from adapters.sql import SqlSource, decode_cursor, encode_cursor
from sandbox.legacy.build import build_legacy_agency, drop_legacy_agency, read_subtree, reader_dsn
from sandbox.legacy.details import person_details
from sandbox.legacy.formats import PROBLEM_FIELDS, problem_of
from store.database import drop_database, ensure_database, sync_free_dsn
from vocabulary.sources import DetailPart, SourceRecord, make_source_id

FORMATS = ("vi", "en")
PERSON_TABLE = {"vi": "can_bo", "en": "employee"}


class Legacy:
    """One legacy database with agency schemas in it, each with its reader role."""

    def __init__(self, env: SandboxEnv, url: str) -> None:
        self.env = env
        self.url = url
        self.dsns: dict[str, str] = {}
        self.roles: dict[str, str] = {}

    async def add(self, schema: str, fmt: str, root_code: str) -> None:
        role = f"reader_{schema}_{self.env.suffix}"
        password = secrets.token_hex(12)
        await build_legacy_agency(
            self.env.store_url, self.url, schema, root_code, fmt, role,  # type: ignore[arg-type]
            reader_password=password,
        )  # fmt: skip
        self.roles[schema] = role
        self.dsns[schema] = reader_dsn(self.url, role, password)

    async def drop(self, schema: str) -> None:
        await drop_legacy_agency(self.url, schema, self.roles.pop(schema))

    def source(self, schema: str, fmt: str | None = None, **options: Any) -> SqlSource:
        return SqlSource(
            make_source_id(self.env.root_code, "HRM"),
            self.env.root_code,
            dsn=self.dsns[schema],
            mapping=f"legacy_{fmt or schema}",
            schema=schema,
            **options,
        )

    async def admin(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(sync_free_dsn(self.url))
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()


@pytest_asyncio.fixture(scope="module")
async def legacy(make_env: Callable[[str], SandboxEnv]) -> AsyncIterator[Legacy]:
    """Two agencies of the same subtree side by side: schemas vi and en, one role each."""
    env = make_env("sql")
    name = f"cbccvc_legacy_sqltest_{env.suffix}"
    url = (await ensure_database(env.server_url, name)).render_as_string(hide_password=False)
    store = Legacy(env, url)
    try:
        for fmt in FORMATS:
            await store.add(fmt, fmt, env.root_code)
        yield store
    finally:
        for schema in list(store.roles):
            await store.drop(schema)
        await drop_database(env.server_url, name)


@pytest_asyncio.fixture(scope="module")
async def store_people(legacy: Legacy) -> dict[str, dict[str, Any]]:
    people, _orgs = await read_subtree(legacy.env.store_url, legacy.env.root_code)
    return {person["personal_id"]: person for person in people}


@pytest_asyncio.fixture(scope="module")
async def small_root(legacy: Legacy) -> str:
    """A unit of the agency with a handful of people, for tests that change the legacy data."""
    conn = await asyncpg.connect(sync_free_dsn(legacy.env.store_url))
    try:
        code: str = await conn.fetchval(
            """
            SELECT o.code FROM organization o JOIN person p ON p.organization_id = o.id
             WHERE o.path LIKE (SELECT path FROM organization WHERE code = $1) || '%'
             GROUP BY o.code HAVING count(*) BETWEEN 5 AND 30 ORDER BY count(*), o.code LIMIT 1
            """,
            legacy.env.root_code,
        )
    finally:
        await conn.close()
    return code


@pytest_asyncio.fixture
async def scratch(legacy: Legacy, small_root: str) -> AsyncIterator[Callable[..., Any]]:
    """Throwaway agency schemas of a few people, to change freely: `await scratch("en")`."""
    made: list[str] = []

    async def make(fmt: str = "vi") -> str:
        schema = f"scratch_{fmt}"
        await legacy.add(schema, fmt, small_root)
        made.append(schema)
        return schema

    try:
        yield make
    finally:
        for schema in made:
            await legacy.drop(schema)


async def feed(
    source: SqlSource, cursor: str | None = None, limit: int = 50
) -> tuple[list[SourceRecord], str | None]:
    records: list[SourceRecord] = []
    while True:
        page = await source.changes(cursor, limit)
        records.extend(page.records)
        cursor = page.next_cursor
        if not page.has_more:
            return records, cursor


def standard(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@pytest.mark.parametrize("fmt", FORMATS)
async def test_records_carry_the_store_values_in_standard_form(
    legacy: Legacy, store_people: dict[str, dict[str, Any]], fmt: str
) -> None:
    source = legacy.source(fmt)
    try:
        records, _ = await feed(source)
    finally:
        await source.aclose()
    clean = [record for record in records if not record.problems]
    assert len(clean) > 0.8 * len(store_people)
    for record in clean:
        person = store_people[record.fields["personal_id"]]
        expected = {name: standard(person[name]) for name in record.fields}
        assert record.fields == expected


@pytest.mark.parametrize("fmt", FORMATS)
async def test_deliberate_data_problems_are_named_and_the_records_kept(
    legacy: Legacy, store_people: dict[str, dict[str, Any]], fmt: str
) -> None:
    source = legacy.source(fmt)
    try:
        records, _ = await feed(source)
    finally:
        await source.aclose()
    assert len(records) == len(store_people)
    flawed = {r.fields["personal_id"]: r.problems for r in records if r.problems}
    expected = {pid for pid in store_people if problem_of(pid) is not None}
    assert set(flawed) == expected
    assert expected  # the sample is large enough to hold some
    for pid, problems in flawed.items():
        problem = problem_of(pid)
        assert problem is not None
        assert [p.field for p in problems] == [PROBLEM_FIELDS[(fmt, problem)]]
        assert all(p.rule and p.expected for p in problems)


async def test_the_other_ethnic_ordering_is_read_by_name(
    legacy: Legacy, store_people: dict[str, dict[str, Any]]
) -> None:
    muong = [
        pid
        for pid, p in store_people.items()
        if p["ethnicity_code"] == "06" and not problem_of(pid)
    ]
    if not muong:
        pytest.skip("no Mường person in this agency")
    rows = await legacy.admin("SELECT ma_dan_toc FROM vi.can_bo WHERE so_dinh_danh = $1", muong[0])
    assert rows[0]["ma_dan_toc"] == "04"  # Mường in the agency's ordering
    source = legacy.source("vi")
    try:
        records, _ = await feed(source)
    finally:
        await source.aclose()
    record = next(r for r in records if r.fields["personal_id"] == muong[0])
    assert record.fields["ethnicity_code"] == "06"


async def test_rows_sharing_an_update_time_are_paged_one_at_a_time(legacy: Legacy) -> None:
    rows = await legacy.admin("SELECT ma_can_bo FROM vi.can_bo ORDER BY ngay_cap_nhat, ma_can_bo")
    source = legacy.source("vi")
    try:
        records, _ = await feed(source, limit=1)
    finally:
        await source.aclose()
    assert [r.source_record_id for r in records] == [row["ma_can_bo"] for row in rows]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_soft_deleted_row_comes_next_as_a_deletion(
    legacy: Legacy, scratch: Callable[..., Any], fmt: str
) -> None:
    schema = await scratch(fmt)
    source = legacy.source(schema, fmt)
    try:
        before, cursor = await feed(source)
        victim = before[0].source_record_id
        if fmt == "vi":
            await legacy.admin(
                f"UPDATE {schema}.can_bo SET da_xoa = true,"
                " ngay_cap_nhat = now() + interval '1 day' WHERE ma_can_bo = $1", victim,
            )  # fmt: skip
        else:
            await legacy.admin(
                f"UPDATE {schema}.employee SET deleted_at = now(),"
                f" row_version = nextval('{schema}.row_version_seq') WHERE employee_id = $1",
                int(victim),
            )
        after, _ = await feed(source, cursor)
        details = await source.person_details(
            [before[0].fields["personal_id"]], frozenset(DetailPart)
        )
    finally:
        await source.aclose()
    assert [(r.source_record_id, r.deleted) for r in after] == [(victim, True)]
    assert details == {}  # a deleted person has no live details any more


async def test_only_rows_changed_after_the_cursor_come_next(
    legacy: Legacy, scratch: Callable[..., Any]
) -> None:
    schema = await scratch("vi")
    source = legacy.source(schema, "vi")
    try:
        before, cursor = await feed(source)
        await legacy.admin(
            f"UPDATE {schema}.can_bo SET ho_ten = 'Nguyễn Thị Ánh', ngay_cap_nhat = now()"
            " + interval '1 day' WHERE ma_can_bo = $1",
            before[2].source_record_id,
        )
        after, _ = await feed(source, cursor)
    finally:
        await source.aclose()
    assert [(r.source_record_id, r.fields["full_name"]) for r in after] == [
        (before[2].source_record_id, "Nguyễn Thị Ánh")
    ]
    assert after[0].version > before[-1].version


async def test_the_reader_role_cannot_write_even_in_a_read_write_transaction(
    legacy: Legacy,
) -> None:
    conn = await asyncpg.connect(legacy.dsns["vi"])
    try:
        await conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE vi.can_bo SET ho_ten = 'x'")
    finally:
        await conn.close()


async def test_a_write_through_the_adapter_is_a_read_only_violation(legacy: Legacy) -> None:
    source = legacy.source("vi")
    try:
        with pytest.raises(ReadOnlyViolation):
            await source.run_read_only(lambda conn: conn.execute("CREATE TABLE vi.leak (x int)"))
    finally:
        await source.aclose()


async def test_an_agency_reader_cannot_read_another_agencys_schema(legacy: Legacy) -> None:
    source = SqlSource(
        make_source_id(legacy.env.root_code, "HRM"), None, dsn=legacy.dsns["vi"],
        mapping="legacy_en", schema="en",
    )  # fmt: skip
    try:
        with pytest.raises(ReadOnlyViolation, match="permission denied"):
            await source.changes(None, 10)
    finally:
        await source.aclose()


async def test_a_mapping_that_names_a_missing_table_is_fatal_not_retriable(legacy: Legacy) -> None:
    source = legacy.source("vi", "en")  # the English mapping over the Vietnamese schema
    try:
        with pytest.raises(FatalSourceError, match="mapping") as caught:
            await source.changes(None, 10)
    finally:
        await source.aclose()
    assert not isinstance(caught.value, RetriableSourceError)


async def test_a_statement_over_the_timeout_is_a_source_timeout(legacy: Legacy) -> None:
    source = legacy.source("vi", statement_timeout_s=0.05)
    try:
        with pytest.raises(SourceTimeout):
            await source.run_read_only(lambda conn: conn.execute("SELECT pg_sleep(2)"))
    finally:
        await source.aclose()


async def test_a_role_out_of_connections_makes_the_source_unavailable(
    legacy: Legacy, scratch: Callable[..., Any]
) -> None:
    schema = await scratch("vi")
    await legacy.admin(f'ALTER ROLE "{legacy.roles[schema]}" CONNECTION LIMIT 0')
    source = legacy.source(schema, "vi")
    try:
        with pytest.raises(SourceUnavailable, match="TooManyConnections"):
            await source.changes(None, 10)
    finally:
        await source.aclose()


async def test_a_refused_connection_makes_the_source_unavailable() -> None:
    source = SqlSource(
        "VN:GOV:000.00.00.G18:HRM", None, mapping="legacy_vi",
        dsn=f"postgresql://nobody@127.0.0.1:{closed_port()}/legacy",
    )  # fmt: skip
    try:
        with pytest.raises(SourceUnavailable):
            await source.organizations()
    finally:
        await source.aclose()


@pytest.mark.parametrize("fmt", FORMATS)
async def test_organizations_are_the_agency_subtree_in_standard_terms(
    legacy: Legacy, fmt: str
) -> None:
    _people, orgs = await read_subtree(legacy.env.store_url, legacy.env.root_code)
    source = legacy.source(fmt)
    try:
        found = await source.organizations()
    finally:
        await source.aclose()
    by_code = {org.code: org for org in found}
    assert set(by_code) == {org["code"] for org in orgs}
    for org in orgs:
        record = by_code[org["code"]]
        assert (record.name, record.level, record.parent_code, record.status) == (
            org["name"], org["level"], org["parent_code"], org["status"],
        )  # fmt: skip
        assert record.status_changed_on == org["status_changed_on"]
        assert record.problems == ()


@pytest.mark.parametrize("fmt", FORMATS)
async def test_person_details_are_the_agency_histories_in_order(
    legacy: Legacy, store_people: dict[str, dict[str, Any]], fmt: str
) -> None:
    pids = sorted(store_people)[:5]
    source = legacy.source(fmt)
    try:
        details = await source.person_details(pids, frozenset(DetailPart))
    finally:
        await source.aclose()
    for pid in pids:
        written = person_details(store_people[pid])
        read = details[pid].parts
        assert list(read) == list(DetailPart)
        for part, entries in written.items():
            assert list(read[part]) == [
                {key: standard(value) for key, value in entry.items()} for entry in entries
            ]


async def test_only_the_parts_asked_for_are_read(
    legacy: Legacy, store_people: dict[str, Any]
) -> None:
    source = legacy.source("vi")
    try:
        details = await source.person_details(
            sorted(store_people)[:1], frozenset({DetailPart.FAMILY})
        )
    finally:
        await source.aclose()
    assert [list(detail.parts) for detail in details.values()] == [[DetailPart.FAMILY]]


async def test_a_cursor_this_source_did_not_issue_is_refused(legacy: Legacy) -> None:
    source = legacy.source("vi")
    try:
        with pytest.raises(FatalSourceError, match="not a cursor"):
            await source.changes("bm90IGEgY3Vyc29y", 10)
    finally:
        await source.aclose()


@pytest.mark.parametrize(
    ("change", "key", "kind"),
    [(datetime(2025, 1, 2, 8, 0, 0, 123456), "CB000001", "timestamp"), (1230, 1044, "integer")],
)
def test_cursors_round_trip_their_keyset_position(change: Any, key: Any, kind: str) -> None:
    cursor = encode_cursor(change, key)
    assert decode_cursor(cursor, kind) == (change, key)
    assert "CB000001" not in cursor  # opaque, not a readable key


async def test_dropping_an_agency_removes_its_reader_role(legacy: Legacy, small_root: str) -> None:
    await legacy.add("gone", "vi", small_root)
    role = legacy.roles["gone"]
    await legacy.drop("gone")
    assert await legacy.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", role) == []
