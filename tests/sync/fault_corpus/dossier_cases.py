"""The fault corpus of the dossier's lists: a clean person each, with faulty list entries of one
group, and the outcome the sync owes the record.

Entries are written in standard values (catalogue column names, store codes, dates, numbers);
each source kind writes them its own way (sandbox/legacy/dossier_formats.py for the legacy
schemas' CV modules, the template's words and dd/mm/yyyy for the drops). A `Raw` value is a
fault written as the agency typed it, the same text in every kind; a kind whose column cannot
hold it (a word in the English schema's date column) does not carry the case.

The outcome is the rows the store must then hold for the person (`stored`, catalogue column
order per list), or the rules the record must be rejected with (`rejected`: at least these;
`rejected_by` where one kind's adapter names the fault by another rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sandbox.dossier import COLUMNS
from sandbox.legacy.formats import problem_of
from tests.sync.fault_corpus.cases import person

KINDS = ("sql-vi", "sql-en", "csv", "xlsx", "sections")
"""The kinds that carry lists: both legacy schemas, both drop formats, and the sections a
source hands the sync (the connector's versioned record carries exactly these)."""


class Raw(str):
    """A faulty value as the agency typed it: written as this text by every kind."""

    __slots__ = ()


Entry = dict[str, Any]


@dataclass
class DossierCase:
    id: str
    group: int  # the decree's data group of the faulty list
    person: dict[str, Any]
    lists: dict[str, list[Entry]]  # catalogue table -> entries (columns not given are empty)
    stored: Mapping[str, list[tuple[Any, ...]]] | None = None
    rejected: frozenset[str] = frozenset()
    rejected_by: Mapping[str, frozenset[str]] = field(default_factory=dict)
    not_in: frozenset[str] = frozenset()  # kinds whose columns cannot hold the fault

    def rules_for(self, kind: str) -> frozenset[str]:
        return self.rejected_by.get(kind, self.rejected)

    @property
    def personal_id(self) -> str:
        return str(self.person["personal_id"])

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """The case's entries of a list as rows in COLUMNS order."""
        return [tuple(entry.get(c) for c in COLUMNS[table]) for entry in self.lists.get(table, [])]


def _clean_people(start: int) -> Any:
    """Clean corpus people the sandbox gives no deliberate defect of its own."""
    number = start
    while True:
        candidate = person(number)
        number += 1
        if problem_of(candidate["personal_id"]) is None:
            yield candidate


def _family(p: Mapping[str, Any]) -> list[Entry]:
    born = p["birth_date"].year
    return [
        {"relation": "father", "full_name": "Nguyễn Văn Thành", "birth_year": born - 28,
         "occupation": "Nông dân"},
        {"relation": "mother", "full_name": "Lê Thị Hoa", "birth_year": born - 25,
         "occupation": "Nội trợ", "residence": "Nghệ An"},
    ]  # fmt: skip


def _history(p: Mapping[str, Any]) -> list[Entry]:
    adult = date(p["birth_date"].year + 18, 9, 1)
    return [
        {"start_on": adult, "end_on": date(adult.year + 4, 6, 30),
         "activity": "Sinh viên ngành Luật", "place": "Đại học Luật Hà Nội"},
        {"start_on": p["recruited_on"], "activity": "Công tác tại cơ quan hiện nay",
         "place": "Nghệ An"},
    ]  # fmt: skip


def dossier_corpus() -> list[DossierCase]:
    people = _clean_people(9000)
    cases: list[DossierCase] = []

    def case(id_: str, group: int, build: Any, **outcome: Any) -> None:
        p = next(people)
        cases.append(DossierCase(id_, group, p, build(p), **outcome))

    # a clean, whole dossier: stored exactly, every group
    def whole(p: Mapping[str, Any]) -> dict[str, list[Entry]]:
        joined = p["recruited_on"]
        return {
            "dossier_family_member": _family(p),
            "dossier_history_period": _history(p),
            "dossier_training_course": [
                {"kind": "state_management", "institution": "Học viện Hành chính Quốc gia",
                 "qualification": "Chứng chỉ chuyên viên", "start_on": date(joined.year + 2, 3, 1),
                 "end_on": date(joined.year + 2, 5, 30)},
            ],
            "dossier_reward": [
                {"decided_on": date(joined.year + 3, 12, 20), "title": "Giấy khen",
                 "decided_by": "Thủ trưởng cơ quan", "decision_number": "12/QĐ-KT"},
            ],
            "dossier_discipline": [
                {"decided_on": date(joined.year + 4, 5, 1), "kind": "reprimand",
                 "reason": "Chậm báo cáo", "decided_by": "Hội đồng kỷ luật",
                 "expires_on": date(joined.year + 5, 5, 1)},
            ],
            "dossier_allowance": [
                {"kind": "responsibility", "coefficient": Decimal("0.20"),
                 "start_on": date(joined.year + 1, 1, 1)},
                {"kind": "beyond_frame", "percent": 7, "start_on": date(joined.year + 12, 1, 1)},
            ],
            "dossier_annual_rating": [
                {"year": 2023, "rating": "good"}, {"year": 2024, "rating": "excellent"},
            ],
            "dossier_military_service": [],
            "dossier_asset_declaration": [
                {"year": 2024, "annual_income_vnd": Decimal(360_000_000),
                 "houses": "01 nhà ở tại Vinh"},
            ],
            "dossier_health_record": [
                {"recorded_on": date(2025, 4, 2), "status": "class_ii", "height_cm": 165,
                 "weight_kg": Decimal("58.5"), "blood_group": "O"},
            ],
        }  # fmt: skip

    p = next(people)
    clean = DossierCase("whole-dossier", 0, p, whole(p))
    clean.stored = {table: clean.rows(table) for table in COLUMNS}
    cases.append(clean)

    # group 2: family relations
    case(
        "family-relation-unknown",
        2,
        lambda p: {
            "dossier_family_member": [
                *_family(p),
                {
                    "relation": Raw("Chú ruột"),
                    "full_name": "Nguyễn Văn Ba",
                    "birth_year": p["birth_date"].year - 30,
                },
            ]
        },
        rejected=frozenset({"code_unknown"}),
    )
    case(
        "family-father-too-young",
        2,
        lambda p: {
            "dossier_family_member": [
                {**_family(p)[0], "birth_year": p["birth_date"].year - 5},
                _family(p)[1],
            ]
        },
        rejected=frozenset({"family_birth_year"}),
    )
    case(
        "family-child-older-than-parent",
        2,
        lambda p: {
            "dossier_family_member": [
                *_family(p),
                {
                    "relation": "child",
                    "full_name": "Nguyễn Văn Út",
                    "birth_year": p["birth_date"].year - 1,
                },
            ]
        },
        rejected=frozenset({"family_birth_year"}),
    )
    case(
        "family-two-mothers",
        2,
        lambda p: {"dossier_family_member": [*_family(p), {**_family(p)[1], "full_name": "Hà"}]},
        rejected=frozenset({"family_relation_repeated"}),
    )
    case(
        "family-name-missing",
        2,
        lambda p: {"dossier_family_member": [{**_family(p)[0], "full_name": None}]},
        rejected=frozenset({"mandatory"}),
    )
    case(
        "family-birth-year-future",
        2,
        lambda p: {
            "dossier_family_member": [
                {**_family(p)[1]},
                {"relation": "child", "full_name": "Bé Na", "birth_year": 2031},
            ]
        },
        rejected=frozenset({"year_out_of_range"}),
    )
    # group 3: personal history
    case(
        "history-overlap",
        3,
        lambda p: {
            "dossier_history_period": [
                *_history(p),
                {
                    "start_on": date(p["birth_date"].year + 20, 1, 1),
                    "end_on": date(p["birth_date"].year + 21, 1, 1),
                    "activity": "Làm thêm",
                },
            ]
        },
        rejected=frozenset({"period_overlap"}),
    )
    case(
        "history-ends-before-start",
        3,
        lambda p: {
            "dossier_history_period": [
                {**_history(p)[0], "end_on": date(p["birth_date"].year + 17, 1, 1)}
            ]
        },
        rejected=frozenset({"date_order"}),
    )
    case(
        "history-impossible-date",
        3,
        lambda p: {"dossier_history_period": [{**_history(p)[0], "start_on": Raw("31/02/2001")}]},
        # the declared dd/mm/yyyy naming no day; the wire declares ISO, so there it is the form
        rejected=frozenset({"date_invalid"}),
        rejected_by={"sections": frozenset({"date_format"})},
        not_in=frozenset({"sql-en"}),
    )
    case(
        "history-before-birth",
        3,
        lambda p: {
            "dossier_history_period": [
                {**_history(p)[0], "start_on": date(p["birth_date"].year - 2, 1, 1)}
            ]
        },
        rejected=frozenset({"date_before_birth"}),
    )
    # group 5: training
    case(
        "training-kind-unknown",
        5,
        lambda p: {
            "dossier_training_course": [
                {"kind": Raw("Võ thuật"), "institution": "CLB", "start_on": p["recruited_on"]}
            ]
        },
        rejected=frozenset({"code_unknown"}),
    )
    case(
        "training-in-future",
        5,
        lambda p: {
            "dossier_training_course": [
                {
                    "kind": "refresher",
                    "institution": "Trường Chính trị",
                    "start_on": date(2027, 3, 1),
                }
            ]
        },
        rejected=frozenset({"date_in_future"}),
    )
    # group 6: rewards, discipline, allowances, ratings
    case(
        "reward-without-date",
        6,
        lambda p: {"dossier_reward": [{"title": "Bằng khen", "decided_by": "Bộ trưởng"}]},
        rejected=frozenset({"mandatory"}),
    )
    case(
        "reward-title-invisible-character",
        6,
        lambda p: {
            "dossier_reward": [
                {
                    "decided_on": date(2024, 5, 2),
                    "title": "Bằng\u200b khen",
                    "decided_by": "Bộ trưởng",
                }
            ]
        },
        stored={"dossier_reward": [(date(2024, 5, 2), "Bằng khen", "Bộ trưởng", None)]},
    )
    case(
        "discipline-measure-unknown",
        6,
        lambda p: {
            "dossier_discipline": [
                {
                    "decided_on": date(2024, 5, 2),
                    "kind": Raw("Phạt tiền"),
                    "reason": "Đi muộn",
                    "decided_by": "Giám đốc",
                }
            ]
        },
        rejected=frozenset({"code_unknown"}),
    )
    case(
        "discipline-expires-before-decision",
        6,
        lambda p: {
            "dossier_discipline": [
                {
                    "decided_on": date(2024, 5, 2),
                    "kind": "warning",
                    "reason": "Vi phạm",
                    "decided_by": "Giám đốc",
                    "expires_on": date(2023, 5, 2),
                }
            ]
        },
        rejected=frozenset({"date_order"}),
    )
    case(
        "allowance-two-amounts",
        6,
        lambda p: {
            "dossier_allowance": [
                {
                    "kind": "regional",
                    "coefficient": Decimal("0.30"),
                    "percent": 10,
                    "start_on": p["recruited_on"],
                }
            ]
        },
        rejected=frozenset({"allowance_amount"}),
    )
    case(
        "allowance-no-amount",
        6,
        lambda p: {"dossier_allowance": [{"kind": "regional", "start_on": p["recruited_on"]}]},
        rejected=frozenset({"allowance_amount"}),
    )
    case(
        "allowance-percent-over-100",
        6,
        lambda p: {
            "dossier_allowance": [
                {"kind": "beyond_frame", "percent": 150, "start_on": p["recruited_on"]}
            ]
        },
        rejected=frozenset({"value_out_of_range"}),
    )
    case(
        "rating-twice-a-year",
        6,
        lambda p: {
            "dossier_annual_rating": [
                {"year": 2024, "rating": "good"},
                {"year": 2024, "rating": "excellent"},
            ]
        },
        rejected=frozenset({"duplicate_year"}),
    )
    case(
        "rating-unknown",
        6,
        lambda p: {"dossier_annual_rating": [{"year": 2024, "rating": Raw("Khá")}]},
        rejected=frozenset({"code_unknown"}),
    )
    # group 8: armed forces
    case(
        "military-discharged-before-enlisted",
        8,
        lambda p: {
            "dossier_military_service": [
                {
                    "enlisted_on": date(p["birth_date"].year + 19, 2, 1),
                    "discharged_on": date(p["birth_date"].year + 18, 2, 1),
                    "highest_rank": "Hạ sĩ",
                }
            ]
        },
        rejected=frozenset({"date_order"}),
    )
    case(
        "military-without-rank",
        8,
        lambda p: {
            "dossier_military_service": [{"enlisted_on": date(p["birth_date"].year + 19, 2, 1)}]
        },
        rejected=frozenset({"mandatory"}),
    )
    case(
        "military-two-services-overlap",
        8,
        lambda p: {
            "dossier_military_service": [
                {"enlisted_on": date(p["birth_date"].year + 19, 2, 1), "highest_rank": "Hạ sĩ"},
                {
                    "enlisted_on": date(p["birth_date"].year + 20, 2, 1),
                    "discharged_on": date(p["birth_date"].year + 21, 2, 1),
                    "highest_rank": "Trung sĩ",
                },
            ]
        },
        rejected=frozenset({"period_overlap"}),
    )
    # group 9: assets and income
    case(
        "assets-negative-income",
        9,
        lambda p: {
            "dossier_asset_declaration": [{"year": 2024, "annual_income_vnd": Decimal(-1_000_000)}]
        },
        rejected=frozenset({"value_out_of_range"}),
    )
    case(
        "assets-twice-a-year",
        9,
        lambda p: {
            "dossier_asset_declaration": [
                {"year": 2024, "annual_income_vnd": Decimal(100_000_000)},
                {"year": 2024, "annual_income_vnd": Decimal(120_000_000)},
            ]
        },
        rejected=frozenset({"duplicate_year"}),
    )
    case(
        "assets-income-in-words",
        9,
        lambda p: {
            "dossier_asset_declaration": [{"year": 2024, "annual_income_vnd": Raw("ba trăm triệu")}]
        },
        rejected=frozenset({"not_decimal"}),
        not_in=frozenset({"sql-vi", "sql-en"}),
        rejected_by={"sections": frozenset({"not_integer"})},
    )
    # group 10: health
    case(
        "health-height-in-metres",
        10,
        lambda p: {
            "dossier_health_record": [
                {"recorded_on": date(2025, 4, 2), "status": "class_i", "height_cm": 2}
            ]
        },
        rejected=frozenset({"value_out_of_range"}),
    )
    case(
        "health-class-unknown",
        10,
        lambda p: {
            "dossier_health_record": [{"recorded_on": date(2025, 4, 2), "status": Raw("Loại VI")}]
        },
        rejected=frozenset({"code_unknown"}),
    )
    case(
        "health-blood-group-unknown",
        10,
        lambda p: {
            "dossier_health_record": [
                {"recorded_on": date(2025, 4, 2), "status": "class_i", "blood_group": Raw("Z")}
            ]
        },
        rejected=frozenset({"code_unknown"}),
    )
    return cases
