"""`cbccvc demo` end to end: embedded PostgreSQL, seed on first start, serve, Ctrl-C, restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CBCCVC_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--port", str(port), "--people", "400"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_graphiql_line(process: subprocess.Popen[str], lines: list[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("GraphiQL: "):
            return line.split(" ", 1)[1].strip()
    raise AssertionError("the demo never printed its GraphiQL address:\n" + "".join(lines))


def wait_until_serving(url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.post(
                url,
                json={"query": "{ persons(first: 1) { totalCount } }"},
                timeout=5,
            )
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop_with_ctrl_c(process: subprocess.Popen[str], lines: list[str]) -> int:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    lines.append(output)
    return process.returncode


def test_demo_seeds_once_serves_graphiql_stops_on_ctrl_c_and_reuses_its_data(
    pg_tmp: Path,
) -> None:
    data_dir = pg_tmp / "demo"
    counts = []
    for start in ("first", "second"):
        port = free_port()
        lines: list[str] = []
        process = start_demo(data_dir, port)
        try:
            address = wait_for_graphiql_line(process, lines)
            assert address == f"http://127.0.0.1:{port}/graphql"
            response = wait_until_serving(address)
            counts.append(response.json()["data"]["persons"]["totalCount"])
            page = httpx.get(address, headers={"Accept": "text/html"}, timeout=5)
            assert "GraphiQL" in page.text
            synced = next(line for line in lines if "synced" in line)
            # the store is filled by syncing the sandbox agencies; a restart resumes from the
            # bookmarks and finds nothing new
            assert ("synced 0 records" in synced) is (start == "second"), synced
            assert stop_with_ctrl_c(process, lines) == 0, "".join(lines)
            assert "Traceback" not in "".join(lines)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert counts[0] == counts[1] > 350, "most of the 400 people pass validation; rejects stay out"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    postmaster = data_dir / "pgdata" / "postmaster.pid"
    assert not postmaster.exists(), "Ctrl-C must stop the embedded PostgreSQL too"


def test_seed_into_a_store_that_has_people_refuses_with_a_message(pg_tmp: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CBCCVC_DATA_DIR"] = str(pg_tmp / "store")
    command = [sys.executable, "-m", "gateway.cli", "seed", "--people", "50", "--seed", "1"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1
    assert "cbccvc seed: the store already holds 50 people" in again.stderr, again.stderr
    assert "Traceback" not in again.stderr


def test_commands_run_beside_the_demo_use_its_store_and_sources(pg_tmp: Path) -> None:
    data_dir = pg_tmp / "demo"
    lines: list[str] = []
    port = free_port()
    process = start_demo(data_dir, port)
    try:
        wait_until_serving(wait_for_graphiql_line(process, lines))
        # the demo filled its store by syncing the sandbox agencies through their guards, in
        # this process: /metrics shows each agency's calls
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        ok_calls = {
            line.split('source="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("cbccvc_source_calls_total{") and 'outcome="ok"' in line
        }
        assert len(ok_calls) > 50, metrics
        assert all(count >= 1 for count in ok_calls.values()), ok_calls
        # a newcomer reads one line per step, not the migrations alembic narrates
        assert not [line for line in lines if "alembic" in line], "".join(lines)
        assert (data_dir / "demo.json").exists()
        # a second shell, nothing set but the data directory the demo uses
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CBCCVC_SOURCES")}
        env["CBCCVC_DATA_DIR"] = str(data_dir)
        report = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "sync", "--report"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert report.returncode == 0, report.stderr
        assert "using the store and sources of the demo running here" in report.stderr
        # the report speaks Vietnamese unless asked otherwise (--lang en)
        runs = report.stdout.split("Lần đồng bộ gần nhất của mỗi nguồn:")[1].split("Bản ghi bị")[0]
        assert runs.count("VN:GOV:") > 50, report.stdout
        assert stop_with_ctrl_c(process, lines) == 0, "".join(lines)
        assert not (data_dir / "demo.json").exists(), "Ctrl-C takes the demo's file away"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
