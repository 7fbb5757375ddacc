"""The caller's own view of access: who am I, my consents, who read my record; the audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from resolvers import access_log
from resolvers.context import Context
from resolvers.errors import BadUserInputError

Info = strawberry.Info[Context, None]


@strawberry.type(description="The caller, as its access token says.")
class Me:
    level: str
    organization: str | None
    subject: str | None
    client_id: str | None
    purposes: list[str]
    issuer: str | None


@strawberry.type(description="A person's consent for an organisation to see personal fields.")
class Consent:
    id: strawberry.ID
    organization_code: str
    purpose: str
    valid_from: datetime
    valid_until: datetime
    granted_at: datetime
    revoked_at: datetime | None

    @strawberry.field
    def active(self) -> bool:
        now = datetime.now(self.valid_from.tzinfo)
        return self.revoked_at is None and self.valid_from <= now < self.valid_until

    @classmethod
    def from_row(cls, row: Row[Any]) -> Consent:
        return cls(
            id=strawberry.ID(str(row.id)),
            organization_code=row.organization_code,
            purpose=row.purpose,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            granted_at=row.granted_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="One response that carried personal or sensitive fields.")
class AccessRecord:
    at: datetime
    request_id: str
    client_id: str | None
    subject: str | None
    level: str
    organization: str | None
    purposes: list[str]
    fields: list[str]
    person_ids: strawberry.Private[list[int]]

    @strawberry.field(description="How many people's records the response carried.")
    def people(self) -> int:
        return len(self.person_ids)

    @classmethod
    def from_row(cls, row: Row[Any]) -> AccessRecord:
        return cls(
            at=row.at,
            request_id=row.request_id,
            client_id=row.client_id,
            subject=row.subject,
            level=row.level,
            organization=row.organization,
            purposes=list(row.purposes),
            fields=list(row.fields),
            person_ids=list(row.person_ids),
        )


@strawberry.type(
    description="One response that carried your personal or sensitive data: who read it, as "
    "an organisation, level, client and purposes; never another person's identifier."
)
class Reading:
    at: datetime
    request_id: str
    level: str
    organization: str | None
    client_id: str | None
    purposes: list[str]
    fields: list[str]
    by_you: bool = strawberry.field(description="Whether you read it yourself.")

    @classmethod
    def from_row(cls, row: Row[Any], reader_subject: str | None) -> Reading:
        # the audit keeps the reader's subject (an officer's or a person's personal ID) for
        # central auditors (auditLog); the person read learns only whether it was they
        return cls(
            at=row.at,
            request_id=row.request_id,
            level=row.level,
            organization=row.organization,
            client_id=row.client_id,
            purposes=list(row.purposes),
            fields=list(row.fields),
            by_you=reader_subject is not None and row.subject == reader_subject,
        )


def me(info: Info) -> Me:
    caller = info.context.access.caller
    return Me(
        level=caller.level.value,
        organization=caller.organization,
        subject=caller.subject,
        client_id=caller.client_id,
        purposes=sorted(caller.purposes),
        issuer=caller.issuer,
    )


async def my_person_id(info: Info) -> int:
    """The caller's own person (the `operations` section lets only the self level here)."""
    subject = info.context.access.caller.subject
    person_id = await access_log.person_id_of(info.context, subject)
    if person_id is None:
        raise BadUserInputError("your token's subject is not a person in the store")
    return person_id
