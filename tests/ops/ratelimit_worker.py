"""One "gateway replica" for the cross-process tests: N checks of one key, prints how many passed.

python tests/ops/ratelimit_worker.py redis|postgresql URL KEY N RATE BURST
"""

from __future__ import annotations

import asyncio
import json
import sys


async def main(backend: str, url: str, key: str, count: int, rate: float, burst: float) -> None:
    from gateway.ratelimit import Buckets, PostgresBuckets, RateLimiter, RedisBuckets

    engine = None
    buckets: Buckets
    if backend == "redis":
        buckets = RedisBuckets(url)
    else:
        from store.database import create_engine

        engine = create_engine(url, pool_size=2)
        buckets = PostgresBuckets(engine)
    limiter = RateLimiter(buckets, rate, burst, "client")
    try:
        decisions = [await limiter.check(key) for _ in range(count)]
    finally:
        await buckets.aclose()
        if engine is not None:
            await engine.dispose()
    print(json.dumps({"allowed": sum(d.allowed for d in decisions)}))


if __name__ == "__main__":
    backend, url, key, count, rate, burst = sys.argv[1:7]
    asyncio.run(main(backend, url, key, int(count), float(rate), float(burst)))
