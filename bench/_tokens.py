"""Access tokens for the benchmarks' callers, from the gateway app's own authorization server."""

from __future__ import annotations

from typing import Any

from gateway.auth.claims import Grant
from policies.types import Level


def issue_token(
    app: Any, level: Level, organization: str, *, lifetime: int | None = None
) -> str | None:
    """A real access token for a caller at `level` (None if the app has no token server)."""
    auth = getattr(getattr(app.state, "resources", None), "auth", None)
    if auth is None:
        return None
    grant = Grant(level=level, organization=organization, subject="bench", client_id="bench-portal")
    return str(auth.issue(grant, lifetime=lifetime)[0])
