"""Migrations are history: they import nothing of the project, so no later change rewrites them.

A migration that imported live code (the cubes, a model's trigger DDL) would run whatever that
code says today on a store being upgraded, not what the revision ran when it was written.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

MIGRATIONS = Path(__file__).resolve().parents[2] / "store" / "migrations"
SOURCES = [*sorted((MIGRATIONS / "versions").glob("*.py")), MIGRATIONS / "env.py"]

# alembic and sqlalchemy are the migrations' tools; the standard library does not change under
# them either. env.py needs nothing more: it hands alembic the connection store.migrate opened,
# and no target metadata, which only autogenerate and compare would read.
ALLOWED = {"alembic", "sqlalchemy", "__future__", *sys.stdlib_module_names}


def _imports(source: Path) -> list[str]:
    """Every module the file imports, at any depth (relative imports as '.')."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." if node.level else str(node.module))
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in {"__import__", "import_module", "importlib.import_module"}:
                found.append(f"{name}(...)")  # a module named at run time cannot be checked
    return found


def test_there_are_migrations_to_check() -> None:
    assert len(SOURCES) > 9
    assert MIGRATIONS / "versions" / "0006_analytics.py" in SOURCES


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_a_migration_imports_only_alembic_sqlalchemy_and_the_standard_library(
    source: Path,
) -> None:
    outside = [name for name in _imports(source) if name.split(".")[0] not in ALLOWED]
    assert outside == []


def test_the_check_sees_an_import_of_project_code(tmp_path: Path) -> None:
    migration = tmp_path / "0099_example.py"
    migration.write_text(
        "import sqlalchemy as sa\n"
        "from alembic import op\n"
        "def upgrade() -> None:\n"
        "    from store.cubes import trigger_statements\n"
        "    from . import helpers\n"
    )
    assert [n for n in _imports(migration) if n.split(".")[0] not in ALLOWED] == [
        "store.cubes",
        ".",
    ]
