"""The scorecard reads its words and fields from the catalogues; the rules it names exist there."""

from __future__ import annotations

from analytics.scorecard_rules import (
    CROSS_FIELD_RULES,
    MANDATORY_RULE,
    UNMAPPED_CODE_RULES,
    coded_fields,
    group_title,
    mandatory_by_group,
    rule_words,
)
from vocabulary.reject_catalogue import RuleKind, reject_catalogue
from vocabulary.standard_record import standard_record


def test_every_rule_a_measure_counts_is_a_reject_of_the_catalogue() -> None:
    rules = reject_catalogue().rules
    for rule in CROSS_FIELD_RULES | UNMAPPED_CODE_RULES | {MANDATORY_RULE}:
        assert rule in rules, rule
        assert rules[rule].kind is RuleKind.REJECT


def test_titles_and_expected_forms_are_the_catalogues_in_both_languages() -> None:
    words = rule_words("personal_id_format")
    rule = reject_catalogue().rules["personal_id_format"]
    assert (words.title_vi, words.title_en) == (rule.title.vi, rule.title.en)
    assert (words.expected_vi, words.expected_en) == (rule.expected.vi, rule.expected.en)
    # a rule a newer sync knows is shown by its id, never hidden
    assert rule_words("rule_from_the_future").title_vi == "rule_from_the_future"


def test_completeness_groups_are_the_standard_records_mandatory_fields() -> None:
    groups = mandatory_by_group()
    assert {f for fields in groups.values() for f in fields} == set(standard_record().mandatory)
    assert "gender" in groups[1]
    assert "organization_code" in groups[6]
    assert group_title(1)[0].startswith("Thông tin định danh")
    assert set(coded_fields()) == set(standard_record().code_lists)
