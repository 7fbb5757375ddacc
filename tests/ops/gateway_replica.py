"""One gateway replica in a process of its own, for the tests that need two of them.

    python tests/ops/gateway_replica.py PORT STORE_URL REDIS_URL

Rate limits per address are on (4 requests at once, then one every 5 s), kept in Redis.
"""

from __future__ import annotations

import sys

import uvicorn

from gateway.app import create_app
from gateway.settings import Settings

if __name__ == "__main__":
    port, store_url, redis_url = sys.argv[1:4]
    settings = Settings(redis_url=redis_url, rate_limit_per_address=0.2, rate_limit_address_burst=4)
    app = create_app(settings, store_url)
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning")
