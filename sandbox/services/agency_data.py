"""Builds the agency database a connector reads (exchange/staffdb.py) from the store.

Each agency holds the people of its subtree with their standard fields and deterministic
synthetic histories (sandbox/legacy/details.py, shared with the legacy databases, so a person's
details read the same whichever kind of source serves them). Records keep the store's record
ids (`NV-0000123`), so the change feed and the store's provenance agree. `simulate_update` and
`simulate_departure` play an agency's HR system changing a record, for the sync's tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from exchange import protocol
from exchange.staffdb import DEFAULT_SCHEMA, ORGANIZATION_COLUMNS, STAFF_COLUMNS, check_schema, ddl
from sandbox.legacy.details import person_details
from sandbox.services.truth import Subtree, subtree_organizations, subtree_people
from vocabulary.sources import DetailPart, OrganizationRecord, make_source_id


@dataclass(frozen=True)
class AgencyDatabase:
    code: str
    source_id: str
    people: int


async def build_agency_database(
    store: Any,
    target: Any,
    agencies: Sequence[Subtree],
    *,
    schema: str = DEFAULT_SCHEMA,
    latest_change: Mapping[str, datetime] | None = None,
) -> dict[str, AgencyDatabase]:
    """(Re)creates `schema` in the target's database with `agencies` in it.

    Args:
        store: an asyncpg connection to the seeded Ministry store (read).
        target: an asyncpg connection to the connector's database (written).
        agencies: the agencies' subtrees (sandbox.services.truth).
        latest_change: agency code -> when its HR system last changed a record: its rows are
            stamped one second apart, the newest then, so that the demo can make an agency
            late; agencies it does not name changed theirs now.
    Returns:
        agency code -> what was built.
    """
    schema = check_schema(schema)
    built: dict[str, AgencyDatabase] = {}
    organizations: list[tuple[object, ...]] = []
    staff: list[tuple[object, ...]] = []
    now = datetime.now(UTC)
    for agency in agencies:
        organizations += [
            _organization_row(agency.code, position, org)
            for position, org in enumerate(await subtree_organizations(store, agency))
        ]
        people = await subtree_people(store, agency)
        latest = (latest_change or {}).get(agency.code, now)
        for index, person in enumerate(people):
            staff.append(
                (
                    agency.code,
                    person["source_record_id"],
                    person["personal_id"],
                    _json(protocol.person_fields(person)),
                    _json(details_json(person_details(person))),
                    latest - timedelta(seconds=len(people) - 1 - index),
                )
            )
        built[agency.code] = AgencyDatabase(
            agency.code, make_source_id(agency.code, "HRM"), len(people)
        )
    async with target.transaction():
        await target.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        for statement in ddl(schema):
            await target.execute(statement)
        await target.copy_records_to_table(
            "agency",
            schema_name=schema,
            records=[(db.code, db.source_id) for db in built.values()],
            columns=("code", "source_id"),
        )
        await target.copy_records_to_table(
            "organization", schema_name=schema, records=organizations, columns=ORGANIZATION_COLUMNS
        )
        # in store order per agency: the feed starts in the order the agency hired them
        await target.copy_records_to_table(
            "staff", schema_name=schema, records=staff, columns=(*STAFF_COLUMNS, "changed_at")
        )
    await target.execute(f"ANALYZE {schema}.staff")
    return built


def details_json(details: Mapping[DetailPart, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Details keyed as the connector stores and serves them (by part name)."""
    return {part.value: entries for part, entries in details.items()}


def _organization_row(agency: str, position: int, org: OrganizationRecord) -> tuple[object, ...]:
    """A row in ORGANIZATION_COLUMNS order."""
    return (
        agency, position, org.code, org.name, org.level, org.parent_code, org.status,
        org.status_changed_on, org.successor_code,
    )  # fmt: skip


def _json(value: object) -> str:
    return protocol.dumps(value).decode()


async def simulate_update(
    target: Any,
    agency_code: str,
    personal_id: str,
    changes: Mapping[str, object],
    *,
    schema: str = DEFAULT_SCHEMA,
) -> None:
    """An agency's HR system edits standard fields of a record: the feed shows a new version."""
    await target.execute(
        f"""UPDATE {check_schema(schema)}.staff SET profile = profile || $3::jsonb
             WHERE agency_code = $1 AND personal_id = $2""",
        agency_code,
        personal_id,
        _json(dict(changes)),
    )


async def simulate_departure(
    target: Any, agency_code: str, personal_id: str, *, schema: str = DEFAULT_SCHEMA
) -> None:
    """The person's record is withdrawn (transfer out, error): the feed shows a tombstone."""
    await target.execute(
        f"""UPDATE {check_schema(schema)}.staff SET deleted = true
             WHERE agency_code = $1 AND personal_id = $2""",
        agency_code,
        personal_id,
    )
