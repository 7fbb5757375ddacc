"""The sync's GraphQL types and root fields: a schema with them compiles, the pending policy
classes every field, and callers see only their own sources."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import strawberry
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import schema_fields
from policies.types import Caller, Level
from resolvers import sync as sync_resolvers
from resolvers.access import ForbiddenError
from resolvers.options import ResolverOptions
from schema import sync as sync_schema
from schema.connection import Connection
from store.database import create_engine, sync_free_dsn

ROOT = Path(__file__).resolve().parents[2]
A = "VN:GOV:000.00.00.H41:HRM"
B = "VN:GOV:000.00.00.G18:HRM"


@strawberry.type
class _Query:
    sync_runs: Connection[sync_schema.SyncRun] = strawberry.field(resolver=sync_schema.sync_runs)
    rejects: Connection[sync_schema.SyncReject] = strawberry.field(resolver=sync_schema.rejects)
    reject_rules: list[sync_schema.RejectRule] = strawberry.field(resolver=sync_schema.reject_rules)
    sync_corrections: Connection[sync_schema.SyncCorrection] = strawberry.field(
        resolver=sync_schema.sync_corrections
    )
    conflicts: Connection[sync_schema.SyncConflict] = strawberry.field(
        resolver=sync_schema.conflicts
    )
    sync_sources: list[sync_schema.SyncSource] = strawberry.field(resolver=sync_schema.sync_sources)


def test_the_pending_policy_classes_every_field_of_the_sync_types() -> None:
    fields = schema_fields(strawberry.Schema(query=_Query))
    # sync.yaml once the root fields are wired into Query, sync.yaml.pending until then
    live, pending = ROOT / "policies" / "sync.yaml", ROOT / "policies" / "sync.yaml.pending"
    policy = yaml.safe_load((live if live.exists() else pending).read_text("utf-8"))
    classes = policy["classes"]
    for type_name, names in fields.items():
        if type_name == "PageInfo":
            continue  # classed in classes.yaml
        assert type_name in classes, type_name
        assert set(classes[type_name]) == set(names), type_name


@dataclass
class _Context:
    engine: AsyncEngine
    options: ResolverOptions


@pytest.fixture
async def context(fresh_store_url: str) -> Any:
    conn = await asyncpg.connect(sync_free_dsn(fresh_store_url))
    try:
        await conn.execute(
            "INSERT INTO sync_run (source_id, status, inserted, rejected) VALUES"
            " ($1, 'ok', 10, 2), ($2, 'ok', 5, 1), ($1, 'failed', 0, 0)",
            A,
            B,
        )
        await conn.executemany(
            "INSERT INTO sync_reject (source_id, source_record_id, source_version, field, rule,"
            " value) VALUES ($1, $2, '1', $3, $4, $5)",
            [
                (A, "NV-1", "birth_date", "date_invalid", "31/02/1980"),
                (A, "NV-2", "grade_code", "code_unknown", "99.999"),
                (B, "CB-1", "ethnicity_code", "code_unknown", "Mán"),
            ],
        )
        await conn.execute(
            "INSERT INTO sync_conflict (personal_id, owner_source_id, other_source_id,"
            " other_record_id) VALUES ('001080012345', $1, $2, 'CB-9')",
            A,
            B,
        )
    finally:
        await conn.close()
    engine = create_engine(fresh_store_url, pool_size=1)
    yield _Context(engine, ResolverOptions(20, 100, minimum_public_count=5))
    await engine.dispose()


CENTRAL = Caller(Level.CENTRAL, organization="000.00.00.G09")
H41 = Caller(Level.PROVINCE, organization="000.00.00.H41")


async def test_central_sees_every_source(context: Any) -> None:
    runs = await sync_resolvers.runs_page(context, CENTRAL, None, None, None)
    assert [r.source_id for r in runs.items] == [A, B, A]  # newest first
    page = await sync_resolvers.runs_page(context, CENTRAL, None, 2, None)
    assert page.has_next_page
    rejects = await sync_resolvers.rejects_page(context, CENTRAL, None, "code_unknown", None, None)
    assert sorted(r.source_record_id for r in rejects.items) == ["CB-1", "NV-2"]
    counts = {c["source_id"]: c for c in await sync_resolvers.counts_per_source(context, CENTRAL)}
    assert counts[A]["open_rejects"] == 2
    assert counts[A]["last_run"].status == "failed"
    assert counts[B]["open_conflicts"] == 1


async def test_a_province_sees_its_own_sources(context: Any) -> None:
    runs = await sync_resolvers.runs_page(context, H41, None, None, None)
    assert {r.source_id for r in runs.items} == {A}
    rejects = await sync_resolvers.rejects_page(context, H41, None, None, None, None)
    assert {r.source_id for r in rejects.items} == {A}
    conflicts = await sync_resolvers.conflicts_page(context, H41, None, None, None)
    assert len(conflicts.items) == 1  # it owns the record in conflict
    assert [c["source_id"] for c in await sync_resolvers.counts_per_source(context, H41)] == [A]


async def test_others_see_nothing(context: Any) -> None:
    with pytest.raises(ForbiddenError):
        await sync_resolvers.runs_page(context, Caller(Level.UNIT, "000.01.00.H41"), None, 1, None)
    with pytest.raises(ForbiddenError):
        await sync_resolvers.rejects_page(context, Caller(Level.PUBLIC), None, None, None, None)


def test_a_rejected_field_is_asked_of_the_policy_where_the_schema_shows_it() -> None:
    assert sync_resolvers.schema_field("birth_date") == ("Person", "birthDate")
    assert sync_resolvers.schema_field("personal_id") == ("Person", "personalId")
    assert sync_resolvers.schema_field("salary_coefficient") == ("Salary", "coefficient")
    assert sync_resolvers.schema_field("ethnicity_code") == ("Person", "ethnicity")
    # a dossier list's entry, and a store refusal of a list, where the list is shown
    assert sync_resolvers.schema_field("dossier_family_member[2].birth_year") == (
        "Person",
        "familyMembers",
    )
    assert sync_resolvers.schema_field("dossier_health_record.status") == (
        "Person",
        "healthRecords",
    )
