"""What tests/exchange/conftest.py's fixtures hand to the tests (importable by name)."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.services.truth import Subtree


@dataclass(frozen=True)
class Agencies:
    medium: Subtree  # a few dozen to a couple of hundred people: several pages
    small: Subtree  # a handful of people
