"""Kind exchange with the envelope on: signed calls, sealed answers, and nothing forged gets in."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from agency_server import agency as agency_server
from aiohttp import web
from sandbox_http import medium_agency, people_of
from sqlalchemy.engine import URL

from adapters.errors import FatalSourceError, SourceSecurityError
from adapters.exchange import ExchangeSource, from_settings
from exchange import protocol
from exchange.caller import EnvelopeCaller
from exchange.keys import PartyKeys, TrustedKeys, TrustedKeysFile, write_jwks
from exchange.msglog import MessageLog
from sandbox.services.running import RunningService, start_connector
from sandbox.services.truth import Subtree
from vocabulary.sources import DetailPart, make_source_id


def text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest_asyncio.fixture(scope="module")
async def agency(seeded_store_url: URL) -> Subtree:
    return await medium_agency(text(seeded_store_url))


@pytest_asyncio.fixture(scope="module")
async def connector(
    seeded_store_url: URL, postgres_server: URL, agency: Subtree
) -> AsyncIterator[RunningService]:
    service = await start_connector(
        text(seeded_store_url),
        text(postgres_server),
        f"cbccvc_test_sealed_{uuid.uuid4().hex[:8]}",
        [agency],
        require_envelope=True,
    )
    yield service
    await service.aclose()


def caller(connector: RunningService, agency: Subtree, **options: Any) -> EnvelopeCaller:
    assert connector.keys is not None
    folder = connector.keys.folder
    trusted = TrustedKeysFile(folder.agency_jwks(agency.code))
    return EnvelopeCaller(
        connector.keys.moha, trusted.current, make_source_id(agency.code, "HRM"), **options
    )


def source(connector: RunningService, agency: Subtree, envelope: EnvelopeCaller) -> ExchangeSource:
    return ExchangeSource(
        make_source_id(agency.code, "HRM"),
        agency.code,
        connector.base_url(agency.code),
        timeout=5.0,
        envelope=envelope,
    )


async def test_the_sealed_feed_yields_every_person_and_both_sides_can_prove_it(
    connector: RunningService, agency: Subtree, seeded_store_url: URL
) -> None:
    people = await people_of(text(seeded_store_url), agency)
    log = MessageLog()
    exchange = source(connector, agency, caller(connector, agency, message_log=log))
    seen: list[str] = []
    cursor = None
    try:
        while True:
            page = await exchange.changes(cursor, 100)
            seen += [r.fields["personal_id"] for r in page.records]
            cursor = page.next_cursor
            if not page.has_more:
                break
    finally:
        await exchange.aclose()
    assert sorted(seen) == sorted(people)
    assert log.verify() is None
    assert [e.kind for e in log.entries[:2]] == ["request", "response"]


async def test_detail_lookups_travel_sealed_both_ways(
    connector: RunningService, agency: Subtree, seeded_store_url: URL
) -> None:
    people = await people_of(text(seeded_store_url), agency)
    wanted = sorted(people)[:3]
    exchange = source(connector, agency, caller(connector, agency))
    try:
        found = await exchange.person_details(wanted, frozenset({DetailPart.WORK_HISTORY}))
    finally:
        await exchange.aclose()
    assert set(found) == set(wanted)


async def test_an_unsigned_call_is_refused_when_envelopes_are_required(
    connector: RunningService, agency: Subtree
) -> None:
    plain = ExchangeSource(
        make_source_id(agency.code, "HRM"), agency.code, connector.base_url(agency.code)
    )
    try:
        with pytest.raises(FatalSourceError, match="ASSERTION_REQUIRED"):
            await plain.changes(None, 10)
    finally:
        await plain.aclose()


async def test_a_call_signed_by_keys_the_agency_does_not_trust_is_refused(
    connector: RunningService, agency: Subtree
) -> None:
    assert connector.keys is not None
    stranger = PartyKeys.generate(connector.keys.moha.party, datetime.now(UTC), encryption=True)
    envelope = caller(connector, agency)
    envelope.moha = stranger
    exchange = source(connector, agency, envelope)
    try:
        with pytest.raises(FatalSourceError, match="unknown_kid"):
            await exchange.changes(None, 10)
    finally:
        await exchange.aclose()


async def test_an_answer_signed_with_a_key_revoked_at_moha_is_refused_at_once(
    connector: RunningService, agency: Subtree, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert connector.keys is not None
    agency_keys = connector.keys.agencies[agency.code]
    kid = agency_keys.signer(datetime.now(UTC))[0].kid
    registered = tmp_path / "agency.jwks.json"
    write_jwks(agency_keys, registered)
    envelope = caller(connector, agency)
    envelope.agency = TrustedKeysFile(registered).current
    exchange = source(connector, agency, envelope)
    try:
        await exchange.changes(None, 5)
        write_jwks(agency_keys.revoke(kid, datetime.now(UTC)), registered)  # the CLI's revoke
        with pytest.raises(SourceSecurityError) as refused:
            await exchange.changes(None, 5)
    finally:
        await exchange.aclose()
    assert refused.value.reason == "revoked_kid"
    assert any("revoked_kid" in r.getMessage() for r in caplog.records)


@asynccontextmanager
async def answering(
    connector: RunningService, agency_: Subtree, answer: web.Response
) -> AsyncIterator[ExchangeSource]:
    """A source with the envelope on, whose far end (real HTTP on loopback) answers `answer`
    to every call."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return answer

    async with agency_server(handler) as url:
        exchange = ExchangeSource(
            make_source_id(agency_.code, "HRM"),
            agency_.code,
            f"{url}/agencies/x",
            envelope=caller(connector, agency_),
        )
        try:
            yield exchange
        finally:
            await exchange.aclose()


