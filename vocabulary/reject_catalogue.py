"""The reject catalogue: every rule of the sync with its title, explanation and expected form in
Vietnamese and English, read from `data/reject_rules.yaml`.

One file feeds GraphQL `rejectRules`, the `cbccvc sync --report` and the rejects export (in the
reader's language, Vietnamese by default) and docs/rejects.md, which is this module's output:

    python -m vocabulary.reject_catalogue > docs/rejects.md
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

_DATA = Path(__file__).with_name("data") / "reject_rules.yaml"


class Lang(StrEnum):
    VI = "vi"
    EN = "en"


class RuleKind(StrEnum):
    REJECT = "reject"  # the record is not stored
    CORRECTION = "correction"  # the record is stored, the repair recorded


class CatalogueError(ValueError):
    """The catalogue's data file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Words:
    vi: str
    en: str

    def __call__(self, lang: Lang | str = Lang.VI) -> str:
        return self.en if Lang(lang) is Lang.EN else self.vi


@dataclass(frozen=True)
class RejectRule:
    id: str
    kind: RuleKind
    field: str  # a standard field, "record", or "*" for any
    title: Words
    explanation: Words
    expected: Words


@dataclass(frozen=True)
class Catalogue:
    version: str
    rules: Mapping[str, RejectRule]

    def rule(self, rule_id: str) -> RejectRule | None:
        return self.rules.get(rule_id)

    def title(self, rule_id: str, lang: Lang | str = Lang.VI) -> str:
        """The rule's title, or its id when a newer sync knows a rule this file does not."""
        rule = self.rules.get(rule_id)
        return rule.title(lang) if rule is not None else rule_id


_KEYS = {"id", "kind", "field", "title", "explanation", "expected"}


def _words(where: str, key: str, value: Any) -> Words:
    if not isinstance(value, dict) or set(value) != {"vi", "en"}:
        raise CatalogueError(f"{where}: {key} must be {{vi: ..., en: ...}}")
    if not all(isinstance(text, str) and text.strip() for text in value.values()):
        raise CatalogueError(f"{where}: {key} needs a non-empty text in both languages")
    return Words(value["vi"], value["en"])


def _rule(index: int, entry: Any) -> RejectRule:
    where = f"{_DATA.name}: rules[{index}]"
    if not isinstance(entry, dict) or set(entry) != _KEYS:
        raise CatalogueError(f"{where}: must have exactly {', '.join(sorted(_KEYS))}")
    where = f"{where} ({entry['id']})"
    try:
        kind = RuleKind(entry["kind"])
    except ValueError:
        raise CatalogueError(f"{where}: kind must be reject or correction") from None
    return RejectRule(
        str(entry["id"]),
        kind,
        str(entry["field"]),
        _words(where, "title", entry["title"]),
        _words(where, "explanation", entry["explanation"]),
        _words(where, "expected", entry["expected"]),
    )


@cache
def reject_catalogue() -> Catalogue:
    document = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise CatalogueError(f"{_DATA.name}: must be a mapping with a list under 'rules'")
    rules: dict[str, RejectRule] = {}
    for index, entry in enumerate(document["rules"]):
        rule = _rule(index, entry)
        if rule.id in rules:
            raise CatalogueError(f"{_DATA.name}: rule {rule.id} is declared twice")
        rules[rule.id] = rule
    return Catalogue(str(document.get("version", "")), MappingProxyType(rules))


def render_markdown(catalogue: Catalogue | None = None) -> str:
    """docs/rejects.md: every rule, Vietnamese first, English beside."""
    catalogue = catalogue or reject_catalogue()
    lines = [
        "# Quy tắc từ chối / Reject rules",
        "",
        "<!-- Generated from vocabulary/data/reject_rules.yaml by"
        " `python -m vocabulary.reject_catalogue`; do not edit by hand. -->",
        "",
        "Mỗi bản ghi bị từ chối mang mã quy tắc, giá trị sai, dạng mong đợi và nơi tìm bản ghi"
        " (khóa và phiên bản ở nguồn, hoặc tên tệp và dòng). Each rejected record carries the"
        " rule's id, the offending value, the expected form and where to find the record (the"
        " source's key and version, or the file name and row).",
        "",
        f"Catalogue version {catalogue.version}.",
        "",
    ]
    for kind, heading in (
        (RuleKind.REJECT, "Từ chối / Rejects"),
        (RuleKind.CORRECTION, "Sửa khi lưu / Corrections on storing"),
    ):
        lines += [f"## {heading}", ""]
        for rule in catalogue.rules.values():
            if rule.kind is not kind:
                continue
            field = "any field / mọi trường" if rule.field == "*" else f"`{rule.field}`"
            lines += [
                f"### `{rule.id}` — {rule.title.vi} / {rule.title.en}",
                "",
                f"- Trường / field: {field}",
                f"- Mong đợi / expected: {rule.expected.vi} / {rule.expected.en}",
                "",
                rule.explanation.vi,
                "",
                rule.explanation.en,
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
