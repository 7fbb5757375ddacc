"""A person's histories as an agency keeps them: a few deterministic synthetic entries per part.

Pure: the entries follow from the person's store row alone (seeded by the personal ID), in
standard terms (dates, store codes, English keys); sandbox/legacy/formats.py writes them in each
legacy schema's own way. Keys per part (the same keys the sql mappings read them back into):

    work_history    start, end, organization, position
    salary_history  start, grade_code, step, coefficient
    trainings       start, end, institution, field, qualification
    rewards         year, kind, decided_by
    disciplines     date, kind, reason
    evaluations     year, rating
    family          relation (father, mother, spouse, child), full_name, birth_year, occupation
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox.draw import REFERENCE_DATE, add_years
from store.codelists import load_code_list, salary_steps
from vocabulary.sources import DetailPart

Entry = dict[str, Any]

_INSTITUTIONS = (
    "Đại học Quốc gia Hà Nội",
    "Đại học Kinh tế Quốc dân",
    "Học viện Hành chính Quốc gia",
    "Đại học Luật Hà Nội",
    "Đại học Quốc gia Thành phố Hồ Chí Minh",
    "Đại học Huế",
    "Đại học Đà Nẵng",
    "Học viện Tài chính",
)
_REWARDS = ("Giấy khen", "Bằng khen", "Chiến sĩ thi đua cơ sở", "Lao động tiên tiến")
_DECIDED_BY = ("Thủ trưởng đơn vị", "Bộ trưởng", "Chủ tịch Ủy ban nhân dân tỉnh")
_DISCIPLINES = (
    ("Khiển trách", "Chậm thực hiện nhiệm vụ được giao"),
    ("Cảnh cáo", "Vi phạm quy chế làm việc"),
)
_OCCUPATIONS = ("Nông dân", "Công nhân", "Giáo viên", "Kinh doanh", "Hưu trí", "Nội trợ", "Kỹ sư")
_GIVEN = ("An", "Bình", "Hòa", "Lan", "Minh", "Ngọc", "Phúc", "Quang", "Thảo", "Tuấn")
_MIDDLE = {"male": "Văn", "female": "Thị"}
_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
_QUALIFICATIONS = {
    "doctorate": "Tiến sĩ",
    "master": "Thạc sĩ",
    "bachelor": "Cử nhân",
    "college": "Cao đẳng",
    "intermediate": "Trung cấp",
}
_RATINGS = ("excellent", "good", "good", "good", "completed")
STEP_YEARS = 3  # civil servants move up a step every three years (two for group C)


def person_details(person: Mapping[str, Any]) -> dict[DetailPart, list[Entry]]:
    """Every part for one person row of the store (a mapping of its columns)."""
    rng = random.Random(f"details:{person['personal_id']}")  # noqa: S311 (synthetic data)
    return {
        DetailPart.WORK_HISTORY: _work(rng, person),
        DetailPart.SALARY_HISTORY: _salary(person),
        DetailPart.TRAININGS: _trainings(rng, person),
        DetailPart.REWARDS: _rewards(rng, person),
        DetailPart.DISCIPLINES: _disciplines(rng, person),
        DetailPart.EVALUATIONS: _evaluations(rng, person),
        DetailPart.FAMILY: _family(rng, person),
    }


def _work(rng: random.Random, person: Mapping[str, Any]) -> list[Entry]:
    recruited: date = person["recruited_on"] or add_years(person["birth_date"], 22)
    periods = 1 + rng.randrange(3)
    span = max(1, (REFERENCE_DATE - recruited).days)
    cuts = sorted(recruited + timedelta(days=rng.randrange(span)) for _ in range(periods - 1))
    starts = [recruited, *cuts]
    position = person.get("job_position") or "Chuyên viên"
    entries = []
    for index, start in enumerate(starts):
        last = index == len(starts) - 1
        entries.append(
            {
                "start": start,
                "end": None if last else starts[index + 1] - timedelta(days=1),
                "organization": person["organization_name"] if last else rng.choice(_INSTITUTIONS),
                "position": position if last else "Chuyên viên",
            }
        )
    return entries


def _salary(person: Mapping[str, Any]) -> list[Entry]:
    scale, step, since = person.get("salary_scale_code"), person.get("salary_step"), None
    since = person.get("salary_since")
    if scale is None or step is None or since is None:
        return []
    coefficients: dict[int, Decimal] = dict(salary_steps(_scales()[scale]))
    return [
        {
            "start": add_years(since, -STEP_YEARS * (step - number)),
            "grade_code": person["grade_code"],
            "step": number,
            "coefficient": coefficients[number],
        }
        for number in range(1, step + 1)
    ]


def _scales() -> Mapping[str, Mapping[str, Any]]:
    return load_code_list("salary_scales").by_code


def _trainings(rng: random.Random, person: Mapping[str, Any]) -> list[Entry]:
    entries = []
    qualification = _QUALIFICATIONS.get(person.get("professional_level") or "")
    if qualification is not None:
        start = add_years(person["birth_date"], 18).replace(month=9, day=5)
        entries.append(
            {
                "start": start,
                "end": add_years(start, 4).replace(month=6, day=30),
                "institution": rng.choice(_INSTITUTIONS),
                "field": person.get("field_of_study") or "Quản lý nhà nước",
                "qualification": qualification,
            }
        )
    if person.get("political_theory") not in (None, "none"):
        start = date(2015 + rng.randrange(8), 3, 1)
        entries.append(
            {
                "start": start,
                "end": start + timedelta(days=180),
                "institution": "Học viện Chính trị quốc gia Hồ Chí Minh",
                "field": "Lý luận chính trị",
                "qualification": "Chứng chỉ",
            }
        )
    return entries


def _rewards(rng: random.Random, person: Mapping[str, Any]) -> list[Entry]:
    first = max(2016, (person["recruited_on"] or REFERENCE_DATE).year)
    years = sorted(rng.sample(range(first, 2026), k=min(rng.randrange(3), max(0, 2026 - first))))
    return [
        {"year": year, "kind": rng.choice(_REWARDS), "decided_by": rng.choice(_DECIDED_BY)}
        for year in years
    ]


def _disciplines(rng: random.Random, person: Mapping[str, Any]) -> list[Entry]:
    if rng.random() >= 0.05:
        return []
    kind, reason = rng.choice(_DISCIPLINES)
    return [
        {
            "date": date(2020 + rng.randrange(5), 1 + rng.randrange(12), 15),
            "kind": kind,
            "reason": reason,
        }
    ]


def _evaluations(rng: random.Random, person: Mapping[str, Any]) -> list[Entry]:
    recruited = person["recruited_on"] or REFERENCE_DATE
    return [
        {"year": year, "rating": rng.choice(_RATINGS)}
        for year in range(2022, 2026)
        if recruited <= date(year, 6, 30)
    ]


def _family(rng: random.Random, person: Mapping[str, Any]) -> list[Entry]:
    born: int = person["birth_date"].year
    family_name = person["family_name"]

    def name(surname: str, gender: str) -> str:
        return f"{surname} {_MIDDLE[gender]} {rng.choice(_GIVEN)}"

    def relative(relation: str, full_name: str, birth_year: int, occupation: str) -> Entry:
        return {
            "relation": relation,
            "full_name": full_name,
            "birth_year": birth_year,
            "occupation": occupation,
        }

    entries = [
        relative("father", name(family_name, "male"), born - 25 - rng.randrange(8),
                 rng.choice(_OCCUPATIONS)),
        relative("mother", name(rng.choice(_SURNAMES), "female"), born - 22 - rng.randrange(8),
                 rng.choice(_OCCUPATIONS)),
    ]  # fmt: skip
    if REFERENCE_DATE.year - born >= 26 and rng.random() < 0.8:
        spouse_gender = "female" if person["gender"] == "male" else "male"
        entries.append(
            relative(
                "spouse",
                name(rng.choice(_SURNAMES), spouse_gender),
                born + rng.randrange(-4, 5),
                rng.choice(_OCCUPATIONS),
            )
        )
        for _ in range(rng.randrange(3)):
            child_surname = family_name if person["gender"] == "male" else rng.choice(_SURNAMES)
            entries.append(
                relative(
                    "child",
                    name(child_surname, rng.choice(("male", "female"))),
                    min(REFERENCE_DATE.year - 1, born + 24 + rng.randrange(12)),
                    "Học sinh",
                )
            )
    return entries
