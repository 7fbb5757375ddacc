"""The repository's layout keeps scripts from hiding the project's packages."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_benchmark_script_is_named_like_a_package_of_the_project() -> None:
    # bench/ is a package run as `python -m bench.<name>`, so nothing puts bench/ on sys.path
    # any more; a module named like a package (bench/sync.py) would still read as that package
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py")}
    assert "gateway" in packages
    assert scripts & packages == set()
