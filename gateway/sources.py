"""What the gateway hands the sources it builds (adapters/wiring.py), from its Settings."""

from __future__ import annotations

from adapters.wiring import SourceWiring
from gateway.settings import Settings
from keymaterial.sealing import decode_kek


def source_wiring(settings: Settings) -> SourceWiring:
    """The `${NAME}`s of the sources file from the environment Settings read; the key that
    unseals MOHA's exchange key file, the one that seals the token-signing keys."""
    kek = settings.key_encryption_key
    return SourceWiring(settings.source_variables, decode_kek(kek) if kek else None)
