"""Self-declarations in the gateway: declare, deliver, collect the agencies' decisions, read.

    row = await declare(engine, sources, person_id, DeclaredChange(...))   # checked, stored, sent
    await follow_up(engine, sources)      # deliver what is queued, collect outcomes (CLI, demo)
    rows = await of_person(engine, person_id)           # myDeclarations
    rows = await pending_of(engine, "VN:GOV:<code>:")   # an agency's open declarations

No GraphQL types here (schema/declarations.py). A declaration is checked before anything is
stored or sent (exchange/declaration.py); it goes to the agency that owns the person's record
(the record's source), sealed, when that source is a connector with the envelope, and waits in
the agency's export otherwise (`cbccvc declarations export`). The gateway writes only its own
`declaration` table: the change reaches the person's record through the agency's next feed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Source
from adapters.errors import SourceError
from adapters.exchange import ExchangeSource
from adapters.resilience import GuardedSource
from exchange import declaration as decl
from exchange.envelope import EnvelopeError
from exchange.keys import PartyKeys
from store.models import Person, table_of
from store.models_declaration import Declaration

log = logging.getLogger(__name__)

declaration_table = table_of(Declaration)
person_table = table_of(Person)
MAX_LISTED = 200


class PersonNotFound(LookupError):
    pass


def connector_of(sources: Mapping[str, Source], source_id: str) -> ExchangeSource | None:
    """The owning agency's connector when it takes declarations (version 2, sealed)."""
    source = sources.get(source_id)
    inner = source.inner if isinstance(source, GuardedSource) else source
    if isinstance(inner, ExchangeSource) and inner.takes_declarations:
        return inner
    return None


async def declare(
    engine: AsyncEngine,
    sources: Mapping[str, Source],
    person_id: int,
    asked: decl.DeclaredChange,
    *,
    now: datetime | None = None,
) -> Row[Any]:
    """Checks, stores and sends one declaration; DeclarationRefused before anything else.

    Stored first, then sent: a connector that is down leaves it `queued` (follow_up sends it
    later), never lost; a connector's refusal is kept as `last_error`."""
    when = now or datetime.now(UTC)
    change = decl.check_change(asked, decl.today_in_vietnam(when))
    async with engine.connect() as conn:
        person = (
            await conn.execute(
                select(
                    person_table.c.personal_id,
                    person_table.c.source_id,
                    person_table.c.source_record_id,
                ).where(person_table.c.id == person_id)
            )
        ).one_or_none()
    if person is None:
        raise PersonNotFound("the person is not in the store")
    declaration_id = str(uuid.uuid4())
    payload = decl.declaration_payload(
        declaration_id, person.source_id, person.source_record_id, person.personal_id,
        change, when,
    )  # fmt: skip
    connector = connector_of(sources, person.source_id)
    async with engine.begin() as conn:
        await conn.execute(
            declaration_table.insert().values(
                declaration_id=declaration_id,
                person_id=person_id,
                source_id=person.source_id,
                source_record_id=person.source_record_id,
                kind=change.kind,
                target=change.target,
                change=change.as_json(),
                note=change.note,
                channel="connector" if connector is not None else "export",
                status="queued" if connector is not None else "sent",
                signed="",  # set on delivery (connector) or export
                sent_at=when,
                due_on=decl.due_on(when),
            )
        )
    if connector is not None:
        await _deliver(engine, connector, declaration_id, payload)
    return await one(engine, declaration_id)


async def _deliver(
    engine: AsyncEngine, connector: ExchangeSource, declaration_id: str, payload: Any
) -> bool:
    now = datetime.now(UTC)
    try:
        delivered = await connector.send_declaration(payload, now.timestamp())
    except SourceError as error:
        log.warning("declaration not delivered to %s: %s", connector.id, type(error).__name__)
        async with engine.begin() as conn:
            await conn.execute(
                update(declaration_table)
                .where(declaration_table.c.declaration_id == declaration_id)
                .values(
                    attempts=declaration_table.c.attempts + 1,
                    last_error=f"{type(error).__name__}: the agency's connector did not take it",
                )
            )
        return False
    async with engine.begin() as conn:
        await conn.execute(
            update(declaration_table)
            .where(declaration_table.c.declaration_id == declaration_id)
            .values(
                status="received",
                signed=delivered.token,
                token_digest=delivered.receipt.digest,
                receipt=delivered.receipt_token,
                received_at=delivered.receipt.received_at,
                attempts=declaration_table.c.attempts + 1,
                last_error=None,
            )
        )
    return True


