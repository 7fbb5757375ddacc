"""What resolvers need of the gateway's configuration, handed in by the wiring.

gateway/app.py builds `ResolverOptions` from its Settings once, so resolvers read no
environment and import nothing of the gateway (docs/architecture.md, the floors).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResolverOptions:
    default_page_size: int
    """What a connection returns when neither `first` nor `last` is given."""
    max_page_size: int
    """The largest `first`/`last` a connection accepts."""
    minimum_public_count: int
    """Statistics cells below this count are suppressed for callers who see aggregates only."""
