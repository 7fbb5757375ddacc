"""The caller's own view of access: who am I, my consents, who read my record; the audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from policies.types import Level
from resolvers import access_log
from resolvers.access import ForbiddenError
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


def require_level(info: Info, level: Level, what: str) -> None:
    if info.context.access.caller.level is not level:
        raise ForbiddenError(f"{what} is for the {level.value} level only")


async def my_person_id(info: Info) -> int:
    require_level(info, Level.SELF, "this")
    subject = info.context.access.caller.subject
    person_id = await access_log.person_id_of(info.context, subject)
    if person_id is None:
        raise BadUserInputError("your token's subject is not a person in the store")
    return person_id