@dataclass(frozen=True)
class FollowUp:
    delivered: int = 0
    decided: int = 0
    approved_sources: tuple[str, ...] = ()


async def follow_up(engine: AsyncEngine, sources: Mapping[str, Source]) -> FollowUp:
    """Sends what is queued and collects the decisions on what the agencies received; returns
    the sources that approved something (their next sync brings the change in)."""
    async with engine.connect() as conn:
        open_rows = (
            await conn.execute(
                select(declaration_table).where(
                    declaration_table.c.channel == "connector",
                    declaration_table.c.status.in_(("queued", "received")),
                )
            )
        ).all()
    delivered = decided = 0
    approved: set[str] = set()
    by_source: dict[str, list[Row[Any]]] = {}
    for row in open_rows:
        by_source.setdefault(row.source_id, []).append(row)
    for source_id, rows in by_source.items():
        connector = connector_of(sources, source_id)
        if connector is None:
            continue
        for row in rows:
            if row.status == "queued":
                payload = await _payload_again(engine, row)
                delivered += await _deliver(engine, connector, row.declaration_id, payload)
        received = [r.declaration_id for r in rows if r.status in ("queued", "received")]
        try:
            outcomes = await connector.declaration_outcomes(received)
        except SourceError as error:
            log.warning("outcomes of %s not collected: %s", source_id, type(error).__name__)
            continue
        for outcome in outcomes:
            decided += await _record_outcome(engine, outcome)
            if outcome.status is decl.Status.APPROVED:
                approved.add(source_id)
    return FollowUp(delivered, decided, tuple(sorted(approved)))


async def _payload_again(engine: AsyncEngine, row: Row[Any]) -> Any:
    """The payload of a queued declaration, rebuilt from what was stored (same id, same
    due date: a late delivery does not move the agency's deadline)."""
    async with engine.connect() as conn:
        personal_id = (
            await conn.execute(
                select(person_table.c.personal_id).where(person_table.c.id == row.person_id)
            )
        ).scalar_one()
    change = decl.Change(
        row.kind,
        row.target,
        row.change.get("value"),
        row.change.get("entry") or {},
        row.note,
    )
    return decl.declaration_payload(
        row.declaration_id, row.source_id, row.source_record_id, personal_id, change,
        row.sent_at,
    )  # fmt: skip


async def _record_outcome(engine: AsyncEngine, outcome: decl.Outcome) -> int:
    async with engine.begin() as conn:
        done = await conn.execute(
            update(declaration_table)
            .where(
                declaration_table.c.declaration_id == outcome.declaration_id,
                declaration_table.c.status.in_(("queued", "received")),
            )
            .values(
                status=outcome.status.value,
                outcome=outcome.token,
                decided_at=outcome.decided_at,
                reason=outcome.reason,
                applied_version=outcome.applied_version,
            )
        )
    return int(done.rowcount or 0)


# --- the export, for agencies without a connector --------------------------------------------


