"""The query root."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from resolvers import access_log, global_id
from resolvers import organizations as org_resolvers
from resolvers import people as people_resolvers
from resolvers import sources as source_resolvers
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from schema import access, analytics
from schema import scorecard as scorecard_schema
from schema import sync as sync_schema
from schema.access import AccessRecord, Consent, Me, Reading
from schema.connection import Connection, connection_of
from schema.live import SourceErrorInfo, SourceInfo
from schema.node import Node
from schema.organization import Organization, OrganizationConnection, OrganizationFilter
from schema.person import Person, PersonConnection, PersonFilter

Info = strawberry.Info[Context, None]


@strawberry.type
class Query:
    # Every root field the `operations` section may refuse, or whose arguments a caller may
    # be refused (filters, dimensions), is nullable: one denial is null at its own path and
    # never nulls the rest of the response (docs/policies.md).

    me: Me = strawberry.field(resolver=access.me, description="The caller, from its token.")
    sync_runs: Connection[sync_schema.SyncRun] | None = strawberry.field(
        resolver=sync_schema.sync_runs, description="Sync runs, newest first, counts by outcome."
    )
    rejects: Connection[sync_schema.SyncReject] | None = strawberry.field(
        resolver=sync_schema.rejects, description="Open sync rejects: source record, field, rule."
    )
    sync_corrections: Connection[sync_schema.SyncCorrection] | None = strawberry.field(
        resolver=sync_schema.sync_corrections,
        description="Values the sync repaired in records it stored: where, field, rule.",
    )
    reject_rules: list[sync_schema.RejectRule] | None = strawberry.field(
        resolver=sync_schema.reject_rules,
        description="The reject catalogue: every rule, its title, explanation and expected form.",
    )
    conflicts: Connection[sync_schema.SyncConflict] | None = strawberry.field(
        resolver=sync_schema.conflicts,
        description="Open conflicts: one person active at two sources.",
    )
    sync_sources: list[sync_schema.SyncSource] | None = strawberry.field(
        resolver=sync_schema.sync_sources,
        description="Per source: last run, open rejects, conflicts, identity mismatches.",
    )
    agency_scorecards: list[scorecard_schema.AgencyScorecard] = strawberry.field(
        resolver=scorecard_schema.agency_scorecards,
        description="MOHA's scorecard (đúng – đủ – sạch – sống – thống nhất) of every source "
        "agency on the latest snapshot day; 3-working-day breachers first.",
    )
    agency_scorecard: scorecard_schema.AgencyScorecard | None = strawberry.field(
        resolver=scorecard_schema.agency_scorecard,
        description="One agency's latest scorecard by its electronic code, with its trend.",
    )

    @strawberry.field(
        description="Every source of data with its health, recent latency, last error and "
        "circuit state (any caller with a token)."
    )
    async def sources(self, info: Info) -> list[SourceInfo] | None:
        found = await source_resolvers.reports(info.context.sources)
        return [source_info(report) for report in found]

    @strawberry.field(description="Your consents (the self level).")
    async def my_consents(self, info: Info) -> list[Consent] | None:
        person_id = await access.my_person_id(info)
        rows = await access_log.consents_of(info.context, person_id)
        return [Consent.from_row(row) for row in rows]

    @strawberry.field(description="Who read your personal or sensitive data (the self level).")
    async def my_access_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Reading] | None:
        person_id = await access.my_person_id(info)
        page = await access_log.audit_page(
            info.context, person_id=person_id, client_id=None, first=first, after=after
        )
        subject = info.context.access.caller.subject
        return connection_of(page, lambda row: Reading.from_row(row, subject))

    @strawberry.field(description="The audit log, newest first (the central level).")
    async def audit_log(
        self,
        info: Info,
        person: strawberry.ID | None = None,
        client_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccessRecord] | None:
        person_id = (
            None if person is None else global_id.decode_as("Person", person, argument="person")
        )
        page = await access_log.audit_page(
            info.context, person_id=person_id, client_id=client_id, first=first, after=after
        )
        return connection_of(page, AccessRecord.from_row)

    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, key = global_id.decode(id)
        if type_name == "Person":
            return await _person(info, key)
        if type_name == "Organization":
            return await _organization(info, key)
        # the right shape but no type of ours: never issued (a missing row is null instead)
        raise BadUserInputError("id is not the id of a Person or an Organization", argument="id")

    @strawberry.field(description="A person by global id.")
    async def person(self, info: Info, id: strawberry.ID) -> Person | None:
        return await _person(info, global_id.decode_as("Person", id))

    @strawberry.field(
        description="The directory of people, in order of given name then family name."
    )
    async def persons(
        self,
        info: Info,
        filter: PersonFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PersonConnection | None:
        people = await people_resolvers.resolve_filter(
            info.context, (filter or PersonFilter()).to_query()
        )
        page = await people_resolvers.directory_page(
            info.context, people, first=first, after=after, last=last, before=before
        )
        return PersonConnection.of(page, people, info.context)

    @strawberry.field(description="An organisation by electronic code, e.g. 000.00.00.G09.")
    async def organization(self, info: Info, code: str) -> Organization | None:
        row = await info.context.loaders.organization_by_code.load(code)
        return None if row is None else Organization.from_row(row, info.context)

    @strawberry.field(description="Organisations by electronic code.")
    async def organizations(
        self,
        info: Info,
        filter: OrganizationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> OrganizationConnection | None:
        orgs = await org_resolvers.resolve_filter(
            info.context, (filter or OrganizationFilter()).to_query()
        )
        page = await org_resolvers.page(
            info.context, orgs, first=first, after=after, last=last, before=before
        )
        return OrganizationConnection.of(page, orgs, info.context)

    @strawberry.field(
        description="Headcount broken down by any combination of dimensions (issue 7); small "
        "cells are suppressed for callers who see aggregates only."
    )
    async def statistics(
        self,
        info: Info,
        group_by: list[analytics.StatisticsDimension],  # type: ignore[valid-type]
        filter: analytics.StatisticsFilter | None = None,
        reference_year: int | None = None,
    ) -> analytics.Statistics | None:
        return await analytics.statistics(info, group_by, filter, reference_year)

    @strawberry.field(
        description="Staffing quotas against active headcount for an organisation (default: "
        "the national root) and its subtree in a year (your own subtree)."
    )
    async def staffing(
        self, info: Info, year: int, org_code: str | None = None, max_depth: int | None = None
    ) -> analytics.Staffing | None:
        return await analytics.staffing(info, org_code, year, max_depth)

    @strawberry.field(
        description="Headcount at the end of each month, derived from recruitment and leaving "
        "dates (the store keeps no headcount history; see docs/analytics.md)."
    )
    async def headcount_trend(
        self,
        info: Info,
        organization: str | None = None,
        include_subtree: bool = True,
        categories: list[analytics.Category] | None = None,
        months: int = 24,
        until: date | None = None,
    ) -> list[analytics.MonthlyHeadcount] | None:
        return await analytics.headcount_trend(
            info, organization, include_subtree, categories, months, until
        )


async def _person(info: Info, key: int) -> Person | None:
    row = await people_resolvers.by_id(info.context, key)
    return None if row is None else Person.from_row(row, info.context)


async def _organization(info: Info, key: int) -> Organization | None:
    row = await info.context.loaders.organization_by_id.load(key)
    return None if row is None else Organization.from_row(row, info.context)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="As the self level: let an organisation see your personal fields for a "
        "purpose until a date (NĐ 27/2026)."
    )
    async def grant_consent(
        self,
        info: Info,
        organization_code: str,
        purpose: str,
        valid_until: datetime,
        valid_from: datetime | None = None,
    ) -> Consent | None:
        person_id = await access.my_person_id(info)
        row = await access_log.grant(
            info.context,
            person_id,
            organization_code=organization_code,
            purpose=purpose,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        return Consent.from_row(row)

    @strawberry.mutation(description="As the self level: withdraw one of your consents.")
    async def revoke_consent(self, info: Info, id: strawberry.ID) -> Consent | None:
        person_id = await access.my_person_id(info)
        consent_id = global_id.decode_key(id)
        return Consent.from_row(await access_log.revoke(info.context, person_id, consent_id))

    @strawberry.mutation(
        description="As the central level: record an organisation's staffing quota for a year "
        "(logged; flags allocations above a parent's quota)."
    )
    async def set_staffing_quota(
        self,
        info: Info,
        org_code: str,
        year: int,
        civil_servants: int,
        public_employees: int,
        contract_staff: int,
    ) -> analytics.StaffingQuotaChange | None:
        return await analytics.set_staffing_quota(
            info, org_code, year, civil_servants, public_employees, contract_staff
        )


def source_info(report: source_resolvers.SourceReport) -> SourceInfo:
    stats, health = report.stats, report.health
    last = stats.last_error if stats else None
    return SourceInfo(
        id=report.source.id,
        kind=report.source.kind.value,
        owner=report.source.owner,
        capabilities=sorted(c.value for c in report.source.capabilities),
        healthy=None if health is None else health.ok,
        health_detail=report.health_error or (health.detail if health else None),
        recent_latency_ms=stats.latency_p50_ms if stats else None,
        calls=stats.calls if stats else 0,
        failures=stats.failures if stats else 0,
        last_error=None
        if last is None
        else SourceErrorInfo(message=last.message, code=last.code, at=last.at),
        circuit_state=stats.circuit.value if stats else "closed",
    )
