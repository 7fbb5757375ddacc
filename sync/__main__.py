"""`python -m sync STORE_URL SOURCES_YAML [--batch-size N] [--concurrency N]`: one sync.

What `cbccvc sync` does without the progress bar or the settings: the crash-safety test runs
it in a subprocess and kills it.
"""

from __future__ import annotations

import argparse
import asyncio

from adapters.registry import SourceRegistry
from store.database import sync_free_dsn
from sync.pipeline import sync_all


async def main(store_url: str, sources: str, batch_size: int, concurrency: int = 1) -> int:
    registry = SourceRegistry.from_yaml(sources)
    try:
        results = await sync_all(
            sync_free_dsn(store_url), registry, batch_size=batch_size, concurrency=concurrency
        )
    finally:
        await registry.aclose()
    return 1 if any(r.status == "failed" for r in results) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m sync")
    parser.add_argument("store_url")
    parser.add_argument("sources")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=1, help="sources synced at a time")
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(main(args.store_url, args.sources, args.batch_size, args.concurrency))
    )
