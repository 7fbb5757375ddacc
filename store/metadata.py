"""The Ministry store as the models declare it: every table, and the functions and triggers.

The models live in several modules on one declarative Base; importing them all here is what
makes `metadata` complete. The migrations are history and import none of this; a test checks
that a store upgraded to head is exactly `metadata` plus `FUNCTIONS_AND_TRIGGERS`.
"""

from __future__ import annotations

import store.models_access
import store.models_analytics
import store.models_auth
import store.models_declaration
import store.models_dossier
import store.models_exchange
import store.models_ops
import store.models_scorecard
import store.models_sync
from store.cubes import trigger_statements
from store.models import ORGANIZATION_PATH_TRIGGER, Base

metadata = Base.metadata

FUNCTIONS_AND_TRIGGERS: tuple[str, ...] = (
    *ORGANIZATION_PATH_TRIGGER,
    *store.models_access.AUDIT_APPEND_ONLY,
    *trigger_statements(),
)
"""What the tables' metadata cannot hold, in an order that creates it (after the tables)."""

__all__ = ["FUNCTIONS_AND_TRIGGERS", "metadata", "store"]
