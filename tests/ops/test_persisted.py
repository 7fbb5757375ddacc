"""Persisted queries: the APQ handshake and per-client safelists, over the real store."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli.queries import add_command as add_queries_command
from gateway.persisted import (
    BAD_EXTENSION,
    HASH_MISMATCH,
    NOT_ALLOWED,
    NOT_FOUND,
    PersistedQueries,
    PersistedQueryError,
    decide,
    register_for_client,
    requested_hash,
    sha256_hex,
)
from gateway.settings import Settings
from store.database import create_engine

STAFF = "query Staff { persons(first: 5) { edges { node { fullName } } } }"
UNITS = "query Units { organizations(first: 5) { edges { node { code name } } } }"


def apq(sha: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


# -- the rules, pure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        ({"persistedQuery": "abc"}, "must be an object"),
        ({"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}, "version 1"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "xyz"}}, "64 hexadecimal digits"),
        ({"persistedQuery": {"version": 1}}, "64 hexadecimal digits"),
    ],
)
def test_a_malformed_extension_is_400(extensions: dict[str, object], message: str) -> None:
    with pytest.raises(PersistedQueryError) as refused:
        requested_hash(extensions)
    assert (refused.value.status, refused.value.code) == (400, BAD_EXTENSION)
    assert message in refused.value.message


def test_the_hash_is_read_in_lower_case() -> None:
    assert requested_hash(None) is None
    assert requested_hash({"other": 1}) is None
    assert requested_hash(apq("AB" * 32)) == "ab" * 32


@pytest.mark.parametrize(
    ("query", "sha", "safelist", "outcome"),
    [
        (STAFF, None, None, "run the text"),
        (None, None, None, 400),
        (STAFF, sha256_hex(STAFF), None, "run and register"),
        (None, sha256_hex(STAFF), None, "look up"),
        (STAFF, sha256_hex(UNITS), None, 400),
        (STAFF, None, frozenset({sha256_hex(STAFF)}), "run the text"),
        (None, sha256_hex(STAFF), frozenset({sha256_hex(STAFF)}), "look up"),
        (UNITS, None, frozenset({sha256_hex(STAFF)}), 403),
        (None, sha256_hex(UNITS), frozenset({sha256_hex(STAFF)}), 403),
        (UNITS, sha256_hex(UNITS), frozenset({sha256_hex(STAFF)}), 403),
        (STAFF, None, frozenset(), 403),
    ],
)
def test_decide(
    query: str | None, sha: str | None, safelist: frozenset[str] | None, outcome: object
) -> None:
    if isinstance(outcome, int):
        with pytest.raises(PersistedQueryError) as refused:
            decide(query, sha, safelist, register_automatic=True)
        assert refused.value.status == outcome
        return
    decision = decide(query, sha, safelist, register_automatic=True)
    assert {
        "run the text": decision.query == query and not decision.register,
        "run and register": decision.query == query and decision.register,
        "look up": decision.query is None and decision.sha == sha,
    }[str(outcome)]


# -- over the store --------------------------------------------------------------------------


@pytest_asyncio.fixture
async def store_engine(fresh_store_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(fresh_store_url, pool_size=2)
    yield engine
    await engine.dispose()


async def rows(engine: AsyncEngine) -> list[tuple[str, str | None]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("SELECT sha256, client_id FROM persisted_query ORDER BY id")
        )
        return [(sha, client) for sha, client in result.all()]


async def test_the_apq_handshake_and_a_second_replica(store_engine: AsyncEngine) -> None:
    replica = PersistedQueries(store_engine)
    sha = sha256_hex(STAFF)
    with pytest.raises(PersistedQueryError) as missing:
        await replica.resolve_query(None, apq(sha), None)
    assert (missing.value.status, missing.value.code) == (404, NOT_FOUND)
    assert missing.value.json_status == 200  # application/json clients: the legacy rule
    assert missing.value.message == "PersistedQueryNotFound"  # what Apollo Client looks for
    assert "no-cache" in missing.value.headers["Cache-Control"]
    assert await replica.resolve_query(STAFF, apq(sha), "portal") == STAFF
    assert await rows(store_engine) == [(sha, None)]  # shared, whoever registered it
    assert await replica.resolve_query(None, apq(sha), None) == STAFF
    other_replica = PersistedQueries(store_engine)
    assert await other_replica.resolve_query(None, apq(sha), "another-client") == STAFF
    # registering again is harmless
    assert await other_replica.resolve_query(STAFF, apq(sha), None) == STAFF
    assert await rows(store_engine) == [(sha, None)]


async def test_a_hash_that_does_not_match_its_query_is_400(store_engine: AsyncEngine) -> None:
    with pytest.raises(PersistedQueryError) as refused:
        await PersistedQueries(store_engine).resolve_query(STAFF, apq(sha256_hex(UNITS)), None)
    assert (refused.value.status, refused.value.code) == (400, HASH_MISMATCH)
    assert await rows(store_engine) == []


async def test_plain_queries_are_not_registered(store_engine: AsyncEngine) -> None:
    assert await PersistedQueries(store_engine).resolve_query(STAFF, None, "portal") == STAFF
    assert await PersistedQueries(store_engine).resolve_query(STAFF, {}, None) == STAFF
    assert await rows(store_engine) == []


async def test_automatic_registration_can_be_turned_off(store_engine: AsyncEngine) -> None:
    replica = PersistedQueries(store_engine, register_automatic=False)
    sha = sha256_hex(STAFF)
    assert await replica.resolve_query(STAFF, apq(sha), None) == STAFF
    with pytest.raises(PersistedQueryError) as missing:
        await replica.resolve_query(None, apq(sha), None)
    assert missing.value.code == NOT_FOUND


async def test_the_in_process_cache_is_bounded(store_engine: AsyncEngine) -> None:
    replica = PersistedQueries(store_engine, cache_size=2)
    queries = [f"{{ q{i}: __typename }}" for i in range(3)]
    for query in queries:
        await replica.resolve_query(query, apq(sha256_hex(query)), None)
    assert len(replica._cache) == 2
    # the evicted one is still in the store
    first = sha256_hex(queries[0])
    assert first not in replica._cache
    assert await replica.resolve_query(None, apq(first), None) == queries[0]


async def test_a_safelist_only_client_runs_only_its_registered_operations(
    store_engine: AsyncEngine,
) -> None:
    async with store_engine.begin() as conn:
        await register_for_client(conn, "partner-bhxh", STAFF)
    replica = PersistedQueries(store_engine)
    staff, units = sha256_hex(STAFF), sha256_hex(UNITS)
    assert await replica.resolve_query(None, apq(staff), "partner-bhxh") == STAFF
    assert await replica.resolve_query(STAFF, None, "partner-bhxh") == STAFF
    assert await replica.resolve_query(STAFF, apq(staff), "partner-bhxh") == STAFF
    # a shared APQ entry is no way around the safelist
    assert await replica.resolve_query(UNITS, apq(units), "portal") == UNITS
    for query, extensions in [(UNITS, None), (None, apq(units)), (UNITS, apq(units))]:
        with pytest.raises(PersistedQueryError) as refused:
            await replica.resolve_query(query, extensions, "partner-bhxh")
        assert (refused.value.status, refused.value.code) == (403, NOT_ALLOWED)
        assert units in refused.value.message
    # the text must be the registered one byte for byte
    with pytest.raises(PersistedQueryError):
        await replica.resolve_query(STAFF + " ", None, "partner-bhxh")
    # other clients are not affected
    assert await replica.resolve_query(UNITS, None, "portal") == UNITS
    assert await replica.resolve_query(UNITS, None, None) == UNITS


async def test_a_client_without_operations_left_runs_nothing(store_engine: AsyncEngine) -> None:
    async with store_engine.begin() as conn:
        await register_for_client(conn, "partner", STAFF)
        await conn.execute(text("DELETE FROM persisted_query WHERE client_id = 'partner'"))
    with pytest.raises(PersistedQueryError) as refused:
        await PersistedQueries(store_engine).resolve_query(STAFF, None, "partner")
    assert refused.value.status == 403


async def test_safelist_changes_reach_a_replica_within_the_ttl(store_engine: AsyncEngine) -> None:
    now = [0.0]
    replica = PersistedQueries(store_engine, safelist_ttl=10, clock=lambda: now[0])
    assert await replica.resolve_query(UNITS, None, "partner") == UNITS  # not safelisted yet
    async with store_engine.begin() as conn:
        await register_for_client(conn, "partner", STAFF)
    now[0] = 5
    assert await replica.resolve_query(UNITS, None, "partner") == UNITS  # still the old view
    now[0] = 11
    with pytest.raises(PersistedQueryError):
        await replica.resolve_query(UNITS, None, "partner")


# -- cbccvc queries --------------------------------------------------------------------------


def run_cli(url: str, *argv: str) -> int:
    commands = argparse.ArgumentParser().add_subparsers(dest="command")
    add_queries_command(commands)
    parser = commands.choices["queries"]
    args = parser.parse_args(argv)
    return int(args.run(args, Settings(database_url=url)))


def test_the_queries_command(
    fresh_store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staff = tmp_path / "staff.graphql"
    staff.write_text(STAFF)
    units = tmp_path / "units.graphql"
    units.write_text(UNITS)
    assert run_cli(fresh_store_url, "add", "--client", "partner", str(staff), str(units)) == 0
    out = capsys.readouterr().out
    assert sha256_hex(STAFF) in out
    assert "(Staff)" in out
    assert "safelist-only" in out

    assert run_cli(fresh_store_url, "list", "--client", "partner") == 0
    out = capsys.readouterr().out
    assert "safelist-only client: partner" in out
    assert sha256_hex(STAFF) in out
    assert sha256_hex(UNITS) in out

    assert run_cli(fresh_store_url, "remove", sha256_hex(UNITS)) == 0
    assert "removed 1" in capsys.readouterr().out
    assert run_cli(fresh_store_url, "remove", sha256_hex(UNITS)) == 1
    assert "no persisted query" in capsys.readouterr().err

    assert run_cli(fresh_store_url, "list") == 0
    out = capsys.readouterr().out
    assert sha256_hex(UNITS) not in out
    assert "0 automatically persisted queries" in out

    assert run_cli(fresh_store_url, "safelist", "--client", "partner", "--off") == 0
    assert "may run any operation" in capsys.readouterr().out
    assert run_cli(fresh_store_url, "list") == 0
    assert "safelist-only client" not in capsys.readouterr().out


def test_a_document_that_does_not_validate_is_not_registered(
    fresh_store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.graphql"
    bad.write_text("{ persons { edges { node { salaryGrade } } } }")
    assert run_cli(fresh_store_url, "add", "--client", "partner", str(bad)) == 1
    assert "Cannot query field 'salaryGrade'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(fresh_store_url, "add", "--client", "partner")  # no file
    with pytest.raises(SystemExit):
        run_cli(fresh_store_url, "add", str(bad))  # no client
