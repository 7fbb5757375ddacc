"""A Merkle tree over record digests: its root, inclusion proofs, and their offline check.

Pure, SHA-256, with RFC 6962's domain separation (a leaf hashes 0x00 || data, a node
0x01 || left || right) so that a node can never pass for a leaf. Leaves are the record digests
sorted and deduplicated, so the root does not depend on the order records were listed in. An
odd node at the end of a level is carried up unchanged (RFC 6962's unbalanced tree).

    root = merkle_root(digests)
    proof = inclusion_proof(digests, digest)      # None when digest is not among them
    verify_inclusion(digest, proof, root)         # anyone, offline, with three values
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LEAF = b"\x00"
NODE = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(digest: str) -> bytes:
    return hashlib.sha256(LEAF + digest.encode("ascii")).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def leaves(digests: Iterable[str]) -> list[str]:
    """The tree's leaves: the digests sorted, each once."""
    return sorted(set(digests))


def _levels(ordered: Sequence[str]) -> list[list[bytes]]:
    level = [leaf_hash(d) for d in ordered]
    levels = [level]
    while len(level) > 1:
        level = [
            node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        levels.append(level)
    return levels


def merkle_root(digests: Iterable[str]) -> str:
    """The root (hex) over the digests; EMPTY_ROOT for none."""
    ordered = leaves(digests)
    if not ordered:
        return EMPTY_ROOT
    return _levels(ordered)[-1][0].hex()


@dataclass(frozen=True)
class InclusionProof:
    """Where a leaf sits and the sibling hashes on its way to the root (hex, bottom first);
    `sides[i]` is "L" when the sibling is on the left."""

    index: int
    size: int
    siblings: tuple[str, ...]
    sides: tuple[str, ...]


def inclusion_proof(digests: Iterable[str], digest: str) -> InclusionProof | None:
    ordered = leaves(digests)
    try:
        index = ordered.index(digest)
    except ValueError:
        return None
    siblings: list[str] = []
    sides: list[str] = []
    position = index
    for level in _levels(ordered)[:-1]:
        partner = position ^ 1
        if partner < len(level):
            siblings.append(level[partner].hex())
            sides.append("L" if partner < position else "R")
        position //= 2
    return InclusionProof(index, len(ordered), tuple(siblings), tuple(sides))


def verify_inclusion(digest: str, proof: InclusionProof, root: str) -> bool:
    """Whether `digest` is a leaf of the tree whose root is `root`: no store, no network."""
    if len(proof.siblings) != len(proof.sides) or not 0 <= proof.index < proof.size:
        return False
    current = leaf_hash(digest)
    try:
        for sibling_hex, side in zip(proof.siblings, proof.sides, strict=True):
            sibling = bytes.fromhex(sibling_hex)
            if side == "L":
                current = node_hash(sibling, current)
            elif side == "R":
                current = node_hash(current, sibling)
            else:
                return False
    except ValueError:
        return False
    return current.hex() == root
