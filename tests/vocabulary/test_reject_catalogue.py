"""The reject catalogue explains every rule the code applies, and docs/rejects.md is its text."""

from __future__ import annotations

import ast
from pathlib import Path

from adapters import text_hygiene
from sync import decisions
from sync import refusals as refusals_module
from sync.normalise import SPELLING_VARIANT_MAPPED
from vocabulary.reject_catalogue import Lang, RuleKind, reject_catalogue, render_markdown

ROOT = Path(__file__).resolve().parents[2]
# calls that name a rule, and the position of the rule among their arguments
RULE_ARGUMENT = {"Problem": 1, "Failure": 1, "_Unmapped": 0, "NormaliseError": 0}
PACKAGES = ("adapters", "exchange", "sync", "vocabulary")


def _rules_in_code() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                position = RULE_ARGUMENT.get(str(name))
                if position is None or len(node.args) <= position:
                    continue
                argument = node.args[position]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value)
    return found


def test_every_rule_the_code_applies_is_explained() -> None:
    hygiene = {
        text_hygiene.INVISIBLE_REMOVED, text_hygiene.DOUBLE_DECODING_REPAIRED,
        text_hygiene.LEGACY_ENCODING_CONVERTED, text_hygiene.DOUBLE_DECODED,
        text_hygiene.UNREADABLE,
    }  # fmt: skip
    # the rules the sync gives a record the store itself refused (sync/refusals.py, decisions.py)
    refusals = {
        refusals_module.STORE_UNIQUE, refusals_module.STORE_REFERENCE, refusals_module.STORE_CHECK,
        refusals_module.STORE_MANDATORY, refusals_module.STORE_VALUE,
        refusals_module.UNPROCESSABLE, decisions.IDENTITY_CLASH,
    }  # fmt: skip
    used = _rules_in_code() | hygiene | refusals
    assert len(used) > 20  # the scan sees the code
    missing = used - set(reject_catalogue().rules)
    assert not missing, f"rules without an entry in reject_rules.yaml: {sorted(missing)}"


def test_corrections_are_the_hygiene_repairs_and_spelling_variants() -> None:
    corrections = {r.id for r in reject_catalogue().rules.values() if r.kind is RuleKind.CORRECTION}
    assert corrections == {
        text_hygiene.INVISIBLE_REMOVED,
        text_hygiene.DOUBLE_DECODING_REPAIRED,
        text_hygiene.LEGACY_ENCODING_CONVERTED,
        SPELLING_VARIANT_MAPPED,
    }


def test_both_languages_and_vietnamese_first() -> None:
    rule = reject_catalogue().rules["grade_scale_mismatch"]
    assert rule.title() == "Ngạch lương không khớp ngạch"  # Vietnamese by default
    assert rule.title(Lang.EN) == "Salary scale does not match the grade"
    assert reject_catalogue().title("some_newer_rule", "en") == "some_newer_rule"


def test_docs_rejects_md_is_generated_from_the_catalogue() -> None:
    text = (ROOT / "docs" / "rejects.md").read_text(encoding="utf-8")
    assert text == render_markdown(), "run: python -m vocabulary.reject_catalogue > docs/rejects.md"
