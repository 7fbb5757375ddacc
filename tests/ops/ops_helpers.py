"""Helpers of the operations tests (a module of its own, importable from the tests beside it)."""

from __future__ import annotations

import os

REDIS_URL = os.environ.get("CBCCVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_problem(url: str = REDIS_URL) -> str | None:
    """Why Redis cannot be used, or None if it answers."""
    from redis import Redis

    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except Exception as error:
        return f"no Redis at {url} ({error}); start one or set CBCCVC_TEST_REDIS_URL"
    finally:
        client.close()
    return None
