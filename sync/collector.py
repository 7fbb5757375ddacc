"""Python's garbage collector, set for a process that syncs in bulk.

    bulk_collector()      # once, before the sync starts (`cbccvc sync`, each sync worker)

A page of 1,000 records builds millions of short-lived dicts, tuples and lists, almost none of
them in a reference cycle. With the collector's default thresholds (a young collection every
700 new containers, the oldest generation's every hundredth of those) a sync process ran
3,350 collections in a full sync of 20,000 people, 2.7 of its 23.3 s of CPU: each old-generation
pass walks every live object, the text caches and code lists included. Frozen at the start,
what was loaded then is never walked again; a young collection every 50,000 containers keeps
what cycles there are collected (memory stays bounded: docs/benchmarks.md has the peak RSS).
Measured with the same benchmark (bench/sync_bench.py --quick): 22 collections, 0.55 s.

Not for the gateway's own process (`cbccvc serve`), whose requests are short and whose latency
a rare long collection would show.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def bulk_collector() -> None:
    gc.freeze()  # everything loaded so far (modules, vocabularies) stays out of every collection
    gc.set_threshold(YOUNG_THRESHOLD, 20, 100)
