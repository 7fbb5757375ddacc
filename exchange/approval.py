"""Monthly approval (TT 06/2023/TT-BNV): the agency's authorised person signs the month's data.

In the last 5 days of each month the authorised person of an agency approves its data with a
digital signature. Here that is a manifest: the Merkle root (exchange/merkle.py) over the
digests of every record the agency holds that month, signed (JWS, ES256 or Ed25519) with a
signing key the agency publishes in its JWKS. MOHA keeps the manifest and its leaves; a
person's current record digest is then covered when it is a leaf of an approved manifest, and
the proof (manifest token + inclusion proof) verifies offline with the agency's public key.

    digest = record_digest(source_id, source_record_id, version, fields)
    token = sign_manifest(manifest_of(code, "2026-11", digests, approver, now), agency_keys, now)
    manifest = verify_manifest(token, trusted_agency_keys)          # EnvelopeError if not
    coverage = covered(digest, [(manifest, digests), ...])          # Coverage, pure

Pure: no store, no clock of its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from joserfc import jws
from joserfc.errors import JoseError

from exchange.envelope import EnvelopeError, compact_text, protected_header, signature_key
from exchange.keys import PartyKeys, TrustedKeys
from exchange.merkle import InclusionProof, inclusion_proof, merkle_root, verify_inclusion
from exchange.protocol import dumps

MANIFEST_TYPE = "moha-approval+jws"
MAX_MANIFEST_BYTES = 16 * 1024


def record_digest(
    source_id: str, source_record_id: str, version: str, fields: Mapping[str, Any]
) -> str:
    """SHA-256 (hex) of a record's canonical JSON: keys sorted, decimals as strings, dates ISO.

    The same record (same source, id, version and field values) has the same digest at the
    agency and at MOHA, whichever side computes it.
    """
    body = {"source": source_id, "id": source_record_id, "version": version, "fields": fields}
    canonical = orjson.loads(dumps(body))  # dates and decimals as the protocol writes them
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class Manifest:
    agency: str  # VN:GOV:<code>:HRM
    period: str  # YYYY-MM
    root: str
    records: int
    approved_by: str  # the authorised person (name, title or identifier)
    approved_at: int  # seconds since the epoch
    kid: str = ""

    def claims(self) -> dict[str, Any]:
        return {
            "iss": self.agency,
            "period": self.period,
            "root": self.root,
            "records": self.records,
            "approved_by": self.approved_by,
            "iat": self.approved_at,
        }


def manifest_of(
    agency: str, period: str, digests: Iterable[str], approved_by: str, now: float
) -> Manifest:
    listed = set(digests)
    return Manifest(agency, period, merkle_root(listed), len(listed), approved_by, int(now))


def sign_manifest(manifest: Manifest, keys: PartyKeys, now: float) -> str:
    """The approval: the manifest signed with the agency's current signing key."""
    record, key = keys.signer(datetime.fromtimestamp(now, UTC))
    header = {"alg": record.algorithm, "kid": record.kid, "typ": MANIFEST_TYPE}
    payload = json.dumps(manifest.claims(), separators=(",", ":"), ensure_ascii=False)
    return jws.serialize_compact(header, payload.encode(), key, algorithms=[record.algorithm])


def verify_manifest(token: str, trusted: TrustedKeys) -> Manifest:
    """The manifest a token carries, when its signature verifies with a trusted, unrevoked
    key of the agency; EnvelopeError otherwise."""
    text = compact_text(token, MAX_MANIFEST_BYTES)
    header = protected_header(text, 3)
    if header.get("typ") != MANIFEST_TYPE:
        raise EnvelopeError("malformed", f"typ must be {MANIFEST_TYPE}")
    key, alg = signature_key(header, trusted)
    try:
        signed = jws.deserialize_compact(text, key, algorithms=[alg])
        claims = json.loads(signed.payload)
        manifest = Manifest(
            agency=str(claims["iss"]),
            period=str(claims["period"]),
            root=str(claims["root"]),
            records=int(claims["records"]),
            approved_by=str(claims["approved_by"]),
            approved_at=int(claims["iat"]),
            kid=str(header["kid"]),
        )
    except JoseError as error:
        raise EnvelopeError("bad_signature", "the manifest's signature does not verify") from error
    except (ValueError, KeyError, TypeError) as error:
        raise EnvelopeError("malformed", "the manifest's claims are incomplete") from error
    if manifest.agency != trusted.party:
        raise EnvelopeError("wrong_issuer", f"a manifest of {manifest.agency!r}")
    return manifest


@dataclass(frozen=True)
class Coverage:
    """Whether a record digest is covered by an approved manifest, and the proof if so."""

    covered: bool
    digest: str
    period: str | None = None
    manifest_token: str | None = None
    root: str | None = None
    proof: InclusionProof | None = None

    def verify(self, trusted: TrustedKeys) -> bool:
        """The offline check: the manifest's signature, then the digest's path to its root."""
        if not self.covered or self.manifest_token is None or self.proof is None:
            return False
        try:
            manifest = verify_manifest(self.manifest_token, trusted)
        except EnvelopeError:
            return False
        return manifest.root == self.root and verify_inclusion(
            self.digest, self.proof, manifest.root
        )


def covered(digest: str, approvals: Sequence[tuple[str, Manifest, Iterable[str]]]) -> Coverage:
    """The newest approval (manifest token, manifest, its leaves) whose leaves hold `digest`."""
    for token, manifest, digests in sorted(approvals, key=lambda a: a[1].period, reverse=True):
        listed = list(digests)
        proof = inclusion_proof(listed, digest)
        if proof is not None and merkle_root(listed) == manifest.root:
            return Coverage(True, digest, manifest.period, token, manifest.root, proof)
    return Coverage(False, digest)
