"""Declarative mappings from legacy tables and file columns to the standard's fields.

The YAML files here are data (one per legacy schema); spec.py reads and checks them, values.py
applies one to a row. Both are pure; the sql and file adapters do the I/O.
"""

from adapters.mappings.spec import (
    CodeMap,
    DetailRule,
    FieldRule,
    MappingError,
    MappingSpec,
    PersonRule,
    RecordRule,
    load_mapping,
)
from adapters.mappings.values import Mapped, map_row

__all__ = [
    "CodeMap",
    "DetailRule",
    "FieldRule",
    "Mapped",
    "MappingError",
    "MappingSpec",
    "PersonRule",
    "RecordRule",
    "load_mapping",
    "map_row",
]
