"""What a `cbccvc` command prints: its own lines, and the libraries' INFO lines only with
--verbose (before or after the command)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy.engine import URL

from store.database import drop_database, ensure_database

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_LINES = ("Context impl PostgresqlImpl", "Will assume transactional DDL", "Running upgrade")


@pytest_asyncio.fixture
async def empty_store_url(postgres_server: URL) -> AsyncIterator[str]:
    """A database without any schema: `migrate upgrade` runs every migration into it."""
    name = f"cbccvc_test_{uuid.uuid4().hex[:12]}"
    url = await ensure_database(postgres_server, name)
    yield url.render_as_string(hide_password=False)
    await drop_database(postgres_server, name)


def cbccvc(store_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CBCCVC_")}
    env["DATABASE_URL"] = store_url
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrations_are_one_line_and_the_alembic_lines_show_with_verbose(
    empty_store_url: str,
) -> None:
    quiet = cbccvc(empty_store_url, "migrate", "upgrade")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("store schema at revision: "), quiet.stdout
    for line in ALEMBIC_LINES:
        assert line not in quiet.stderr, quiet.stderr
    assert "alembic" not in quiet.stderr

    down = cbccvc(empty_store_url, "--verbose", "migrate", "downgrade")
    assert down.returncode == 0, down.stderr
    assert "Running downgrade" in down.stderr
    assert down.stdout == "store schema at revision: none\n"

    # --verbose after the command works too
    loud = cbccvc(empty_store_url, "migrate", "upgrade", "--verbose")
    assert loud.returncode == 0, loud.stderr
    for line in ALEMBIC_LINES:
        assert line in loud.stderr, loud.stderr
    assert loud.stdout == quiet.stdout
