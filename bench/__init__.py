"""Benchmarks against a baseline in the same run, each `python -m bench.<name>` from the
repository root (docs/benchmarks.md). Nothing of the project imports bench."""
