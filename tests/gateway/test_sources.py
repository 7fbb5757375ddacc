"""What the gateway hands its sources comes from the environment Settings read, nowhere else."""

from __future__ import annotations

import base64

from adapters.registry import SourceRegistry
from adapters.sql import SqlSource
from gateway.config_file import load_settings
from gateway.settings import Settings
from gateway.sources import source_wiring

ENTRY = {
    "id": "VN:GOV:000.00.00.G18:HRM",
    "kind": "sql",
    "owner": "000.00.00.G18",
    "dsn": "${G18_DSN}",
    "mapping": "legacy_vi",
    "schema": "agency_g18",
}


def test_a_sources_file_names_secrets_from_the_environment_settings_read() -> None:
    settings = load_settings({"G18_DSN": "postgresql://reader:s3cret@legacy/hrm"})
    sources = SourceRegistry.from_config({"sources": [ENTRY]}, source_wiring(settings))
    inner = sources[ENTRY["id"]].inner
    assert isinstance(inner, SqlSource)
    assert inner._dsn == "postgresql://reader:s3cret@legacy/hrm"


def test_the_key_encryption_key_reaches_the_sources_decoded() -> None:
    key = bytes(range(32))
    text = base64.urlsafe_b64encode(key).decode().rstrip("=")
    assert (
        source_wiring(Settings.from_env({"CBCCVC_KEY_ENCRYPTION_KEY": text})).key_encryption_key
        == key
    )
    assert source_wiring(Settings()).key_encryption_key is None


def test_neither_shows_in_a_repr() -> None:
    settings = Settings.from_env({"G18_DSN": "postgresql://reader:s3cret@legacy/hrm"})
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in repr(source_wiring(settings))
