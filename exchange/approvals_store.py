"""The monthly approvals in the Ministry store: keep a verified manifest with its leaves, and
answer whether the version the store holds of a source record is covered (with the proof to
show for it).

    manifest = await store_approval(engine, token, digests, trusted_agency_keys)
    found = await coverages(engine, [(source_id, source_record_id), ...])
    coverage = found[(source_id, source_record_id)]  # None: no digest recorded by the sync
    coverage.covered, coverage.period, coverage.proof, coverage.manifest_token

Also MOHA's message log in the store (`append_message`, `verify_messages`), the same chain as
exchange/msglog.py's file form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from exchange.approval import Coverage, Manifest, covered, verify_manifest
from exchange.envelope import EnvelopeError
from exchange.keys import TrustedKeys
from exchange.merkle import merkle_root
from exchange.msglog import ChainBreak, LogEntry, chain, verify_chain
from store.models_exchange import ApprovalLeaf, ApprovalManifest, ExchangeMessage, RecordDigest

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


def _manifest(code: str, row: Any) -> Manifest:
    return Manifest(
        f"{_PARTY_PREFIX}{code}:HRM", row.period, row.root, row.records,
        row.approved_by, int(row.approved_at.timestamp()), row.kid,
    )  # fmt: skip


async def coverages(
    engine: AsyncEngine, records: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Coverage | None]:
    """For (source id, source record id) pairs: whether the version the store holds is covered
    by its agency's newest approved manifest, with the proof. None: no digest recorded (the
    record has not come through the sync). Three statements for any number of records."""
    found: dict[tuple[str, str], Coverage | None] = dict.fromkeys(records)
    if not records:
        return found
    async with engine.connect() as conn:
        digests = {
            (row.source_id, row.source_record_id): row.digest
            for row in await conn.execute(
                select(
                    RecordDigest.source_id, RecordDigest.source_record_id, RecordDigest.digest
                ).where(
                    tuple_(RecordDigest.source_id, RecordDigest.source_record_id).in_(list(records))
                )
            )
        }
        if not digests:
            return found
        holdings = (
            await conn.execute(
                select(ApprovalLeaf.digest, *ApprovalManifest.__table__.c)
                .join(ApprovalManifest, ApprovalLeaf.manifest_id == ApprovalManifest.id)
                .where(ApprovalLeaf.digest.in_(list(set(digests.values()))))
                .order_by(ApprovalManifest.period.desc(), ApprovalManifest.id.desc())
            )
        ).all()
        manifest_ids = sorted({row.id for row in holdings})
        leaves: dict[int, list[str]] = {}
        if manifest_ids:
            for leaf in await conn.execute(
                select(ApprovalLeaf.manifest_id, ApprovalLeaf.digest).where(
                    ApprovalLeaf.manifest_id.in_(manifest_ids)
                )
            ):
                leaves.setdefault(leaf.manifest_id, []).append(leaf.digest)
    newest: dict[tuple[str, str], Any] = {}
    for holding_row in holdings:  # newest period first: keep the first per (agency, digest)
        newest.setdefault((holding_row.agency_code, holding_row.digest), holding_row)
    for key, digest in digests.items():
        code = agency_code(key[0])
        holding = newest.get((code, digest))
        if holding is None:
            found[key] = Coverage(False, digest)
        else:
            manifest = _manifest(code, holding)
            found[key] = covered(digest, [(holding.token, manifest, leaves[holding.id])])
    return found


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
