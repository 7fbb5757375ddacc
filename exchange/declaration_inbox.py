"""The connector's declarations inbox: what MOHA sent to one agency, and the agency's decision.

    inbox = DeclarationInbox(pool, "000.00.00.G18")
    receipt = await inbox.receive(opened, sign)     # idempotent: the same id, the same receipt
    tokens = await inbox.outcomes(["<id>", ...])    # the agency's signed decisions

The inbox is the one table the connector writes (through its own small pool): receiving a
declaration changes nothing of the agency's staff records. The agency's HR system (here the
sandbox, sandbox/declarations.py) decides, applies the change to its own record, and writes
the signed outcome into the inbox for MOHA to collect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from exchange.declaration import OpenedDeclaration
from exchange.staffdb import DEFAULT_SCHEMA, check_schema


class UnknownRecord(LookupError):
    """The declaration names a record this agency does not hold."""


class DeclarationInbox:
    def __init__(self, pool: asyncpg.Pool, agency_code: str, schema: str = DEFAULT_SCHEMA) -> None:
        self.pool = pool
        self.agency = agency_code
        self.schema = check_schema(schema)

    async def receive(self, opened: OpenedDeclaration, sign: Callable[[], str]) -> str:
        """Keeps the declaration and returns the receipt; a declaration received before gets
        the receipt it got then (MOHA may resend after a lost answer)."""
        staff_no = str(opened.payload.get("source_record_id", ""))
        async with self.pool.acquire() as conn, conn.transaction():
            held = await conn.fetchval(
                f"""SELECT 1 FROM {self.schema}.staff
                     WHERE agency_code = $1 AND staff_no = $2 AND NOT deleted""",
                self.agency,
                staff_no,
            )
            if held is None:
                raise UnknownRecord("this agency holds no active record of that id")
            await conn.execute(
                f"""INSERT INTO {self.schema}.declaration_inbox
                        (declaration_id, agency_code, staff_no, declaration, signed, digest,
                         receipt)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (declaration_id) DO NOTHING""",
                str(opened.payload["id"]),
                self.agency,
                staff_no,
                dict(opened.payload),  # jsonb through the pool's orjson codec
                opened.signed,
                opened.digest,
                sign(),
            )
            receipt = await conn.fetchval(
                f"""SELECT receipt FROM {self.schema}.declaration_inbox
                     WHERE declaration_id = $1 AND agency_code = $2""",
                str(opened.payload["id"]),
                self.agency,
            )
        if receipt is None:  # the id is another agency's: never answer for it
            raise UnknownRecord("that declaration id is taken")
        return str(receipt)

    async def outcomes(self, declaration_ids: Sequence[str]) -> list[str]:
        rows = await self.pool.fetch(
            f"""SELECT outcome FROM {self.schema}.declaration_inbox
                 WHERE agency_code = $1 AND declaration_id = ANY($2::text[])
                   AND outcome IS NOT NULL
                 ORDER BY decided_at""",
            self.agency,
            list(declaration_ids),
        )
        return [str(row["outcome"]) for row in rows]
