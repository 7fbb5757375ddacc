"""Protocol versions 1 and 2 side by side: a version 2 connector carries the dossier's lists
(the store's own rows, as sandbox/dossier.py made them), a version 1 connector carries none, and
MOHA's client reads both; each passes the conformance check."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest_asyncio
from exchange_env import Agencies
from sqlalchemy.engine import URL

from adapters.exchange import ExchangeSource
from exchange import protocol
from exchange.caller import EnvelopeCaller
from exchange.conformance import FAIL, check_connector, report
from exchange.keys import TrustedKeys
from exchange.provision import agency_party
from sandbox.dossier import COLUMNS
from sandbox.services.running import RunningService, start_connector
from store.database import sync_free_dsn


def caller(connector: RunningService, code: str) -> EnvelopeCaller:
    assert connector.keys is not None
    jwks = orjson.loads(connector.keys.folder.agency_jwks(code).read_bytes())
    return EnvelopeCaller(connector.keys.moha, TrustedKeys.from_jwks(jwks), agency_party(code))


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="module")
async def version_1_connector(
    seeded_store_url: URL, postgres_server: URL, agencies: Agencies
) -> AsyncIterator[RunningService]:
    service = await start_connector(
        url_text(seeded_store_url),
        url_text(postgres_server),
        f"cbccvc_test_connector_v1_{uuid.uuid4().hex[:8]}",
        [agencies.small],
        version=protocol.VERSION_1,
    )
    yield service
    await service.aclose()


async def all_records(connector: RunningService, code: str) -> list[Any]:
    source = ExchangeSource(
        agency_party(code), code, connector.base_url(code), envelope=caller(connector, code)
    )
    try:
        records, cursor, more = [], None, True
        while more:
            page = await source.changes(cursor, 500)
            records += page.records
            cursor, more = page.next_cursor, page.has_more
        return records
    finally:
        await source.aclose()


async def store_lists(store_url: URL, personal_id: str) -> dict[str, list[dict[str, Any]]]:
    conn = await asyncpg.connect(sync_free_dsn(store_url))
    try:
        lists = {}
        for table, columns in COLUMNS.items():
            rows = await conn.fetch(
                f"SELECT {', '.join(f'd.{c}' for c in columns)} FROM {table} d"
                " JOIN person p ON p.id = d.person_id WHERE p.personal_id = $1 ORDER BY d.id",
                personal_id,
            )
            lists[table] = [dict(row) for row in rows]
        return lists
    finally:
        await conn.close()


def as_wire(value: Any) -> Any:
    """A store value as a SourceRecord holds it (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


async def test_a_version_2_connector_carries_each_persons_lists_as_the_store_holds_them(
    connector: RunningService, agencies: Agencies, seeded_store_url: URL
) -> None:
    records = await all_records(connector, agencies.small.code)
    assert records
    assert all(r.carries_lists for r in records)
    # the client hands the lists on unread (the sync types them when it needs them)
    typed = [r.typed_sections() for r in records]
    assert all(problems == () for _, problems in typed)
    for record, (sections, _) in zip(records[:3], typed, strict=False):
        expected = await store_lists(seeded_store_url, record.fields["personal_id"])
        assert sections is not None
        assert set(sections) == set(COLUMNS)
        for table, rows in expected.items():
            got = [dict(entry) for entry in sections[table]]
            want = [{c: as_wire(v) for c, v in row.items()} for row in rows]
            assert got == want, table
    # the families the sandbox draws: every person has parents
    assert all(sections and sections["dossier_family_member"] for sections, _ in typed)


async def test_a_version_1_connector_keeps_working_and_carries_no_lists(
    version_1_connector: RunningService, connector: RunningService, agencies: Agencies
) -> None:
    old = await all_records(version_1_connector, agencies.small.code)
    new = await all_records(connector, agencies.small.code)
    assert [r.source_record_id for r in old] == [r.source_record_id for r in new]
    assert not any(r.carries_lists for r in old)  # the store keeps the lists it holds
    assert [r.fields for r in old] == [r.fields for r in new]
    assert all(r.problems == () for r in old)


async def test_both_versions_pass_the_conformance_check(
    version_1_connector: RunningService, connector: RunningService, agencies: Agencies
) -> None:
    code = agencies.small.code
    details = []
    for service in (version_1_connector, connector):
        results = await check_connector(service.base_url(code), caller(service, code))
        assert not [r for r in results if r.status == FAIL], report(results)
        details.append(next(r.detail for r in results if r.name == "declarations (version 2)"))
    assert details[0].startswith("version 1.1: no declarations")
    assert "forged declaration refused" in details[1]
