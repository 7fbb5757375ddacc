"""The sync's public names, where callers have always found them.

The sync is split by concept (docs/sync.md):

    sync/assess.py     a source record -> normalised row or its problems (pure)
    sync/decisions.py  insert, update, same, reject, conflict, transfer, delete (pure)
    sync/held.py       what the store holds for a page, read and locked
    sync/writes.py     the page's writes
    sync/page.py       one page, a refused record isolated into its reject
    sync/refusals.py   a database refusal as a reject; run errors without personal data
    sync/run.py        the run loop: bookmarks, pages, progress, runs
"""

from __future__ import annotations

from sync.decisions import DEPARTED_STATUS
from sync.page import OUTCOMES, Counts
from sync.run import (
    BATCH_SIZE,
    Progress,
    RunResult,
    change_feed_sources,
    load_standard,
    sync_all,
    sync_source,
)

__all__ = [
    "BATCH_SIZE",
    "DEPARTED_STATUS",
    "OUTCOMES",
    "Counts",
    "Progress",
    "RunResult",
    "change_feed_sources",
    "load_standard",
    "sync_all",
    "sync_source",
]
