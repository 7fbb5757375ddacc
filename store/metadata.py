"""Every table of the Ministry store, for migrations and schema checks.

The models live in several modules on one declarative Base; importing them all here is what
makes `metadata` complete.
"""

from __future__ import annotations

import store.models_access
import store.models_analytics
import store.models_auth
import store.models_exchange
import store.models_ops
import store.models_sync
from store.models import Base

metadata = Base.metadata

__all__ = ["metadata", "store"]
