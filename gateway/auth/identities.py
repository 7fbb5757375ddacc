"""Development identities for GraphiQL in demo mode: one per management level, from the store.

Each is a real organisation (or, for the self level, a real person) of the seeded store, so
what a policy shows or hides for it can be checked against the data. Never served outside
demo mode: anyone who can reach the page gets these tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.auth.claims import Grant
from policies.types import Level
from store.models import Organization, Person

DEMO_CLIENT_ID = "cbccvc-graphiql-demo"
MOHA = "000.00.00.G09"
"""Bộ Nội vụ: the central level's organisation (it keeps the national database)."""
FINANCE = "000.00.00.G12"
"""Bộ Tài chính: social insurance (BHXH) sits under it since 2025, so it is the demo partner."""
PARTNER_PURPOSE = "insurance-reconciliation"


@dataclass(frozen=True)
class Identity:
    key: str
    label: str
    grant: Grant | None
    """None for the public: no token at all."""


async def _org(conn: AsyncConnection, *where: object, prefer: str | None = None) -> tuple[str, str]:
    """(code, name) of the preferred organisation if it qualifies, else the first that does."""
    base = select(Organization.code, Organization.name).where(
        Organization.status == "active",
        *where,  # type: ignore[arg-type]
    )
    if prefer is not None:
        row = (await conn.execute(base.where(Organization.code == prefer))).first()
        if row is not None:
            return row.code, row.name
    row = (await conn.execute(base.order_by(Organization.code).limit(1))).first()
    if row is None:
        raise LookupError("the store has no organisations: seed it first (cbccvc seed)")
    return row.code, row.name


def _org_identity(level: Level, code: str, name: str, purposes: tuple[str, ...] = ()) -> Identity:
    grant = Grant(level, code, f"demo:{level.value}", DEMO_CLIENT_ID, purposes)
    suffix = f", purpose {', '.join(purposes)}" if purposes else ""
    return Identity(level.value, f"{level.value}: {name} ({code}){suffix}", grant)


async def demo_identities(engine: AsyncEngine) -> list[Identity]:
    """Central (MOHA), a ministry, a province, a commune, a unit, a person, a partner, public."""
    async with engine.connect() as conn:
        central = await _org(conn, prefer=MOHA)
        ministry = await _org(conn, Organization.level == "ministry", prefer=FINANCE)
        province = await _org(conn, Organization.level == "province")
        commune = await _org(conn, Organization.level == "commune")
        staffed = exists().where(Person.organization_id == Organization.id)
        unit = await _org(conn, Organization.level == "unit", staffed)
        person = (
            await conn.execute(
                select(Person.personal_id, Person.full_name, Organization.code)
                .join(Organization, Person.organization_id == Organization.id)
                .where(Organization.code == unit[0], Person.status == "active")
                .order_by(Person.id)
                .limit(1)
            )
        ).first()
        partner = await _org(conn, prefer=FINANCE)
    identities = [
        _org_identity(Level.CENTRAL, *central),
        _org_identity(Level.MINISTRY, *ministry),
        _org_identity(Level.PROVINCE, *province),
        _org_identity(Level.COMMUNE, *commune),
        _org_identity(Level.UNIT, *unit),
    ]
    if person is not None:
        grant = Grant(Level.SELF, None, person.personal_id, DEMO_CLIENT_ID)  # a person, no org
        identities.append(Identity("self", f"self: {person.full_name}", grant))
    identities.append(_org_identity(Level.PARTNER, *partner, purposes=(PARTNER_PURPOSE,)))
    identities.append(Identity("public", "public: no token", None))
    return identities
