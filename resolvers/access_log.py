"""Reading the audit log and managing consents, for the schema's access fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select, update

from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.loaders import fetch
from resolvers.newest_first import newest_first
from resolvers.pagination import Page
from store.models import Person, table_of
from store.models_access import AuditEntry, Consent

audit_log = table_of(AuditEntry)
consent = table_of(Consent)
person = table_of(Person)


async def person_id_of(context: Context, personal_id: str | None) -> int | None:
    if personal_id is None:
        return None
    rows = await fetch(
        context.engine, select(person.c.id).where(person.c.personal_id == personal_id)
    )
    return rows[0].id if rows else None


async def audit_page(
    context: Context,
    *,
    person_id: int | None,
    client_id: str | None,
    first: int | None,
    after: str | None,
) -> Page[Row[Any]]:
    where: list[ColumnElement[bool]] = []
    if person_id is not None:
        where.append(audit_log.c.person_ids.contains([person_id]))
    if client_id is not None:
        where.append(audit_log.c.client_id == client_id)
    return await newest_first(context, audit_log, where, first=first, after=after)


async def consents_of(context: Context, person_id: int) -> list[Row[Any]]:
    statement = select(consent).where(consent.c.person_id == person_id).order_by(consent.c.id)
    return list(await fetch(context.engine, statement))


async def grant(
    context: Context,
    person_id: int,
    *,
    organization_code: str,
    purpose: str,
    valid_from: datetime | None,
    valid_until: datetime,
) -> Row[Any]:
    org = await context.loaders.organization_by_code.load(organization_code)
    if org is None:
        raise BadUserInputError(
            f"no organisation has the code {organization_code!r}", argument="organizationCode"
        )
    if not purpose.strip():
        raise BadUserInputError("a consent needs a purpose", argument="purpose")
    async with context.engine.begin() as conn:
        start = valid_from or (await conn.execute(select(func.now()))).scalar_one()
        if valid_until <= start:
            raise BadUserInputError("validUntil must be after validFrom", argument="validUntil")
        row = (
            await conn.execute(
                consent.insert()
                .values(
                    person_id=person_id,
                    organization_code=organization_code,
                    purpose=purpose.strip(),
                    valid_from=start,
                    valid_until=valid_until,
                )
                .returning(*consent.c)
            )
        ).one()
    return row


async def revoke(context: Context, person_id: int, consent_id: int) -> Row[Any]:
    async with context.engine.begin() as conn:
        row = (
            await conn.execute(
                update(consent)
                .where(
                    and_(
                        consent.c.id == consent_id,
                        consent.c.person_id == person_id,
                        consent.c.revoked_at.is_(None),
                    )
                )
                .values(revoked_at=func.now())
                .returning(*consent.c)
            )
        ).one_or_none()
    if row is None:
        raise BadUserInputError("you have no active consent with that id", argument="id")
    return row
