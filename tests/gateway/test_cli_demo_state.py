"""Which settings a command gets beside a running `cbccvc demo` (gateway/cli/demo_state.py)."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.cli.demo_state import DemoState, announced, beside_running_demo, running_demo
from gateway.settings import Settings

STORE = "postgresql://postgres@127.0.0.1:5432/cbccvc_demo"


def _demo(tmp_path: Path, pid: int | None = None) -> DemoState:
    return DemoState(
        store_url=STORE,
        sources_config=tmp_path / "sandbox" / "sources.yaml",
        graphiql_url="http://127.0.0.1:8000/graphql",
        pid=os.getpid() if pid is None else pid,
    )


def test_a_command_with_nothing_set_gets_the_demos_store_and_sources(tmp_path: Path) -> None:
    with announced(tmp_path, _demo(tmp_path)):
        settings, demo = beside_running_demo(Settings(data_dir=tmp_path))
    assert demo is not None
    assert settings.database_url == STORE
    assert settings.sources_config == tmp_path / "sandbox" / "sources.yaml"


def test_sources_set_by_hand_are_kept(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    with announced(tmp_path, _demo(tmp_path)):
        settings, demo = beside_running_demo(Settings(data_dir=tmp_path, sources_config=mine))
    assert demo is not None
    assert (settings.database_url, settings.sources_config) == (STORE, mine)


def test_a_command_on_another_store_ignores_the_demo(tmp_path: Path) -> None:
    other = Settings(data_dir=tmp_path, database_url="postgresql://db.example/cbccvc")
    with announced(tmp_path, _demo(tmp_path)):
        settings, demo = beside_running_demo(other)
    assert (settings, demo) == (other, None)


def test_the_file_is_private_and_goes_when_the_demo_stops(tmp_path: Path) -> None:
    with announced(tmp_path, _demo(tmp_path)) as path:
        assert path.stat().st_mode & 0o077 == 0, "the store URL may carry a password"
        assert running_demo(tmp_path) is not None
    assert not path.exists()
    assert running_demo(tmp_path) is None


def test_a_file_left_by_a_dead_demo_or_not_by_a_demo_is_ignored(tmp_path: Path) -> None:
    with announced(tmp_path, _demo(tmp_path, pid=2**22 + 1)):  # above Linux's largest pid
        assert running_demo(tmp_path) is None
    (tmp_path / "demo.json").write_text("not json", encoding="utf-8")
    assert running_demo(tmp_path) is None
    assert beside_running_demo(Settings(data_dir=tmp_path))[1] is None
