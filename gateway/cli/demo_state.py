"""Where a running `cbccvc demo` can be found: <data dir>/demo.json.

While it serves, the demo writes its store's URL, its sources file, its GraphiQL address and its
pid there, and removes the file when it stops. Any other `cbccvc` command run with the same data
directory (the default `.cbccvc` of the same working directory) and without DATABASE_URL or
CBCCVC_SOURCES then works on the demo's store and sources, so that `cbccvc sync --report` beside
a running demo needs nothing looked up by hand. A file left behind by a demo that was killed
names a pid that is gone, and is ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from gateway.settings import Settings

STATE_FILE = "demo.json"


@dataclass(frozen=True)
class DemoState:
    store_url: str
    sources_config: Path
    graphiql_url: str
    pid: int


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


@contextmanager
def announced(data_dir: Path, state: DemoState) -> Iterator[Path]:
    """The state file exists for the duration of the block."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = state_path(data_dir)
    partial = path.with_suffix(".json.partial")
    # 0600: the store's URL may carry a password
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(
            {
                "store_url": state.store_url,
                "sources_config": str(state.sources_config.resolve()),
                "graphiql_url": state.graphiql_url,
                "pid": state.pid,
            },
            out,
        )
    partial.replace(path)  # a reader sees the whole file or none
    try:
        yield path
    finally:
        # a second demo started in the same directory may have replaced it: leave its file
        found = _read(path)
        if found is None or found.pid == state.pid:
            with suppress(FileNotFoundError):
                path.unlink()


def running_demo(data_dir: Path) -> DemoState | None:
    """The demo serving from `data_dir`, if one is running."""
    state = _read(state_path(data_dir))
    return state if state is not None and _alive(state.pid) else None


def beside_running_demo(settings: Settings) -> tuple[Settings, DemoState | None]:
    """`settings` with the running demo's store and sources where they name none, and the demo
    (None when there is none, or when the settings name another store)."""
    demo = running_demo(settings.data_dir)
    if demo is None or settings.database_url not in (None, demo.store_url):
        return settings, None
    found = replace(
        settings,
        database_url=demo.store_url,
        sources_config=settings.sources_config or demo.sources_config,
    )
    return (settings, None) if found == settings else (found, demo)


def _read(path: Path) -> DemoState | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DemoState(
            store_url=str(data["store_url"]),
            sources_config=Path(data["sources_config"]),
            graphiql_url=str(data["graphiql_url"]),
            pid=int(data["pid"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, or not written by a demo: no demo to find


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True
