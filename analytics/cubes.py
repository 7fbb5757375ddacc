"""Which summary table ("cube", store/cubes.py) answers a query."""

from __future__ import annotations

from store.cubes import CUBES, Cube


def choose(needed: set[str]) -> Cube:
    """The smallest cube that holds every dimension in `needed` (CUBES is smallest first)."""
    for cube in CUBES:
        if needed <= set(cube.dimensions):
            return cube
    raise ValueError(f"no cube holds {sorted(needed)}")
