"""Settings from the environment and an optional TOML file (CBCCVC_CONFIG=path); env wins.

The file's keys are the Settings field names (`max_page_size = 100`, `database_url = "..."`);
each becomes the environment variable that field is read from (the table in gateway/settings.py)
unless the environment already sets it, and `Settings.from_env` then validates everything the
same way whichever the source.
So the file can set exactly what the environment can, nothing is validated twice, and a key
the gateway does not know stops it at start-up with the key's name (a typo in a limit must not
leave the default silently in force).

    # /etc/cbccvc/gateway.toml
    production = true
    database_url = "postgresql://cbccvc@db:5432/cbccvc"
    max_cost = 3000
    rate_limit_per_client = 20.0
    [[trusted_issuers]]
    issuer = "https://id.hanoi.gov.vn"
    jwks_url = "https://id.hanoi.gov.vn/jwks.json"
    levels = ["province", "commune", "unit"]
    organizations = ["000.00.00.H24"]
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

from gateway.settings import Settings, SettingsError, variables

CONFIG_VARIABLE = "CBCCVC_CONFIG"

NOT_CONFIGURABLE = frozenset(f.name for f in fields(Settings)) - set(variables())
"""Fields no variable sets: demo mode (set by `cbccvc demo`) and the environment itself."""


def environment_name(field_name: str) -> str:
    return variables()[field_name].name


def configurable_fields() -> dict[str, str]:
    """Every key the file may hold, with the environment variable it stands for."""
    return {name: variable.name for name, variable in variables().items()}


def _as_environment_value(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value)  # e.g. trusted_issuers, which the environment holds as JSON
    raise SettingsError(f"{key} has a value of an unsupported type ({type(value).__name__})")


def file_environment(path: Path) -> dict[str, str]:
    """The file's settings as environment variables; unknown keys are an error naming them."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        raise SettingsError(f"{CONFIG_VARIABLE}: cannot read {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{CONFIG_VARIABLE}: {path} is not valid TOML: {error}") from error
    known = configurable_fields()
    unknown = sorted(set(data) - set(known))
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1)
            hints.append(f"{key} (did you mean {close[0]}?)" if close else key)
        raise SettingsError(f"{path}: unknown settings: {', '.join(hints)}")
    return {known[key]: _as_environment_value(key, value) for key, value in data.items()}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings for this process: the environment over the file named by CBCCVC_CONFIG.

    Raises SettingsError naming the variable, file or key at fault; `cbccvc` prints it and exits.
    """
    env = os.environ if env is None else env
    path = env.get(CONFIG_VARIABLE)
    if not path:
        return Settings.from_env(env)
    merged = {**file_environment(Path(path)), **{k: v for k, v in env.items() if v != ""}}
    return Settings.from_env(merged)
