"""The monthly approvals in the Ministry store: keep a verified manifest with its leaves, and
answer whether a record digest is covered (with the proof to show for it).

    manifest = await store_approval(engine, token, digests, trusted_agency_keys)
    coverage = await coverage_of(engine, "000.00.00.G18", record_digest(...))
    coverage.covered, coverage.period, coverage.proof.as_dict(), coverage.manifest_token

Also MOHA's message log in the store (`append_message`, `verify_messages`), the same chain as
exchange/msglog.py's file form.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from exchange.approval import Coverage, Manifest, covered, verify_manifest
from exchange.envelope import EnvelopeError
from exchange.keys import TrustedKeys
from exchange.merkle import merkle_root
from exchange.msglog import ChainBreak, LogEntry, chain, verify_chain
from store.models_exchange import ApprovalLeaf, ApprovalManifest, ExchangeMessage

_PARTY_PREFIX = "VN:GOV:"


def agency_code(party: str) -> str:
    """`VN:GOV:000.00.00.G18:HRM` -> `000.00.00.G18`."""
    return party.removeprefix(_PARTY_PREFIX).rsplit(":", 1)[0]


async def store_approval(
    engine: AsyncEngine, token: str, digests: Iterable[str], trusted: TrustedKeys
) -> Manifest:
    """Verifies the manifest (signature, and that the leaves give its root) and keeps it;
    EnvelopeError when it does not verify. Storing the same manifest twice is harmless."""
    manifest = verify_manifest(token, trusted)
    leaves = sorted(set(digests))
    if merkle_root(leaves) != manifest.root or len(leaves) != manifest.records:
        raise EnvelopeError("tampered", "the record digests do not give the manifest's root")
    values = {
        "agency_code": agency_code(manifest.agency),
        "period": manifest.period,
        "root": manifest.root,
        "records": manifest.records,
        "approved_by": manifest.approved_by,
        "approved_at": datetime.fromtimestamp(manifest.approved_at, UTC),
        "kid": manifest.kid,
        "token": token,
    }
    async with engine.begin() as conn:
        inserted = await conn.execute(
            pg_insert(ApprovalManifest)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(ApprovalManifest.id)
        )
        manifest_id = inserted.scalar_one_or_none()
        if manifest_id is not None and leaves:
            await conn.execute(
                insert(ApprovalLeaf), [{"manifest_id": manifest_id, "digest": d} for d in leaves]
            )
    return manifest


async def coverage_of(engine: AsyncEngine, code: str, digest: str) -> Coverage:
    """Whether `digest` (a person's current record digest) is covered by an approved manifest
    of agency `code`, with the inclusion proof from the newest one that covers it."""
    async with engine.connect() as conn:
        holding = (
            await conn.execute(
                select(ApprovalManifest)
                .join(ApprovalLeaf, ApprovalLeaf.manifest_id == ApprovalManifest.id)
                .where(ApprovalManifest.agency_code == code, ApprovalLeaf.digest == digest)
                .order_by(ApprovalManifest.period.desc(), ApprovalManifest.id.desc())
                .limit(1)
            )
        ).first()
        if holding is None:
            return Coverage(False, digest)
        leaves = (
            await conn.execute(
                select(ApprovalLeaf.digest).where(ApprovalLeaf.manifest_id == holding.id)
            )
        ).scalars()
        manifest = Manifest(
            f"{_PARTY_PREFIX}{code}:HRM", holding.period, holding.root, holding.records,
            holding.approved_by, int(holding.approved_at.timestamp()), holding.kid,
        )  # fmt: skip
        return covered(digest, [(holding.token, manifest, list(leaves))])


async def append_message(
    engine: AsyncEngine, request_id: str, sender: str, receiver: str, digest: str, *,
    kind: str, at: datetime | None = None,
) -> LogEntry:  # fmt: skip
    """Appends to MOHA's message log in the store; a transaction-scoped advisory lock keeps
    concurrent appenders (gateway replicas, sync workers) in one chain."""
    async with engine.begin() as conn:
        await conn.execute(select(func.pg_advisory_xact_lock(0x63626578)))  # "cbex"
        last_row = (
            await conn.execute(
                select(ExchangeMessage).order_by(ExchangeMessage.seq.desc()).limit(1)
            )
        ).first()
        previous = None if last_row is None else _entry(last_row)
        entry = chain(previous, request_id, kind, sender, receiver, digest, at or datetime.now(UTC))
        await conn.execute(insert(ExchangeMessage).values(**entry.as_dict()))
        return entry


def _entry(row: object) -> LogEntry:
    return LogEntry(
        row.seq, row.request_id, row.kind, row.sender, row.receiver,  # type: ignore[attr-defined]
        row.digest, row.at, row.prev, row.hash,  # type: ignore[attr-defined]
    )  # fmt: skip


async def verify_messages(engine: AsyncEngine) -> tuple[int, ChainBreak | None]:
    """(entries checked, the first break or None): for `cbccvc audit verify` to run as well."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(ExchangeMessage).order_by(ExchangeMessage.seq))).all()
    entries = [_entry(row) for row in rows]
    return len(entries), verify_chain(entries)