async def export(engine: AsyncEngine, moha: PartyKeys, source_id: str) -> tuple[str, int]:
    """The agency's pending declarations of the export channel, signed by MOHA; those listed
    count as received by the agency (it holds them now)."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                select(declaration_table, person_table.c.personal_id)
                .join(person_table, person_table.c.id == declaration_table.c.person_id)
                .where(
                    declaration_table.c.source_id == source_id,
                    declaration_table.c.channel == "export",
                    declaration_table.c.status.in_(("sent", "received")),
                )
                .order_by(declaration_table.c.due_on, declaration_table.c.id)
            )
        ).all()
        listed = []
        for row in rows:
            change = decl.Change(
                row.kind, row.target, row.change.get("value"), row.change.get("entry") or {},
                row.note,
            )  # fmt: skip
            payload = decl.declaration_payload(
                row.declaration_id, row.source_id, row.source_record_id, row.personal_id,
                change, row.sent_at,
            )  # fmt: skip
            listed.append(payload["declaration"])
        token = decl.sign_export(moha, source_id, listed, now.timestamp())
        if rows:
            await conn.execute(
                update(declaration_table)
                .where(declaration_table.c.id.in_([r.id for r in rows]))
                .values(
                    status="received",
                    signed=token,
                    received_at=func.coalesce(declaration_table.c.received_at, now),
                )
            )
    return token, len(rows)


# --- reads --------------------------------------------------------------------------------------


_LISTED = (
    declaration_table,
    person_table.c.source_version.label("store_version"),
)


async def one(engine: AsyncEngine, declaration_id: str) -> Row[Any]:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                select(*_LISTED)
                .join(person_table, person_table.c.id == declaration_table.c.person_id)
                .where(declaration_table.c.declaration_id == declaration_id)
            )
        ).one()


async def of_person(engine: AsyncEngine, person_id: int) -> Sequence[Row[Any]]:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                select(*_LISTED)
                .join(person_table, person_table.c.id == declaration_table.c.person_id)
                .where(declaration_table.c.person_id == person_id)
                .order_by(declaration_table.c.sent_at.desc(), declaration_table.c.id.desc())
                .limit(MAX_LISTED)
            )
        ).all()


async def pending_of(
    engine: AsyncEngine, source_prefix: str, source: str | None = None
) -> Sequence[Row[Any]]:
    """Open declarations of the sources whose id starts with `source_prefix` ("" for every
    source), due first: what the agencies' staff must answer."""
    where: list[ColumnElement[bool]] = [
        declaration_table.c.status.in_(("queued", "sent", "received"))
    ]
    if source_prefix:
        where.append(declaration_table.c.source_id.startswith(source_prefix, autoescape=True))
    if source is not None:
        where.append(declaration_table.c.source_id == source)
    async with engine.connect() as conn:
        return (
            await conn.execute(
                select(*_LISTED)
                .join(person_table, person_table.c.id == declaration_table.c.person_id)
                .where(and_(*where))
                .order_by(declaration_table.c.due_on, declaration_table.c.id)
                .limit(MAX_LISTED)
            )
        ).all()


async def applied_in(
    engine: AsyncEngine, versions: Sequence[tuple[str, str, str]]
) -> dict[tuple[str, str, str], list[str]]:
    """(source, record id, version) -> the approved declarations the agency applied in exactly
    that version of the record: what Person.provenance links back to. One statement."""
    wanted = list(dict.fromkeys(versions))
    if not wanted:
        return {}
    key = tuple_(
        declaration_table.c.source_id,
        declaration_table.c.source_record_id,
        declaration_table.c.applied_version,
    )
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    declaration_table.c.source_id,
                    declaration_table.c.source_record_id,
                    declaration_table.c.applied_version,
                    declaration_table.c.declaration_id,
                )
                .where(declaration_table.c.status == "approved", key.in_(wanted))
                .order_by(declaration_table.c.decided_at, declaration_table.c.id)
            )
        ).all()
    found: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        found.setdefault((row.source_id, row.source_record_id, row.applied_version), []).append(
            row.declaration_id
        )
    return found


def in_store(applied_version: str | None, store_version: str | None) -> bool:
    """Whether the store's version of the record carries the approved change: the version
    the agency applied it in, or a later one (connector versions are counters)."""
    if applied_version is None or store_version is None:
        return False
    if applied_version.isdigit() and store_version.isdigit():
        return int(store_version) >= int(applied_version)
    return store_version == applied_version


def today() -> date:
    return decl.today_in_vietnam(datetime.now(UTC))


__all__ = ["EnvelopeError"]
