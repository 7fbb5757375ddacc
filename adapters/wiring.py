"""What the wiring hands the sources it builds, so that no adapter reads the environment.

The gateway (gateway/sources.py) builds a SourceWiring from its Settings; the registry
(adapters/registry.py) expands the sources file's `${NAME}`s from `variables` and passes the
wiring to every kind's factory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceWiring:
    variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    """What `${NAME}` in the sources file stands for (the process environment, as Settings
    read it); a name missing here is an error naming it."""
    key_encryption_key: bytes | None = field(default=None, repr=False)
    """Unseals key files sealed with CBCCVC_KEY_ENCRYPTION_KEY (MOHA's exchange keys)."""


NO_WIRING = SourceWiring()
"""Nothing handed in: no `${NAME}` can be expanded and no sealed key file opened."""
