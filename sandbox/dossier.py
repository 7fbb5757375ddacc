"""Synthetic dossier lists for the people of a store: families, histories, courses, service, ...

The rows agree with the person and with each other: parents are 18 to 40 years older than the
person, children are born to a couple both adult, siblings to the same mother; the personal
history runs from age 18 to recruitment without overlaps or gaps and includes the armed-forces
service of the share that has it (mostly men); the annual rating of the person's rating year is
the person row's own. `dossier_rows` is pure (every draw from the caller's Random);
`seed_dossier` writes them straight into a store with COPY, for the stores that are seeded rather
than synced (the sandbox's truth, `cbccvc seed`, the tests' seeded store); the sandbox agencies
build their CV modules and drops from the truth's rows, and a synced store gets them by the sync.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox.draw import REFERENCE_DATE, Weighted, add_years

PROVENANCE = ("person_id", "source_id", "source_record_id", "source_version")
COLUMNS: dict[str, tuple[str, ...]] = {
    "dossier_family_member": (
        "relation", "full_name", "birth_year", "occupation", "workplace", "residence",
    ),
    "dossier_history_period": ("start_on", "end_on", "activity", "place"),
    "dossier_training_course": (
        "kind", "institution", "field_of_study", "qualification", "start_on", "end_on",
    ),
    "dossier_reward": ("decided_on", "title", "decided_by", "decision_number"),
    "dossier_discipline": ("decided_on", "kind", "reason", "decided_by", "expires_on"),
    "dossier_allowance": ("kind", "coefficient", "percent", "start_on", "end_on"),
    "dossier_annual_rating": ("year", "rating"),
    "dossier_military_service": ("enlisted_on", "discharged_on", "highest_rank", "unit"),
    "dossier_asset_declaration": ("year", "annual_income_vnd", "houses", "land", "other_assets"),
    "dossier_health_record": ("recorded_on", "status", "height_cm", "weight_kg", "blood_group"),
}  # fmt: skip

MILITARY_SHARE = {"male": 0.22, "female": 0.02}
DISCIPLINE_SHARE = 0.02
_SURNAMES = Weighted(
    (
        ("Nguyễn", 38),
        ("Trần", 11),
        ("Lê", 9),
        ("Phạm", 7),
        ("Hoàng", 5),
        ("Vũ", 4),
        ("Đặng", 2),
        ("Bùi", 2),
        ("Đỗ", 2),
        ("Hồ", 1),
        ("Ngô", 1),
        ("Dương", 1),
        ("Lý", 1),
    )
)
_MIDDLE = {"male": ("Văn", "Đức", "Minh", "Quang", "Hữu"), "female": ("Thị", "Ngọc", "Thu")}
_GIVEN = {
    "male": ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong"),
    "female": ("Anh", "Chi", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Trang"),
}
_OCCUPATIONS = Weighted(
    (
        ("Nông dân", 30),
        ("Công nhân", 12),
        ("Giáo viên", 10),
        ("Kinh doanh", 12),
        ("Bác sĩ", 3),
        ("Công chức", 10),
        ("Kỹ sư", 6),
        ("Nội trợ", 8),
        ("Hưu trí", 9),
    )
)
_RATINGS = Weighted((("excellent", 12), ("good", 60), ("completed", 27), ("not_completed", 1)))
_RANKS = Weighted(
    (("Binh nhì", 10), ("Binh nhất", 30), ("Hạ sĩ", 30), ("Trung sĩ", 20), ("Thượng sĩ", 10))
)
_UNIVERSITIES = (
    "Đại học Quốc gia Hà Nội",
    "Đại học Quốc gia Thành phố Hồ Chí Minh",
    "Học viện Hành chính Quốc gia",
    "Đại học Kinh tế Quốc dân",
    "Đại học Luật Hà Nội",
    "Đại học Huế",
    "Đại học Đà Nẵng",
    "Đại học Cần Thơ",
    "Đại học Sư phạm Hà Nội",
    "Đại học Y Hà Nội",
)
_FIELDS = ("Luật", "Kinh tế", "Quản lý công", "Kế toán", "Công nghệ thông tin", "Sư phạm")
_REWARDS = Weighted(
    (
        ("Giấy khen của Thủ trưởng đơn vị", 50),
        ("Chiến sĩ thi đua cơ sở", 25),
        ("Bằng khen của Bộ trưởng", 12),
        ("Bằng khen của Chủ tịch UBND tỉnh", 10),
        ("Bằng khen của Thủ tướng Chính phủ", 3),
    )
)
_HEALTH = Weighted(
    (("class_i", 25), ("class_ii", 50), ("class_iii", 20), ("class_iv", 4), ("class_v", 1))
)
_BLOOD = Weighted((("O", 45), ("B", 30), ("A", 20), ("AB", 5)))


@dataclass(frozen=True)
class Holder:
    """What the generator needs of one person row."""

    id: int
    family_name: str
    gender: str
    birth_date: date
    recruited_on: date | None
    category: str
    performance_rating: str | None
    performance_year: int | None
    home_town: str | None
    current_address: str | None
    source_id: str
    source_record_id: str
    source_version: str


def _day_in(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def _name(rng: random.Random, family: str, gender: str) -> str:
    return f"{family} {rng.choice(_MIDDLE[gender])} {rng.choice(_GIVEN[gender])}"


def _family(rng: random.Random, p: Holder) -> list[tuple[Any, ...]]:
    born = p.birth_date.year
    other = "female" if p.gender == "male" else "male"
    home = p.home_town or p.current_address
    mother_family = _SURNAMES.pick(rng)
    father_year = born - rng.randint(22, 40)
    mother_year = min(born - 18, father_year + rng.randint(-3, 8))
    rows: list[tuple[Any, ...]] = [
        (
            "father",
            _name(rng, p.family_name, "male"),
            father_year,
            _OCCUPATIONS.pick(rng),
            None,
            home,
        ),
        (
            "mother",
            _name(rng, mother_family, "female"),
            mother_year,
            _OCCUPATIONS.pick(rng),
            None,
            home,
        ),
    ]
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        sibling_year = rng.randint(
            max(mother_year + 18, born - 12), min(mother_year + 42, born + 12)
        )
        gender = rng.choice(("male", "female"))
        if sibling_year != born:
            rows.append(
                (
                    "sibling",
                    _name(rng, p.family_name, gender),
                    sibling_year,
                    _OCCUPATIONS.pick(rng),
                    None,
                    home,
                )
            )
    age = REFERENCE_DATE.year - born
    if age >= 24 and rng.random() < 0.85:
        spouse_family = _SURNAMES.pick(rng)
        spouse_year = (
            born + rng.randint(-6, 4) if p.gender == "female" else born + rng.randint(-2, 8)
        )
        spouse_year = min(spouse_year, REFERENCE_DATE.year - 20)
        rows.append(
            (
                "spouse",
                _name(rng, spouse_family, other),
                spouse_year,
                _OCCUPATIONS.pick(rng),
                None,
                p.current_address,
            )
        )
        in_law_year = spouse_year - rng.randint(22, 38)
        rows.append(
            (
                "father_in_law",
                _name(rng, spouse_family, "male"),
                in_law_year,
                _OCCUPATIONS.pick(rng),
                None,
                None,
            )
        )
        rows.append(
            (
                "mother_in_law",
                _name(rng, _SURNAMES.pick(rng), "female"),
                in_law_year + rng.randint(-2, 6),
                _OCCUPATIONS.pick(rng),
                None,
                None,
            )
        )
        # children are born once both parents are adults, and before the reference date
        first = max(born, spouse_year) + rng.randint(22, 30)
        children_family = p.family_name if p.gender == "male" else spouse_family
        year = first
        for _ in range(rng.choice((0, 1, 2, 2, 2, 3))):
            if year >= REFERENCE_DATE.year:
                break
            occupation = "Học sinh" if REFERENCE_DATE.year - year < 18 else _OCCUPATIONS.pick(rng)
            rows.append(
                (
                    "child",
                    _name(rng, children_family, rng.choice(("male", "female"))),
                    year,
                    occupation,
                    None,
                    p.current_address,
                )
            )
            year += rng.randint(2, 6)
    return rows


def dossier_rows(rng: random.Random, p: Holder) -> dict[str, list[tuple[Any, ...]]]:
    """table -> rows (in COLUMNS order, without provenance) for one person."""
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    rows["dossier_family_member"] = _family(rng, p)
    adult = add_years(p.birth_date, 18)
    recruited = p.recruited_on or add_years(p.birth_date, 23)
    university = rng.choice(_UNIVERSITIES)
    field_of_study = rng.choice(_FIELDS)

    # personal history: age 18 to recruitment, then the present post; one period after another
    periods: list[tuple[date, date | None, str, str | None]] = []
    start = adult
    serves = rng.random() < MILITARY_SHARE.get(p.gender, 0.0)
    if serves and add_years(adult, 6) <= recruited:
        discharged = add_years(adult, 2) - timedelta(days=1)
        unit = f"Sư đoàn {rng.randint(300, 399)}"
        rows["dossier_military_service"].append((adult, discharged, _RANKS.pick(rng), unit))
        periods.append((adult, discharged, "Nhập ngũ, phục vụ trong Quân đội nhân dân", unit))
        start = discharged + timedelta(days=1)
    study_end = min(add_years(start, 4), recruited) - timedelta(days=1)
    if study_end > start:
        periods.append((start, study_end, f"Sinh viên ngành {field_of_study}", university))
        rows["dossier_training_course"].append(
            ("degree", university, field_of_study, "Cử nhân", start, study_end)
        )
        if study_end + timedelta(days=1) < recruited:
            periods.append(
                (
                    study_end + timedelta(days=1),
                    recruited - timedelta(days=1),
                    "Làm việc tự do",
                    p.home_town,
                )
            )
    periods.append((recruited, None, "Công tác tại cơ quan hiện nay", p.current_address))
    rows["dossier_history_period"] = [period for period in periods if period[0] <= REFERENCE_DATE]

    working = max(recruited, date(2000, 1, 1))
    if working < REFERENCE_DATE:
        for kind, institution, qualification in (
            ("political_theory", "Trường Chính trị tỉnh", "Trung cấp lý luận chính trị"),
            ("state_management", "Học viện Hành chính Quốc gia", "Chứng chỉ chuyên viên"),
            ("foreign_language", "Trung tâm Ngoại ngữ", "Tiếng Anh bậc 3"),
            ("information_technology", "Trung tâm Tin học", "Ứng dụng CNTT cơ bản"),
        ):
            if rng.random() < 0.5:
                course_start = _day_in(rng, working, REFERENCE_DATE - timedelta(days=120))
                course_end = course_start + timedelta(days=rng.randint(14, 110))
                rows["dossier_training_course"].append(
                    (kind, institution, None, qualification, course_start, course_end)
                )
        for number in range(rng.choice((0, 1, 1, 2, 3))):
            decided = _day_in(rng, working, REFERENCE_DATE)
            rows["dossier_reward"].append(
                (
                    decided,
                    _REWARDS.pick(rng),
                    "Thủ trưởng cơ quan",
                    f"{number + 1}{rng.randint(10, 999)}/QĐ-KT",
                )
            )
        if rng.random() < DISCIPLINE_SHARE:
            decided = _day_in(rng, working, REFERENCE_DATE)
            rows["dossier_discipline"].append(
                (
                    decided,
                    rng.choice(("reprimand", "warning")),
                    "Vi phạm quy chế làm việc",
                    "Hội đồng kỷ luật",
                    add_years(decided, 1),
                )
            )
        if rng.random() < 0.3:
            rows["dossier_allowance"].append(
                (
                    "responsibility",
                    Decimal(rng.choice(("0.10", "0.20", "0.30"))),
                    None,
                    _day_in(rng, working, REFERENCE_DATE),
                    None,
                )
            )
        if REFERENCE_DATE.year - recruited.year > 12 and rng.random() < 0.2:
            rows["dossier_allowance"].append(
                (
                    "beyond_frame",
                    None,
                    rng.randint(5, 15),
                    _day_in(rng, working, REFERENCE_DATE),
                    None,
                )
            )
    for year in range(max(recruited.year + 1, 2020), REFERENCE_DATE.year):
        rating = (
            p.performance_rating
            if year == p.performance_year and p.performance_rating
            else _RATINGS.pick(rng)
        )
        rows["dossier_annual_rating"].append((year, rating))
    if p.category == "cadre" or rng.random() < 0.15:
        for year in (2024, 2025):
            income = Decimal(rng.randrange(120, 900)) * 1_000_000
            rows["dossier_asset_declaration"].append(
                (
                    year,
                    income,
                    "01 nhà ở tại nơi thường trú",
                    rng.choice((None, "01 thửa đất ở")),
                    None,
                )
            )
    male = p.gender == "male"
    rows["dossier_health_record"].append(
        (
            date(2025, rng.randint(3, 11), rng.randint(1, 28)),
            _HEALTH.pick(rng),
            rng.randint(160, 180) if male else rng.randint(148, 168),
            Decimal(rng.randint(520 if male else 420, 850 if male else 700)) / 10,
            _BLOOD.pick(rng),
        )
    )
    return rows


_HOLDERS = """
SELECT id, family_name, gender, birth_date, recruited_on, category, performance_rating,
       performance_year, home_town, current_address, source_id, source_record_id, source_version
  FROM person
 WHERE NOT EXISTS (SELECT 1 FROM dossier_family_member f WHERE f.person_id = person.id)
 ORDER BY id
"""


async def seed_dossier(conn: Any, seed: int, *, batch: int = 2_000) -> int:
    """Fill the dossier lists of every person of the store who has none; returns rows written.

    `conn` is an asyncpg connection; the same seed gives the same rows for the same people.
    """
    written = 0
    holders: Sequence[Any] = await conn.fetch(_HOLDERS)
    for offset in range(0, len(holders), batch):
        by_table: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for record in holders[offset : offset + batch]:
            holder = Holder(**dict(record))
            rng = random.Random(f"dossier:{seed}:{holder.source_record_id}")  # noqa: S311
            for table, rows in dossier_rows(rng, holder).items():
                short = table.removeprefix("dossier_")
                for number, row in enumerate(rows, start=1):
                    by_table[table].append(
                        (
                            holder.id,
                            holder.source_id,
                            f"{holder.source_record_id}/{short}/{number}",
                            holder.source_version,
                            *row,
                        )
                    )
        for table, records in by_table.items():
            await conn.copy_records_to_table(
                table, records=records, columns=(*PROVENANCE, *COLUMNS[table])
            )
            written += len(records)
    return written
