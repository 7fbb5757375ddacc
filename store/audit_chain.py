"""The audit log's hash chain, without I/O: how a row is hashed, and how a chain is checked."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson

GENESIS = "0" * 64
"""The `prev_hash` of the first row."""


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    request_id: str
    client_id: str | None
    subject: str | None
    level: str
    organization: str | None
    purposes: Sequence[str]
    person_ids: Sequence[int]
    fields: Sequence[str]
    prev_hash: str
    hash: str = ""


def content_digest(row: AuditRow) -> str:
    """sha256 over a canonical serialisation of what the row says (not where it sits)."""
    content = [
        row.at.isoformat(timespec="microseconds"),
        row.request_id,
        row.client_id,
        row.subject,
        row.level,
        row.organization,
        list(row.purposes),
        list(row.person_ids),
        list(row.fields),
    ]
    return hashlib.sha256(orjson.dumps(content)).hexdigest()


def chain_hash(prev_hash: str, row_id: int, digest: str) -> str:
    """The link: the previous hash, this row's id and its content digest.

    The database computes the same in `audit_append()` (store/models_access.py), so a row is
    chained in one statement; this is the definition `verify` checks against.
    """
    return hashlib.sha256(f"{prev_hash}:{row_id}:{digest}".encode()).hexdigest()


def row_hash(row: AuditRow) -> str:
    return chain_hash(row.prev_hash, row.id, content_digest(row))


@dataclass(frozen=True)
class ChainProblem:
    row_id: int
    problem: str


class ChainVerifier:
    """Checks a chain one row at a time (in id order), so a long log needs no memory."""

    def __init__(self) -> None:
        self.previous = GENESIS
        self.checked = 0
        self.problems: list[ChainProblem] = []

    def feed(self, row: AuditRow) -> None:
        if row.prev_hash != self.previous:
            self.problems.append(
                ChainProblem(
                    row.id,
                    "does not follow the row before it: a row was removed, inserted or reordered",
                )
            )
        if row_hash(row) != row.hash:
            self.problems.append(
                ChainProblem(row.id, "its content does not match its hash: altered")
            )
        self.previous = row.hash
        self.checked += 1


def verify_chain(rows: Iterable[AuditRow]) -> list[ChainProblem]:
    """Every break in a chain given in id order: altered, removed or reordered rows."""
    verifier = ChainVerifier()
    for row in rows:
        verifier.feed(row)
    return verifier.problems
