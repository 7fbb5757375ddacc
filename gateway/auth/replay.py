"""Client assertions already used: each jti is accepted once per client within its lifetime.

The store's primary key (client_id, jti) makes the check atomic, so two gateway replicas cannot
both accept the same assertion. Rows are useless once the assertion has expired, and go then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from store.models_auth import ClientAssertion


@dataclass(frozen=True)
class UsedAssertion:
    client_id: str
    jti: str
    expires_at: float


async def first_use(engine: AsyncEngine, used: UsedAssertion) -> bool:
    """Record the assertion; False when it had been recorded before (a replay)."""
    async with engine.begin() as conn:
        await conn.execute(delete(ClientAssertion).where(ClientAssertion.expires_at < func.now()))
        inserted = await conn.execute(
            insert(ClientAssertion)
            .values(
                client_id=used.client_id,
                jti=used.jti,
                expires_at=datetime.fromtimestamp(used.expires_at, UTC),
            )
            .on_conflict_do_nothing()
            .returning(ClientAssertion.jti)
        )
        return inserted.first() is not None
