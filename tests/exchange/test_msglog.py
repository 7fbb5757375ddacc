"""The hash-chained message log: whole chains verify; any change, gap or insertion is found."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from exchange.msglog import MessageLog, entry_hash, find, read_entries, verify_chain, verify_file

AT = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
MOHA, AGENCY = "VN:GOV:000.00.00.G09:GATEWAY", "VN:GOV:000.00.00.G18:HRM"


def filled(path: Path | None = None, n: int = 4) -> MessageLog:
    log = MessageLog(path)
    for i in range(n):
        log.append(f"jti-{i}", MOHA, AGENCY, f"req-digest-{i}", kind="request", at=AT)
        log.append(f"jti-{i}", AGENCY, MOHA, f"resp-digest-{i}", kind="response", at=AT)
    return log


def test_a_whole_chain_verifies() -> None:
    assert filled().verify() is None


def test_a_changed_digest_is_found_at_its_entry() -> None:
    entries = list(filled().entries)
    entries[3] = replace(entries[3], digest="forged")
    broken = verify_chain(entries)
    assert broken is not None
    assert broken.seq == 4
    assert "changed" in broken.reason


def test_a_removed_entry_is_found() -> None:
    entries = list(filled().entries)
    del entries[2]
    broken = verify_chain(entries)
    assert broken is not None
    assert broken.seq == 4


def test_a_rehashed_entry_still_breaks_the_link_to_the_next() -> None:
    log = filled()
    entries = list(log.entries)
    forged = replace(entries[1], digest="forged")
    forged = replace(forged, hash=entry_hash(
        forged.seq, forged.request_id, forged.kind, forged.sender, forged.receiver,
        forged.digest, forged.at, forged.prev,
    ))  # fmt: skip
    entries[1] = forged
    broken = verify_chain(entries)
    assert broken is not None
    assert broken.seq == 3


def test_the_file_log_survives_a_restart_and_keeps_chaining(tmp_path: Path) -> None:
    path = tmp_path / "exchange.jsonl"
    filled(path, 2)
    again = MessageLog(path)
    again.append("jti-9", MOHA, AGENCY, "late", kind="request", at=AT)
    assert verify_file(path) is None
    assert len(list(read_entries(path))) == 5
    assert find(read_entries(path), "late") is not None


def test_an_edited_file_fails_verification(tmp_path: Path) -> None:
    path = tmp_path / "exchange.jsonl"
    filled(path, 2)
    lines = path.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["receiver"] = "VN:GOV:000.00.00.G12:HRM"
    lines[1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    broken = verify_file(path)
    assert broken is not None
    assert broken.seq == 2
