"""The data files of sandbox/data, each read once per process and checked to be NFC."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"


def agencies() -> Mapping[str, Any]:
    """The organisation tree: agencies, departments, provincial structure (agencies.yaml)."""
    return _load("agencies")


def names() -> Mapping[str, Any]:
    """Surnames, middle and given names, ethnic and religion shares (names.yaml)."""
    return _load("names")


def texts() -> Mapping[str, Any]:
    """Free texts: fields of study, job positions, languages, addresses (texts.yaml)."""
    return _load("texts")


@functools.cache
def _load(name: str) -> Mapping[str, Any]:
    path = DATA / f"{name}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    _check_nfc(path, document)
    return document


def _check_nfc(path: Path, value: object) -> None:
    # names are compared and stored as NFC; a decomposed one would never match its code list
    if isinstance(value, str) and unicodedata.normalize("NFC", value) != value:
        raise ValueError(f"{path}: {value!r} is not NFC-normalised")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_nfc(path, key)
            _check_nfc(path, item)
    elif isinstance(value, list):
        for item in value:
            _check_nfc(path, item)
