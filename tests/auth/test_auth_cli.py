"""`cbccvc clients`, `cbccvc token` and `cbccvc keys`, end to end against the store and the app.

The commands run through their argument parser, in a worker thread (each one runs its own
event loop, as it does from a shell), against the same store the app in the test serves.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
from pathlib import Path

import httpx
import pytest
from auth_helpers import ClientKey, assertion_form, basic, token_form, whoami

from gateway.cli import clients, keys, token
from gateway.settings import Settings


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cbccvc")
    commands = top.add_subparsers(dest="command", required=True)
    for command in (clients, token, keys):
        command.add_command(commands)
    return top


async def cbccvc(
    settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    """Run one command; (exit status, stdout, stderr)."""
    capsys.readouterr()
    args = parser().parse_args(argv)
    status = await asyncio.to_thread(args.run, args, settings)
    out, err = capsys.readouterr()
    return status, out, err


def field(output: str, name: str) -> str:
    for line in output.splitlines():
        if line.startswith(f"{name}: "):
            return line.split(": ", 1)[1]
    raise AssertionError(f"no {name} in {output!r}")


async def test_clients_add_prints_an_id_and_a_secret_that_get_a_token(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str], http: httpx.AsyncClient
) -> None:
    status, out, err = await cbccvc(
        auth_settings, capsys, "clients", "add", "--name", "Cổng tỉnh", "--level", "province",
        "--org", "000.00.00.H24", "--purpose", "statistics",
    )  # fmt: skip
    assert status == 0, err
    assert "shown this once" in err
    client_id, secret = field(out, "client_id"), field(out, "client_secret")
    response = await http.post("/oauth/token", data=token_form(), headers=basic(client_id, secret))
    assert response.status_code == 200, response.text
    me = (await whoami(http, response.json()["access_token"])).json()
    assert (me["level"], me["purposes"]) == ("province", ["statistics"])


async def test_clients_add_with_private_key_jwt_registers_the_jwks_file(
    auth_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    http: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    key = ClientKey()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(key.jwks), encoding="utf-8")
    status, out, err = await cbccvc(
        auth_settings, capsys, "clients", "add", "--name", "BHXH", "--level", "partner",
        "--org", "000.00.00.G12", "--auth", "private_key_jwt", "--jwks", str(jwks),
    )  # fmt: skip
    assert status == 0, err
    assert "client_secret" not in out
    client_id = field(out, "client_id")
    response = await http.post("/oauth/token", data=assertion_form(key.assertion(client_id)))
    assert response.status_code == 200, response.text


async def test_clients_add_refuses_a_jwks_with_a_private_key(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key = ClientKey()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [key.key.as_dict(private=True)]}), encoding="utf-8")
    status, _, err = await cbccvc(
        auth_settings, capsys, "clients", "add", "--name", "x", "--level", "partner",
        "--org", "000.00.00.G12", "--auth", "private_key_jwt", "--jwks", str(jwks),
    )  # fmt: skip
    assert status == 1
    assert "private key" in err


async def test_clients_add_refuses_an_organisation_the_store_does_not_have(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = await cbccvc(
        auth_settings, capsys, "clients", "add", "--name", "x", "--level", "ministry",
        "--org", "999.99.99.Z99",
    )  # fmt: skip
    assert status == 1
    assert "the organisation 999.99.99.Z99 is not in the national tree" in err


@pytest.mark.parametrize(
    ("level", "org", "reason"),
    [
        ("unit", "000.00.00.A00", "a unit-level token must name a unit organisation"),
        ("central", "000.00.00.H24", "a central-level token names MOHA"),
        ("province", "000.00.00.G12", "must name a province organisation"),
        ("province", "000.00.00.H29", "was merged into 000.00.00.H44"),
    ],
)
async def test_clients_add_refuses_a_level_that_does_not_fit_its_organisation(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str], level: str, org: str, reason: str
) -> None:
    status, out, err = await cbccvc(
        auth_settings, capsys, "clients", "add", "--name", "x", "--level", level, "--org", org
    )
    assert status == 1
    assert "client_id" not in out
    assert reason in err


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--level", "unit", "--org", "000.00.00.A00"], "must name a unit organisation"),
        (["--level", "province", "--org", "000.00.00.H99"], "is not in the national tree"),
        (
            ["--level", "self", "--subject", "001085012345", "--org", "000.00.00.H24"],
            "never an organisation",
        ),
        (["--level", "self", "--subject", "nguyen"], "12-digit personal ID"),
    ],
)
async def test_token_refuses_what_the_gateway_would_refuse(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str], arguments: list[str], reason: str
) -> None:
    status, out, err = await cbccvc(auth_settings, capsys, "token", *arguments)
    assert status == 1
    assert out == ""
    assert reason in err


async def test_clients_list_shows_each_client_and_whether_it_is_revoked(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = await cbccvc(
        auth_settings, capsys, "clients", "add", "--name", "Listed", "--level", "unit",
        "--org", "000.00.01.H24",
    )  # fmt: skip
    client_id = field(out, "client_id")
    await cbccvc(auth_settings, capsys, "clients", "revoke", client_id)
    status, out, _ = await cbccvc(auth_settings, capsys, "clients", "list")
    assert status == 0
    row = next(line.split("\t") for line in out.splitlines() if line.startswith(client_id))
    assert row[1:6] == ["Listed", "client_secret_basic", "unit", "000.00.01.H24", "-"]
    assert row[7] != "-"  # revoked at


async def test_clients_revoke_stops_new_tokens_and_says_old_ones_expire(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str], http: httpx.AsyncClient
) -> None:
    _, out, _ = await cbccvc(
        auth_settings, capsys, "clients", "add", "--name", "Soon gone", "--level", "ministry",
        "--org", "000.00.00.G09",
    )  # fmt: skip
    client_id, secret = field(out, "client_id"), field(out, "client_secret")
    status, out, err = await cbccvc(auth_settings, capsys, "clients", "revoke", client_id)
    assert status == 0
    assert "valid until they expire" in err
    response = await http.post("/oauth/token", data=token_form(), headers=basic(client_id, secret))
    assert response.status_code == 401


async def test_token_prints_a_token_the_gateway_accepts(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str], http: httpx.AsyncClient
) -> None:
    status, out, err = await cbccvc(
        auth_settings, capsys, "token", "--level", "central", "--org", "000.00.00.G09",
        "--purpose", "statistics", "--ttl", "120",
    )  # fmt: skip
    assert status == 0, err
    token = out.strip()
    me = await whoami(http, token)
    assert me.status_code == 200, me.text
    assert (me.json()["level"], me.json()["organization"]) == ("central", "000.00.00.G09")
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["exp"] - payload["iat"] == 120


async def test_token_for_the_self_level_needs_a_subject(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = await cbccvc(auth_settings, capsys, "token", "--level", "self")
    assert status == 1
    assert out == ""
    assert "--subject" in err


async def test_keys_list_shows_a_key_that_signs(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = await cbccvc(auth_settings, capsys, "keys", "list")
    assert status == 0
    states = [line.split("\t")[2] for line in out.splitlines()[1:]]
    assert "active" in states


async def test_keys_rotate_refuses_an_overlap_shorter_than_tokens_live(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = await cbccvc(auth_settings, capsys, "keys", "rotate", "--overlap", "60")
    assert status == 1
    assert "at least the token lifetime" in err


async def test_keys_kek_prints_a_fresh_32_byte_key(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = await cbccvc(auth_settings, capsys, "keys", "kek")
    assert status == 0
    assert len(base64.urlsafe_b64decode(out.strip() + "=")) == 32


async def test_keys_rotate_shows_the_new_active_key_and_the_retiring_ones(
    auth_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = await cbccvc(auth_settings, capsys, "keys", "rotate", "--alg", "Ed25519")
    assert status == 0, err
    rows = [line.split("\t") for line in out.splitlines()[1:]]
    assert rows[0][1:3] == ["Ed25519", "active"]
    assert rows[1:]
    assert all(row[2] == "retired" and row[5] != "-" for row in rows[1:])  # expiry set
