"""`cbccvc sync`: one source, then the report (runs, rejects by rule, conflicts)."""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli.demo_state import DemoState, announced
from gateway.cli.sync import add_command as add_sync_command
from gateway.settings import Settings
from sandbox.agencies import SandboxAgencies

ROOT = Path(__file__).resolve().parents[2]


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_sync_command(parser.add_subparsers(dest="command"))
    return parser.parse_args(["sync", *argv])


def test_sync_one_source_then_report(
    fresh_store_url: str,
    sync_sandbox: SandboxAgencies,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=fresh_store_url, sources_config=sync_sandbox.sources_config_path
    )
    # the legacy source in the Vietnamese format: it carries deliberate defects
    legacy = next(code for code, kind in sync_sandbox.kinds.items() if kind.value == "sql-vi")
    args = _parse("--source", f"VN:GOV:{legacy}:HRM", "--report")
    assert args.run(args, settings) == 0
    out = capsys.readouterr().out
    assert f"VN:GOV:{legacy}:HRM: ok +" in out
    # Vietnamese by default, every rule with its title from the reject catalogue
    assert "Lần đồng bộ gần nhất của mỗi nguồn:" in out
    assert "Bản ghi bị từ chối đang mở, theo quy tắc:" in out
    assert "Thiếu trường bắt buộc" in out or "Mã không có trong danh mục" in out

    args = _parse("--report", "--lang", "en")
    assert args.run(args, settings) == 0
    out = capsys.readouterr().out
    assert "Last run per source:" in out
    assert "Open rejects by rule:" in out
    assert "Mandatory field missing" in out or "Code not in the code list" in out

    # the rejects for the agency, as CSV in its language, without the rejected values
    exported = tmp_path / "rejects.csv"
    args = _parse("--rejects-csv", str(exported), "--source", f"VN:GOV:{legacy}:HRM")
    assert args.run(args, settings) == 0
    rows = list(csv.reader(exported.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:6] == ["nguồn", "khóa bản ghi", "phiên bản", "vị trí (tệp#dòng)", "trường",
                           "quy tắc"]  # fmt: skip
    assert len(rows) > 1
    assert all(row[0] == f"VN:GOV:{legacy}:HRM" and row[6] and row[8] for row in rows[1:])

    # without sources configured: a clear message, exit code 2
    bare = Settings(database_url=fresh_store_url)
    args = _parse("--full")
    assert args.run(args, bare) == 2
    assert "CBCCVC_SOURCES" in capsys.readouterr().err


def _cbccvc_in(directory: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`cbccvc ...` run in `directory` with no DATABASE_URL and no CBCCVC_* but `env`."""
    inherited = {
        k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("CBCCVC_")
    }
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *argv],
        cwd=directory,
        env={**inherited, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _demo(store_url: str, sandbox: SandboxAgencies, pid: int) -> DemoState:
    return DemoState(
        store_url=store_url,
        sources_config=sandbox.sources_config_path,
        graphiql_url="http://127.0.0.1:8000/graphql",
        pid=pid,
    )


def test_sync_beside_a_running_demo_finds_its_store_and_sources(
    fresh_store_url: str, sync_sandbox: SandboxAgencies, tmp_path: Path
) -> None:
    # a demo running in tmp_path announces itself as `cbccvc demo` does (this test's pid lives)
    legacy = next(code for code, kind in sync_sandbox.kinds.items() if kind.value == "sql-vi")
    with announced(tmp_path / ".cbccvc", _demo(fresh_store_url, sync_sandbox, os.getpid())):
        synced = _cbccvc_in(tmp_path, "sync", "--source", f"VN:GOV:{legacy}:HRM", "--report")
    assert synced.returncode == 0, synced.stderr
    assert "using the store and sources of the demo running here" in synced.stderr
    assert "http://127.0.0.1:8000/graphql" in synced.stderr
    assert f"VN:GOV:{legacy}:HRM: ok +" in synced.stdout
    assert f"VN:GOV:{legacy}:HRM " in synced.stdout.split("Lần đồng bộ gần nhất của mỗi nguồn:")[1]
    assert not (tmp_path / ".cbccvc" / "demo.json").exists(), "the file goes with the demo"


def test_a_demo_that_was_killed_is_not_used(
    fresh_store_url: str, sync_sandbox: SandboxAgencies, tmp_path: Path
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    # killed -9, the demo left its file behind, naming a pid that no longer runs
    with announced(tmp_path / ".cbccvc", _demo(fresh_store_url, sync_sandbox, gone.pid)):
        result = _cbccvc_in(tmp_path, "sync", "--full", DATABASE_URL=fresh_store_url)
    assert result.returncode == 2, result.stderr
    assert "CBCCVC_SOURCES" in result.stderr
    assert "demo" not in result.stderr
