"""Constants the live tests share (a module of its own: `conftest` names clash across folders)."""

from __future__ import annotations

from policies.types import Caller, Level

DEADLINE_S = 1.0
"""The per-call deadline of every source in these tests (the default is 2 s)."""

CENTRAL = Caller(Level.CENTRAL, organization="000.00.00.G09", client_id="live-tests")
