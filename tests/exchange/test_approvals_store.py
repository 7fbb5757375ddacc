"""Approvals and the message log in the Ministry store (migration 0007)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from exchange.approval import manifest_of, record_digest, sign_manifest
from exchange.approvals_store import (
    append_message,
    coverages,
    store_approval,
    verify_messages,
)
from exchange.envelope import EnvelopeError
from exchange.keys import PartyKeys, TrustedKeys
from store.database import create_engine
from store.models_exchange import RecordDigest

CODE = "000.00.00.G18"
AGENCY = f"VN:GOV:{CODE}:HRM"
WHEN = datetime(2026, 11, 28, tzinfo=UTC)
KEYS = PartyKeys.generate(AGENCY, WHEN)
TRUSTED = TrustedKeys.of(KEYS, WHEN)


def digests(n: int, salt: str = "") -> list[str]:
    return [record_digest(AGENCY, f"NV-{i}", "1", {"full_name": f"A {i}{salt}"}) for i in range(n)]


async def hold(engine: AsyncEngine, versions: dict[str, str]) -> None:
    """What the sync records: the digest of the version the store holds, per source record."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(RecordDigest),
            [
                {"source_id": AGENCY, "source_record_id": record, "version": "1", "digest": digest}
                for record, digest in versions.items()
            ],
        )


async def test_a_stored_approval_covers_its_records_with_a_proof_that_verifies_offline(
    fresh_store_url: str,
) -> None:
    engine: AsyncEngine = create_engine(fresh_store_url, pool_size=1)
    try:
        records = digests(40)
        token = sign_manifest(
            manifest_of(AGENCY, "2026-11", records, "B", WHEN.timestamp()), KEYS, WHEN.timestamp()
        )
        await store_approval(engine, token, records, TRUSTED)
        await store_approval(engine, token, records, TRUSTED)  # again: harmless
        # NV-11 as approved; NV-0 changed since the approval
        await hold(engine, {"NV-11": records[11], "NV-0": digests(1, "changed")[0]})
        found = await coverages(engine, [(AGENCY, "NV-11"), (AGENCY, "NV-0")])
        coverage, outside = found[(AGENCY, "NV-11")], found[(AGENCY, "NV-0")]
        with pytest.raises(EnvelopeError, match="tampered"):
            await store_approval(engine, token, records[:-1], TRUSTED)
    finally:
        await engine.dispose()
    assert coverage is not None  # both came through the sync
    assert outside is not None
    assert coverage.covered
    assert coverage.verify(TRUSTED)
    assert not outside.covered


async def test_the_stored_message_log_chains_and_verifies(fresh_store_url: str) -> None:
    engine: AsyncEngine = create_engine(fresh_store_url, pool_size=1)
    try:
        for i in range(3):
            await append_message(engine, f"j{i}", "moha", AGENCY, f"d{i}", kind="request")
        checked, broken = await verify_messages(engine)
    finally:
        await engine.dispose()
    assert (checked, broken) == (3, None)
