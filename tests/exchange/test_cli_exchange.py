"""`cbccvc agency-keys` and `cbccvc exchange verify-log`, as an operator runs them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from exchange.msglog import MessageLog
from gateway.cli.agency_keys import add_command as add_agency_keys_command
from gateway.cli.exchange import add_command as add_exchange_command
from gateway.settings import Settings


def run(*argv: str) -> int:
    top = argparse.ArgumentParser(prog="cbccvc")
    commands = top.add_subparsers(dest="command", required=True)
    add_agency_keys_command(commands)
    add_exchange_command(commands)
    args = top.parse_args(argv)
    return int(args.run(args, Settings()))


def jwks_kids(path: Path, use: str = "sig") -> set[str]:
    return {k["kid"] for k in json.loads(path.read_text())["keys"] if k.get("use", "sig") == use}


def test_generate_rotate_revoke_publish_the_right_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(tmp_path)
    jwks = tmp_path / "agencies" / "000.00.00.G18.jwks.json"
    assert run("agency-keys", "--dir", folder, "generate", "000.00.00.G18") == 0
    first = capsys.readouterr().out.split("\t")[1]
    assert run("agency-keys", "--dir", folder, "rotate", "000.00.00.G18") == 0
    second = capsys.readouterr().out.split("\t")[1]
    assert jwks_kids(jwks) == {first, second}  # the overlap
    assert run("agency-keys", "--dir", folder, "revoke", "000.00.00.G18", "--", first) == 0
    assert jwks_kids(jwks) == {second}
    assert json.loads(jwks.read_text())["revoked"] == [first]
    # an agency also gets an encryption key: persons' declarations are encrypted to it
    assert len(jwks_kids(jwks, "enc")) == 1
    assert (tmp_path / "agencies" / "000.00.00.G18.keys.json").stat().st_mode & 0o077 == 0


def test_generate_refuses_to_overwrite_keys(tmp_path: Path) -> None:
    assert run("agency-keys", "--dir", str(tmp_path), "generate", "moha") == 0
    assert run("agency-keys", "--dir", str(tmp_path), "generate", "moha") == 1


def test_verify_log_finds_an_edited_entry(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    log = MessageLog(path)
    log.append("j1", "a", "b", "d1", kind="request")
    log.append("j1", "b", "a", "d2", kind="response")
    assert run("exchange", "verify-log", str(path)) == 0
    path.write_text(path.read_text().replace('"d1"', '"dX"'))
    assert run("exchange", "verify-log", str(path)) == 1
