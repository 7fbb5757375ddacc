"""What the scorecard reads from the standard and the catalogues, in one place.

Titles, explanations and expected forms of reject and correction rules are the sync's reject
catalogue's (vocabulary/reject_catalogue.py); the mandatory fields and data groups are the
standard record's (vocabulary/standard_record.py) and the groups' titles the dossier's field
catalogue's (vocabulary/dossier_catalogue.py). What is the scorecard's own is which rules feed
which measure: a rule is named here by the catalogue's id, and a test checks that each is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vocabulary.dossier_catalogue import dossier_catalogue
from vocabulary.reject_catalogue import Lang, reject_catalogue
from vocabulary.standard_record import standard_record

CROSS_FIELD_RULES = frozenset(
    {
        "personal_id_birth_province",
        "personal_id_century",
        "personal_id_gender",
        "personal_id_birth_year",
        "date_before_birth",
        "date_order",
        "recruited_before_working_age",
        "age_above_service",
        "grade_scale_mismatch",
        "grade_category_mismatch",
        "salary_step_out_of_scale",
        "salary_coefficient_mismatch",
    }
)
"""Rules comparing two fields of one record (đúng: cross-field violations, sync/cross_field.py)."""

UNMAPPED_CODE_RULES = frozenset({"code_unknown"})
"""Rules meaning a coded value has no mapping in the national code list (thống nhất)."""

MANDATORY_RULE = "mandatory"
"""The rule a record missing a mandatory field is held back by (đủ counts it)."""

# the standard names the organisation by its code; the store keeps the organisation's id
_STORE_COLUMN = {"organization_code": "organization_id"}


@dataclass(frozen=True)
class RuleWords:
    """A rule as the scorecard shows it: the catalogue's words, or the bare id for a rule a
    newer sync knows and this catalogue does not (shown, never hidden)."""

    rule: str
    title_vi: str
    title_en: str
    expected_vi: str
    expected_en: str


def rule_words(rule_id: str) -> RuleWords:
    rule = reject_catalogue().rule(rule_id)
    if rule is None:
        return RuleWords(rule_id, rule_id, rule_id, "", "")
    return RuleWords(
        rule_id, rule.title(Lang.VI), rule.title(Lang.EN), rule.expected(Lang.VI),
        rule.expected(Lang.EN),
    )  # fmt: skip


def store_column(field: str) -> str:
    return _STORE_COLUMN.get(field, field)


@cache
def mandatory_by_group() -> dict[int, tuple[str, ...]]:
    """Data group -> the standard's mandatory fields of that group (the standard's names)."""
    groups: dict[int, list[str]] = {}
    for field in standard_record().fields:
        if field.mandatory:
            groups.setdefault(field.group, []).append(field.name)
    return {group: tuple(fields) for group, fields in sorted(groups.items())}


def coded_fields() -> tuple[str, ...]:
    """The standard's fields whose values come from a national code list."""
    return tuple(standard_record().code_lists)


def group_title(group: int) -> tuple[str, str]:
    label = dossier_catalogue().groups.get(group)
    return (label.vi, label.en) if label is not None else (f"Nhóm {group}", f"Group {group}")
