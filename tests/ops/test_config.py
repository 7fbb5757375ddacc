"""Configuration: environment over an optional TOML file, validated at start-up, all documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gateway.config_file import (
    NOT_CONFIGURABLE,
    configurable_fields,
    environment_name,
    load_settings,
)
from gateway.settings import Settings, SettingsError, variables

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"

TOML = """
production = true
max_depth = 7
max_cost = 3000
request_deadline = 2.5
rate_limit_per_client = 20.0
redis_url = "redis://redis:6379/0"
database_url = "postgresql://cbccvc@db:5432/cbccvc"
pool_size = 5
otel_endpoint = "http://collector:4318"

[[trusted_issuers]]
issuer = "https://id.hanoi.example"
jwks_url = "https://id.hanoi.example/jwks.json"
levels = ["province", "commune"]
organizations = ["000.00.00.H24"]
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    return str(path)


def test_without_a_file_the_environment_alone(tmp_path: Path) -> None:
    env = {"CBCCVC_MAX_DEPTH": "9"}
    assert load_settings(env) == Settings.from_env(env)
    assert load_settings(env).max_depth == 9


def test_the_file_sets_what_the_environment_can(tmp_path: Path) -> None:
    settings = load_settings({"CBCCVC_CONFIG": write(tmp_path, TOML)})
    assert settings.production is True
    assert (settings.max_depth, settings.max_cost) == (7, 3000)
    assert settings.request_deadline == 2.5
    assert settings.rate_limit_per_client == 20.0
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.database_url == "postgresql://cbccvc@db:5432/cbccvc"
    assert settings.pool_size == 5
    assert settings.otel_endpoint == "http://collector:4318"
    assert settings.effective_log_format() == "json"  # production's default
    [issuer] = settings.trusted_issuers
    assert issuer.issuer == "https://id.hanoi.example"
    assert issuer.levels == frozenset({"province", "commune"})


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "CBCCVC_CONFIG": write(tmp_path, TOML),
            "CBCCVC_MAX_DEPTH": "12",
            "CBCCVC_PRODUCTION": "false",
            "CBCCVC_MAX_COST": "",  # empty is unset: the file's value stands
        }
    )
    assert settings.max_depth == 12
    assert settings.production is False
    assert settings.max_cost == 3000


def test_unknown_keys_stop_start_up_naming_them(tmp_path: Path) -> None:
    path = write(tmp_path, "max_dept = 5\nmax_cost = 10\nwhatever = true\n")
    with pytest.raises(SettingsError) as refused:
        load_settings({"CBCCVC_CONFIG": path})
    assert "unknown settings: max_dept (did you mean max_depth?), whatever" in str(refused.value)
    assert path in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_depth = [", "is not valid TOML"),
        ('max_depth = "deep"', "CBCCVC_MAX_DEPTH must be an integer"),
        ("max_depth = 0", "CBCCVC_MAX_DEPTH must be at least 1"),
        ('log_format = "xml"', "CBCCVC_LOG_FORMAT must be json or text"),
        ('redis_url = "http://redis"', "CBCCVC_REDIS_URL must be a redis://"),
        ("request_deadline = -1", "CBCCVC_REQUEST_DEADLINE must be at least 0.1"),
        ("demo = true", "unknown settings: demo"),
        ("max_depth = 2026-01-01", "unsupported type"),
    ],
)
def test_bad_values_stop_start_up_with_a_message(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"CBCCVC_CONFIG": write(tmp_path, text)})
    assert message in str(refused.value)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"CBCCVC_CONFIG": str(tmp_path / "nope.toml")})
    assert "cannot read" in str(refused.value)


class _Asked(dict[str, str]):
    """An empty environment that remembers which variables were looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def test_every_setting_is_read_from_the_environment_name_the_file_maps_it_to() -> None:
    """A field added without its variable, or under another name, fails here."""
    environment = _Asked()
    Settings.from_env(environment)
    for name, variable in configurable_fields().items():
        assert variable in environment.asked, f"Settings.{name} is not read from {variable}"
    assert {f for f in Settings.__dataclass_fields__} >= NOT_CONFIGURABLE


def test_every_setting_is_documented() -> None:
    docs = DOCS.read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", docs, flags=re.MULTILINE))
    for name in configurable_fields():
        variable = environment_name(name)
        assert variable in documented, f"{variable} is missing from docs/configuration.md"
        assert f"`{name}`" in docs, f"the file key {name} is missing from docs/configuration.md"
    assert "CBCCVC_CONFIG" in documented


def _as_documented(default: object) -> str | None:
    if default is None or default == ():
        return None  # documented in words ("unset", "[]", "json in production, else text")
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def test_every_documented_default_is_the_one_in_the_settings_table() -> None:
    """Each default is written once, in gateway/settings.py; the docs show that value."""
    rows = {
        match[1]: match[2]
        for match in re.finditer(
            r"^\| `([A-Z_]+)` \| [^|]* \| ([^|]*) \|", DOCS.read_text(), flags=re.MULTILINE
        )
    }
    for name, variable in variables().items():
        default = _as_documented(Settings.__dataclass_fields__[name].default)
        if default is not None:
            assert f"`{default}`" in rows[variable.name], (variable.name, rows[variable.name])


def test_a_statistics_minimum_count_below_one_is_refused() -> None:
    """Suppression protects small groups: a typo must not turn it off."""
    with pytest.raises(SettingsError, match="CBCCVC_STATISTICS_MIN_COUNT must be at least 1"):
        Settings.from_env({"CBCCVC_STATISTICS_MIN_COUNT": "0"})
    assert Settings.from_env({"CBCCVC_STATISTICS_MIN_COUNT": "10"}).statistics_min_count == 10
