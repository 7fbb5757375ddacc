"""TT 06/2023 monthly approval: signed manifests, and coverage proofs that verify offline."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from exchange.approval import (
    Coverage,
    Manifest,
    covered,
    manifest_of,
    record_digest,
    sign_manifest,
    verify_manifest,
)
from exchange.envelope import EnvelopeError
from exchange.keys import PartyKeys, TrustedKeys

AGENCY = "VN:GOV:000.00.00.G18:HRM"
WHEN = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOW = WHEN.timestamp()
KEYS = PartyKeys.generate(AGENCY, WHEN)
TRUSTED = TrustedKeys.of(KEYS, WHEN)


def record(n: int, coefficient: str = "4.98") -> str:
    fields = {"full_name": f"Nguyễn Văn {n}", "salary_coefficient": Decimal(coefficient)}
    return record_digest(AGENCY, f"NV-{n}", "1", fields)


DIGESTS = [record(n) for n in range(50)]


def approval(digests: list[str], period: str = "2026-11") -> tuple[str, Manifest, list[str]]:
    manifest = manifest_of(AGENCY, period, digests, "Trần Thị B, Vụ trưởng", NOW)
    return sign_manifest(manifest, KEYS, NOW), manifest, digests


def test_a_record_digest_is_stable_and_changes_with_any_field() -> None:
    assert record(1) == record(1)
    assert record(1) != record(1, "5.32")
    assert record(1) != record(2)


def test_a_signed_manifest_verifies_with_the_agencys_published_key() -> None:
    token, manifest, _ = approval(DIGESTS)
    verified = verify_manifest(token, TRUSTED)
    assert (verified.root, verified.records, verified.period) == (
        manifest.root,
        50,
        "2026-11",
    )


def test_a_manifest_signed_by_another_key_is_refused() -> None:
    other = PartyKeys.generate(AGENCY, WHEN)
    manifest = manifest_of(AGENCY, "2026-11", DIGESTS, "someone", NOW)
    with pytest.raises(EnvelopeError, match="unknown_kid"):
        verify_manifest(sign_manifest(manifest, other, NOW), TRUSTED)


def test_a_current_record_in_the_approved_month_is_covered_with_an_offline_proof() -> None:
    token, manifest, digests = approval(DIGESTS)
    coverage = covered(DIGESTS[7], [(token, manifest, digests)])
    assert coverage.covered
    assert coverage.period == "2026-11"
    assert coverage.verify(TRUSTED)


def test_a_record_changed_since_the_approval_is_not_covered() -> None:
    token, manifest, digests = approval(DIGESTS)
    coverage = covered(record(7, "5.32"), [(token, manifest, digests)])
    assert coverage == Coverage(False, record(7, "5.32"))
    assert not coverage.verify(TRUSTED)


def test_a_proof_does_not_verify_once_the_agencys_key_is_revoked() -> None:
    token, manifest, digests = approval(DIGESTS)
    coverage = covered(DIGESTS[3], [(token, manifest, digests)])
    kid = KEYS.signer(WHEN)[0].kid
    assert not coverage.verify(TrustedKeys.of(KEYS.revoke(kid, WHEN), WHEN))


def test_the_newest_approval_covering_the_record_is_the_one_shown() -> None:
    october = approval(DIGESTS[:10], "2026-10")
    november = approval(DIGESTS, "2026-11")
    coverage = covered(DIGESTS[2], [october, november])
    assert coverage.period == "2026-11"