async def test_a_plain_json_answer_to_a_signed_call_is_refused_as_a_downgrade(
    connector: RunningService, agency: Subtree
) -> None:
    payload = protocol.changes_payload("x", [], None, False)
    async with answering(connector, agency, web.json_response(payload)) as exchange:
        with pytest.raises(SourceSecurityError, match="unsealed"):
            await exchange.changes(None, 5)


async def test_garbage_in_place_of_an_envelope_is_refused(
    connector: RunningService, agency: Subtree
) -> None:
    answer = web.Response(body=b"e30.e30.e30.e30.e30", content_type="application/jose")
    async with answering(connector, agency, answer) as exchange:
        with pytest.raises(SourceSecurityError) as refused:
            await exchange.changes(None, 5)
    assert refused.value.reason in {"algorithm", "malformed"}


async def test_the_config_entry_names_the_key_files(
    connector: RunningService, agency: Subtree
) -> None:
    assert connector.keys is not None
    folder = connector.keys.folder
    entry = {
        "id": make_source_id(agency.code, "HRM"),
        "kind": "exchange",
        "owner": agency.code,
        "base_url": connector.base_url(agency.code),
        "envelope": {
            "keys": str(folder.moha_keys),
            "agency_jwks": str(folder.agency_jwks(agency.code)),
        },
    }
    configured = from_settings(entry)
    try:
        page = await configured.changes(None, 3)  # type: ignore[attr-defined]
    finally:
        await configured.aclose()
    assert len(page.records) == 3


def test_a_config_entry_with_missing_key_files_fails_at_start(tmp_path: Path) -> None:
    entry = {
        "id": "VN:GOV:000.00.00.G18:HRM",
        "kind": "exchange",
        "owner": "000.00.00.G18",
        "base_url": "http://127.0.0.1:9/agencies/000.00.00.G18",
        "envelope": {"keys": str(tmp_path / "none.json"), "agency_jwks": str(tmp_path / "x")},
    }
    with pytest.raises(FatalSourceError, match="envelope keys unusable"):
        from_settings(entry)


def test_the_agency_jwks_file_publishes_no_private_key(connector: RunningService) -> None:
    assert connector.keys is not None
    for code in connector.keys.agencies:
        document = json.loads(connector.keys.folder.agency_jwks(code).read_text())
        assert document["keys"]
        assert all("d" not in key for key in document["keys"])
        assert TrustedKeys.from_jwks(document).get(document["keys"][0]["kid"]) is not None
