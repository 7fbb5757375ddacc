"""Person.provenance.approval: the store's current version against the agency's signed monthly
manifest, with a Merkle proof anyone can check offline with the agency's published keys."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from exchange.approval import manifest_of, record_digest, sign_manifest, verify_manifest
from exchange.approvals_store import agency_code, store_approval
from exchange.keys import PartyKeys, TrustedKeys, write_jwks
from exchange.merkle import InclusionProof, verify_inclusion
from resolvers import global_id

WHEN = datetime(2026, 11, 28, tzinfo=UTC)
QUERY = """
query($id: ID!) { node(id: $id) { ... on Person { provenance { approval {
  covered recordDigest period merkleRoot manifest proof { index size siblings sides }
} } } } }
"""


async def approval_of(gql: Any, person_id: int) -> Any:
    data = await gql.data(QUERY, {"id": global_id.encode("Person", person_id)})
    return data["node"]["provenance"]["approval"]


async def test_an_approved_version_comes_with_a_proof_that_verifies_offline(
    gql: Any, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        source = (
            await conn.execute(
                text(
                    "SELECT source_id FROM person GROUP BY source_id"
                    " HAVING count(*) >= 6 ORDER BY source_id LIMIT 1"
                )
            )
        ).scalar_one()
        people = (
            await conn.execute(
                text(
                    "SELECT id, source_record_id, source_version, full_name FROM person"
                    " WHERE source_id = :s ORDER BY id LIMIT 6"
                ),
                {"s": source},
            )
        ).all()
        digests = {
            p.id: record_digest(source, p.source_record_id, p.source_version, {"n": p.full_name})
            for p in people
        }
        # what the sync records for every record it stores (tests/sync checks that it does)
        for p in people[:5]:
            await conn.execute(
                text(
                    "INSERT INTO record_digest (source_id, source_record_id, version, digest)"
                    " VALUES (:s, :r, :v, :d) ON CONFLICT DO NOTHING"
                ),
                {"s": source, "r": p.source_record_id, "v": p.source_version, "d": digests[p.id]},
            )
    keys = PartyKeys.generate(source, WHEN)
    trusted = TrustedKeys.of(keys, WHEN)
    approved = [digests[p.id] for p in people[:4]]
    token = sign_manifest(
        manifest_of(source, "2026-11", approved, "Trưởng phòng TCCB", WHEN.timestamp()),
        keys,
        WHEN.timestamp(),
    )
    await store_approval(engine, token, approved, trusted)

    covered = await approval_of(gql, people[0].id)
    assert covered["covered"] is True
    assert covered["period"] == "2026-11"
    assert covered["recordDigest"] == digests[people[0].id]
    # offline, with nothing but the agency's keys: the manifest's signature, then the path
    manifest = verify_manifest(covered["manifest"], trusted)
    assert manifest.root == covered["merkleRoot"]
    assert agency_code(manifest.agency) == agency_code(source)
    proof = covered["proof"]
    inclusion = InclusionProof(
        proof["index"], proof["size"], tuple(proof["siblings"]), tuple(proof["sides"])
    )
    assert verify_inclusion(covered["recordDigest"], inclusion, manifest.root)
    assert not verify_inclusion(digests[people[4].id], inclusion, manifest.root)

    outside = await approval_of(gql, people[4].id)  # digested, not in the manifest
    assert outside["covered"] is False
    assert outside["proof"] is None
    assert await approval_of(gql, people[5].id) is None  # never came through the sync


def test_cbccvc_exchange_approve_keeps_a_good_manifest_and_refuses_a_tampered_one(
    fresh_store_url: str, tmp_path: Path
) -> None:
    agency = "VN:GOV:000.00.00.G18:HRM"
    keys = PartyKeys.generate(agency, WHEN)
    write_jwks(keys, tmp_path / "agency.jwks.json", WHEN)
    digests = [record_digest(agency, f"NV-{i}", "1", {"n": i}) for i in range(8)]
    (tmp_path / "manifest.jws").write_text(
        sign_manifest(
            manifest_of(agency, "2026-11", digests, "B", WHEN.timestamp()), keys, WHEN.timestamp()
        ),
        encoding="utf-8",
    )
    env = {"DATABASE_URL": fresh_store_url, "PATH": ""}

    def approve(listed: list[str]) -> subprocess.CompletedProcess[str]:
        (tmp_path / "digests.txt").write_text("\n".join(listed), encoding="utf-8")
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", "exchange", "approve",
             str(tmp_path / "manifest.jws"), str(tmp_path / "digests.txt"),
             "--agency-jwks", str(tmp_path / "agency.jwks.json")],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    kept = approve(digests)
    assert kept.returncode == 0, kept.stderr
    assert "approval kept: VN:GOV:000.00.00.G18:HRM 2026-11, 8 records" in kept.stdout
    tampered = approve(digests[:-1])
    assert tampered.returncode == 1
    assert "manifest refused" in tampered.stderr
    assert "Traceback" not in tampered.stderr
