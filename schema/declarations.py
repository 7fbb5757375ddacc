"""GraphQL types of self-declarations (issue 17), and the root fields' functions.

    declare(field, value | list, entry; note; person?)   the self level, about its own record
    myDeclarations                                        the self level: its declarations
    agencyDeclarations(source?)                           agencies' staff: open ones, due first

The gateway never writes to the agency's data: `declare` checks the change, stores it, and
sends it sealed to the agency that owns the record (resolvers/declarations.py); the agency's
decision comes back signed, and its next change feed brings the change into the store.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import Row

from exchange.declaration import DeclarationRefused, DeclaredChange, status_on
from policies.types import Level
from resolvers import declarations as resolvers
from resolvers import global_id
from resolvers.access import ForbiddenError
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.sync import source_scope
from schema.access import my_person_id
from vocabulary.working_days import CalendarOutOfRange

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Where a declaration stands (trạng thái).")
class DeclarationStatus(Enum):
    QUEUED = "queued"
    SENT = "sent"
    RECEIVED = "received"
    APPROVED = "approved"
    REJECTED = "rejected"
    OVERDUE = "overdue"


@strawberry.type(description="One value of a declared list entry: the catalogue's column.")
class DeclaredValue:
    column: str
    value: str | None


@strawberry.input(description="One value of a new list entry, by the catalogue's column name.")
class DeclaredValueInput:
    column: str
    value: str | None = None


@strawberry.type(
    description="A change a person declared about their own record (tự kê khai), sent to the "
    "agency that owns it; the agency's decision and reason come back signed."
)
class Declaration:
    id: strawberry.ID = strawberry.field(description="The declaration's id on the wire.")
    field: str | None = strawberry.field(description="The person field declared, if any.")
    value: str | None = strawberry.field(description="Its declared value.")
    list_: str | None = strawberry.field(
        name="list", description="The dossier list (its store table) an entry is added to."
    )
    entry: list[DeclaredValue] | None = strawberry.field(description="The entry declared.")
    note: str | None
    status: DeclarationStatus = strawberry.field(
        description="queued (not yet handed over), sent, received (the agency's signed "
        "receipt), approved, rejected, or overdue (open past the due date)."
    )
    channel: str = strawberry.field(description="connector, or export (agencies without one).")
    source_id: str = strawberry.field(description="The owning agency's source.")
    source_record_id: str = strawberry.field(description="The agency's record of the person.")
    sent_at: datetime
    due_on: date = strawberry.field(
        description="3 working days after sending, by Viet Nam's calendar (Tết included)."
    )
    received_at: datetime | None
    receipt: str | None = strawberry.field(description="The agency's signed receipt (JWS).")
    decided_at: datetime | None
    reason: str | None = strawberry.field(description="The agency's reason, when rejected.")
    outcome: str | None = strawberry.field(description="The agency's signed decision (JWS).")
    applied_version: str | None = strawberry.field(
        description="The version of the agency's record that carries the approved change."
    )
    in_store: bool = strawberry.field(
        description="Whether the store's version of the record carries the approved change "
        "(the sync brought it in; Person.provenance.version is that version or later)."
    )

    @classmethod
    def from_row(cls, row: Row[Any]) -> Declaration:
        change = row.change
        entry = change.get("entry") if change.get("kind") == "entry" else None
        return cls(
            id=strawberry.ID(row.declaration_id),
            field=row.target if row.kind == "field" else None,
            value=None if change.get("value") is None else str(change["value"]),
            list_=row.target if row.kind == "entry" else None,
            entry=None
            if entry is None
            else [
                DeclaredValue(column=c, value=None if v is None else str(v))
                for c, v in entry.items()
            ],
            note=row.note,
            status=DeclarationStatus(status_on(row.status, row.due_on, resolvers.today()).value),
            channel=row.channel,
            source_id=row.source_id,
            source_record_id=row.source_record_id,
            sent_at=row.sent_at,
            due_on=row.due_on,
            received_at=row.received_at,
            receipt=row.receipt,
            decided_at=row.decided_at,
            reason=row.reason,
            outcome=row.outcome,
            applied_version=row.applied_version,
            in_store=resolvers.in_store(row.applied_version, row.store_version),
        )


async def declare(
    info: Info,
    field: str | None,
    value: str | None,
    list_: str | None,
    entry: list[DeclaredValueInput] | None,
    note: str | None,
    person: strawberry.ID | None,
) -> Declaration:
    own = await my_person_id(info)
    if person is not None and global_id.decode_as("Person", person, argument="person") != own:
        # nothing is stored or sent: a person declares only about their own record
        raise ForbiddenError("you may declare only about your own record", rule="self")
    values: dict[str, str | None] | None = None
    if entry is not None:
        values = {}
        for item in entry:
            if item.column in values:
                raise BadUserInputError(
                    f"entry: column {item.column[:60]!r} twice", argument="entry"
                )
            values[item.column] = item.value
    asked = DeclaredChange(field=field, value=value, list=list_, entry=values, note=note)
    try:
        row = await resolvers.declare(info.context.engine, info.context.sources, own, asked)
    except DeclarationRefused as refused:
        raise BadUserInputError(str(refused), argument=refused.argument) from None
    except CalendarOutOfRange as error:
        # the holiday file does not cover today: no due date can be promised, nothing is sent
        raise GraphQLError(str(error), extensions={"code": "CALENDAR_OUT_OF_RANGE"}) from None
    return Declaration.from_row(row)


async def my_declarations(info: Info) -> list[Declaration]:
    own = await my_person_id(info)
    return [Declaration.from_row(r) for r in await resolvers.of_person(info.context.engine, own)]


async def agency_declarations(info: Info, source: str | None) -> list[Declaration]:
    caller = info.context.access.caller
    if caller.level is Level.SELF:
        raise ForbiddenError("an agency's declarations are for its staff")
    prefix = source_scope(caller)
    if prefix is None:
        return []
    rows = await resolvers.pending_of(info.context.engine, prefix, source)
    return [Declaration.from_row(r) for r in rows]
