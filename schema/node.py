"""The Relay Node interface (connections and PageInfo are in schema/connection.py)."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with an opaque, globally unique id.")
class Node:
    id: strawberry.ID
