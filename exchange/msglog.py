"""The message log: each side's hash-chained record of the envelopes it sent and received.

    log = MessageLog(Path("exchange-log.jsonl"))
    log.append(request_id, sender, receiver, digest, kind="response")
    verify_chain(read_entries(path))        # None, or the first break with its reason

One entry per envelope: the request id (the assertion's jti), sender and receiver (their
`VN:GOV:...` identifiers), the envelope's SHA-256 digest, and the time. Each entry's `hash`
covers its fields and the previous entry's hash, so an entry changed, removed or inserted
after the fact breaks the chain from there on. Both sides log the same digests for the same
exchange, so either can prove what was exchanged by showing its chain and the envelope.

Pure chaining and checking (`chain`, `verify_chain`); the file form is one JSON object a line,
appended under a lock. The store form (store/models_exchange.ExchangeMessage) has the same
columns, for MOHA's side.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class LogEntry:
    seq: int
    request_id: str
    kind: str  # "request" or "response"
    sender: str
    receiver: str
    digest: str
    at: str  # ISO 8601, UTC
    prev: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def entry_hash(
    seq: int, request_id: str, kind: str, sender: str, receiver: str, digest: str, at: str,
    prev: str,
) -> str:  # fmt: skip
    """SHA-256 (hex) over the entry's canonical JSON and the previous hash."""
    fields = [seq, request_id, kind, sender, receiver, digest, at, prev]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain(
    previous: LogEntry | None, request_id: str, kind: str, sender: str, receiver: str,
    digest: str, at: datetime,
) -> LogEntry:  # fmt: skip
    """The entry that follows `previous` (None: the first)."""
    seq = 1 if previous is None else previous.seq + 1
    prev = GENESIS if previous is None else previous.hash
    when = at.astimezone(UTC).isoformat()
    return LogEntry(
        seq, request_id, kind, sender, receiver, digest, when,
        prev, entry_hash(seq, request_id, kind, sender, receiver, digest, when, prev),
    )  # fmt: skip


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(entries: Iterable[Mapping[str, Any] | LogEntry]) -> ChainBreak | None:
    """None when the chain is whole; else the first entry that breaks it, and why."""
    prev, expected_seq = GENESIS, 1
    for item in entries:
        entry = item if isinstance(item, LogEntry) else _entry(item)
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, f"sequence jumps from {expected_seq - 1} to {entry.seq}")
        if entry.prev != prev:
            return ChainBreak(entry.seq, "does not follow the entry before it")
        recomputed = entry_hash(
            entry.seq, entry.request_id, entry.kind, entry.sender, entry.receiver,
            entry.digest, entry.at, entry.prev,
        )  # fmt: skip
        if recomputed != entry.hash:
            return ChainBreak(entry.seq, "was changed after it was written")
        prev, expected_seq = entry.hash, expected_seq + 1
    return None


def find(entries: Iterable[LogEntry], digest: str) -> LogEntry | None:
    """The entry that logged an envelope of this digest: the proof it was exchanged."""
    return next((e for e in entries if e.digest == digest), None)


def _entry(data: Mapping[str, Any]) -> LogEntry:
    return LogEntry(
        int(data["seq"]), str(data["request_id"]), str(data["kind"]), str(data["sender"]),
        str(data["receiver"]), str(data["digest"]), str(data["at"]), str(data["prev"]),
        str(data["hash"]),
    )  # fmt: skip


def read_entries(path: Path) -> Iterator[LogEntry]:
    with path.open(encoding="utf-8") as file:
        for line in file:
            if line.strip():
                yield _entry(json.loads(line))


def verify_file(path: Path) -> ChainBreak | None:
    """What `cbccvc exchange verify-log PATH` runs."""
    try:
        return verify_chain(read_entries(path))
    except (ValueError, KeyError, TypeError) as error:
        return ChainBreak(0, f"unreadable entry: {error}")


class MessageLog:
    """An append-only log; in memory, and in a JSONL file when `path` is given."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.entries: list[LogEntry] = []
        if path is not None and path.exists():
            self.entries = list(read_entries(path))

    @property
    def last(self) -> LogEntry | None:
        return self.entries[-1] if self.entries else None

    def append(
        self, request_id: str, sender: str, receiver: str, digest: str, *, kind: str,
        at: datetime | None = None,
    ) -> LogEntry:  # fmt: skip
        with self._lock:
            entry = chain(
                self.last, request_id, kind, sender, receiver, digest, at or datetime.now(UTC)
            )
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(descriptor, "a", encoding="utf-8") as file:
                    file.write(json.dumps(entry.as_dict(), ensure_ascii=False) + "\n")
            self.entries.append(entry)
            return entry

    def verify(self) -> ChainBreak | None:
        return verify_chain(self.entries)

    def snapshot(self) -> Sequence[LogEntry]:
        with self._lock:
            return tuple(self.entries)
