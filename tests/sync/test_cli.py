"""`cbccvc sync`: one source, then the report (runs, rejects by rule, conflicts)."""

from __future__ import annotations

import argparse

import pytest

from gateway.cli.sync import add_command as add_sync_command
from gateway.settings import Settings
from sandbox.agencies import SandboxAgencies


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_sync_command(parser.add_subparsers(dest="command"))
    return parser.parse_args(["sync", *argv])


def test_sync_one_source_then_report(
    fresh_store_url: str, sync_sandbox: SandboxAgencies, capsys: pytest.CaptureFixture[str]
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
    assert "Last run per source:" in out
    assert "Open rejects by rule:" in out
    assert "mandatory" in out or "code_unknown" in out

    # without sources configured: a clear message, exit code 2
    bare = Settings(database_url=fresh_store_url)
    args = _parse("--full")
    assert args.run(args, bare) == 2
    assert "CBCCVC_SOURCES" in capsys.readouterr().err
