"""The sandbox agencies' HR clerks: they decide on persons' declarations in their own database.

    decided = await decide(conn, keys, "000.00.00.G18", declaration_id, approve=True)
    await decide(conn, keys, code, other_id, approve=False, reason="Thiếu giấy khai sinh")
    stop = start_auto_approver(dsn, keys, delay_s=20)     # the demo: approve after a while

Approving applies the change to the agency's OWN record (a person field into `profile`, a list
entry appended to `sections`): the staff table's trigger gives the record a new version and a
new place in the change feed, so the next sync brings the change into the Ministry store. The
decision is signed with the agency's key (exchange/declaration.py's outcome) and kept in the
inbox, where MOHA collects it. Nothing here is the gateway: the gateway never writes here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from exchange.declaration import Outcome, Status, sign_outcome
from exchange.keys import PartyKeys
from exchange.staffdb import DEFAULT_SCHEMA, check_schema

log = logging.getLogger(__name__)


class NotPending(LookupError):
    """No declaration of that id waits for a decision at that agency."""


@dataclass(frozen=True)
class Decided:
    declaration_id: str
    status: Status
    applied_version: int | None


async def decide(
    conn: Any,
    keys: Mapping[str, PartyKeys],
    declaration_id: str,
    *,
    approve: bool,
    reason: str | None = None,
    schema: str = DEFAULT_SCHEMA,
    now: datetime | None = None,
) -> Decided:
    """One decision by the owning agency's clerk; `keys` are the agencies' own keys by code."""
    s = check_schema(schema)
    when = now or datetime.now(UTC)
    async with conn.transaction():
        row = await conn.fetchrow(
            f"""SELECT agency_code, staff_no, declaration FROM {s}.declaration_inbox
                 WHERE declaration_id = $1 AND status = 'received' FOR UPDATE""",
            declaration_id,
        )
        if row is None:
            raise NotPending(f"no declaration {declaration_id!r} waits for a decision")
        declared = row["declaration"]
        if isinstance(declared, str | bytes):
            declared = orjson.loads(declared)
        version = None
        if approve:
            version = await _apply(conn, s, row["agency_code"], row["staff_no"], declared)
        status = Status.APPROVED if approve else Status.REJECTED
        agency = keys[row["agency_code"]]
        outcome = Outcome(
            declaration_id,
            status,
            when,
            reason=reason,
            source_record_id=row["staff_no"],
            applied_version=None if version is None else str(version),
        )
        token = sign_outcome(agency, outcome, when.timestamp())
        await conn.execute(
            f"""UPDATE {s}.declaration_inbox
                   SET status = $2, reason = $3, decided_at = $4, outcome = $5,
                       applied_version = $6
                 WHERE declaration_id = $1""",
            declaration_id,
            status.value,
            reason,
            when,
            token,
            version,
        )
    return Decided(declaration_id, status, version)


async def _apply(
    conn: Any, schema: str, agency: str, staff_no: str, declared: Mapping[str, Any]
) -> int:
    """The change, into the agency's own record; the record's new version."""
    change = declared["change"]
    if change["kind"] == "field":
        statement = f"""UPDATE {schema}.staff SET profile = profile || $3::text::jsonb
                         WHERE agency_code = $1 AND staff_no = $2 RETURNING version"""
        patch: Any = {change["field"]: change["value"]}
    else:
        # the list as the agency holds it, with the new entry at its end
        statement = f"""UPDATE {schema}.staff
                           SET sections = coalesce(sections, '{{}}'::jsonb) || jsonb_build_object(
                               $4::text,
                               coalesce(sections -> $4::text, '[]'::jsonb) || $3::text::jsonb)
                         WHERE agency_code = $1 AND staff_no = $2 RETURNING version"""
        patch = [change["entry"]]
    arguments: list[Any] = [agency, staff_no, orjson.dumps(patch).decode()]
    if change["kind"] != "field":
        arguments.append(change["list"])
    version = await conn.fetchval(statement, *arguments)
    if version is None:
        raise NotPending(f"record {staff_no!r} is gone from agency {agency}")
    return int(version)


async def pending(conn: Any, schema: str = DEFAULT_SCHEMA) -> list[Mapping[str, Any]]:
    """The declarations waiting for a decision, oldest first."""
    rows = await conn.fetch(
        f"""SELECT declaration_id, agency_code, received_at FROM {check_schema(schema)}
                   .declaration_inbox WHERE status = 'received' ORDER BY received_at"""
    )
    return [dict(row) for row in rows]


async def approve_due(
    conn: Any, keys: Mapping[str, PartyKeys], delay_s: float, schema: str = DEFAULT_SCHEMA
) -> list[Decided]:
    """Approves every declaration received at least `delay_s` seconds ago (the demo's clerk)."""
    decided = []
    now = datetime.now(UTC)
    for row in await pending(conn, schema):
        if (now - row["received_at"]).total_seconds() < delay_s:
            continue
        try:
            decided.append(
                await decide(conn, keys, row["declaration_id"], approve=True, schema=schema)
            )
        except NotPending:
            continue  # decided meanwhile, or its record left
    return decided


def start_auto_approver(
    dsn: str,
    keys: Mapping[str, PartyKeys],
    *,
    delay_s: float = 20.0,
    every_s: float = 5.0,
    schema: str = DEFAULT_SCHEMA,
) -> Callable[[], None]:
    """A thread that approves declarations `delay_s` after they arrive; returns its stop."""
    stopping = threading.Event()

    async def run() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            while not stopping.is_set():
                try:
                    for done in await approve_due(conn, keys, delay_s, schema):
                        log.info("sandbox agency approved declaration %s", done.declaration_id)
                except (asyncpg.PostgresError, OSError) as error:
                    log.warning("the sandbox's clerk could not decide: %s", error)
                await asyncio.to_thread(stopping.wait, every_s)
        finally:
            await conn.close()

    thread = threading.Thread(target=lambda: asyncio.run(run()), name="sandbox-clerk", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(timeout=every_s + 5)

    return stop
