"""Merkle roots and inclusion proofs, pure and table-tested."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from exchange.merkle import (
    EMPTY_ROOT,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_inclusion,
)


def digests(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


def test_no_digests_have_the_empty_root() -> None:
    assert merkle_root([]) == EMPTY_ROOT


def test_one_digest_is_its_own_leaf() -> None:
    assert merkle_root(["a"]) == leaf_hash("a").hex()


def test_two_digests_are_hashed_as_a_node_in_sorted_order() -> None:
    assert merkle_root(["b", "a"]) == node_hash(leaf_hash("a"), leaf_hash("b")).hex()


def test_the_root_ignores_order_and_repeats() -> None:
    items = digests(9)
    assert merkle_root(items) == merkle_root([*reversed(items), items[0]])


def test_a_changed_record_changes_the_root() -> None:
    items = digests(8)
    assert merkle_root(items) != merkle_root([*items[:-1], "changed"])


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100, 501])
def test_every_leaf_has_a_proof_that_verifies_against_the_root(size: int) -> None:
    items = digests(size)
    root = merkle_root(items)
    for item in items:
        proof = inclusion_proof(items, item)
        assert proof is not None
        assert verify_inclusion(item, proof, root)


def test_a_digest_outside_the_tree_has_no_proof() -> None:
    assert inclusion_proof(digests(5), "absent") is None


@pytest.mark.parametrize("size", [2, 5, 16])
def test_a_proof_does_not_verify_another_digest_or_another_root(size: int) -> None:
    items = digests(size)
    proof = inclusion_proof(items, items[1])
    assert proof is not None
    assert not verify_inclusion(items[0], proof, merkle_root(items))
    assert not verify_inclusion(items[1], proof, merkle_root(digests(size + 1)))


def test_a_proof_with_a_tampered_sibling_or_side_fails() -> None:
    items = digests(6)
    root = merkle_root(items)
    proof = inclusion_proof(items, items[2])
    assert proof is not None
    flipped = replace(proof, sides=tuple("L" if s == "R" else "R" for s in proof.sides))
    tampered = replace(proof, siblings=("00" * 32, *proof.siblings[1:]))
    assert not verify_inclusion(items[2], flipped, root)
    assert not verify_inclusion(items[2], tampered, root)
    assert not verify_inclusion(items[2], replace(proof, siblings=("zz",)), root)


def test_an_inner_node_cannot_pass_for_a_leaf() -> None:
    items = digests(4)
    inner = node_hash(leaf_hash(sorted(items)[0]), leaf_hash(sorted(items)[1])).hex()
    assert inclusion_proof(items, inner) is None
