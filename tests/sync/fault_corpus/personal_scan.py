"""The scan of issue 12 item 8, after a run full of faults: no run error, no reject's rule,
field, location or expected form, and no log line names a corpus person by personal ID (any
12-digit run, in fact) or by name. A reject's `value` is the one place a personal value is
kept, for the policy engine to show or mask; it is not scanned."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import asyncpg
import pytest

from tests.sync.fault_corpus.cases import Case

PERSONAL_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


async def personal_data_leaks(
    dsn: str, cases: Sequence[Case], caplog: pytest.LogCaptureFixture
) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        texts = [r["error"] or "" for r in await conn.fetch("SELECT error FROM sync_run")]
        texts += [
            " ".join(str(r[c] or "") for c in ("field", "rule", "location", "expected"))
            for r in await conn.fetch("SELECT field, rule, location, expected FROM sync_reject")
        ]
        texts += [
            f"{r['field']} {r['rule']} {r['location'] or ''}"
            for r in await conn.fetch("SELECT field, rule, location FROM sync_correction")
        ]
    finally:
        await conn.close()
    assert len(texts) > len(cases) // 4, "the scan saw none of the run's rejects"
    # a clean run logs little (a refused record, a failed run: a warning naming the source);
    # whatever it logged, at any level, is scanned
    assert caplog.handler.level <= logging.DEBUG
    texts += [record.getMessage() for record in caplog.records]
    names = {str(c.person["full_name"]) for c in cases}
    ids = {c.personal_id for c in cases}
    return [t for t in texts if PERSONAL_ID.search(t) or any(v in t for v in names | ids)]
