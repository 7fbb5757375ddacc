"""The closed value sets of the dossier's groups (NĐ 27/2026 groups 2, 5, 6, 8, 10).

Stored as text with CHECK constraints, like store/vocabulary.py, so adding a value is a one-line
migration. The Vietnamese names are what the CV prints; the field catalogue
(vocabulary/data/dossier_fields.yaml) names each list as a field's code list.
"""

from __future__ import annotations

from enum import StrEnum


class FamilyRelation(StrEnum):
    """The relations the CV form lists: the person's and the spouse's side (mẫu 2C)."""

    FATHER = "father"  # bố đẻ
    MOTHER = "mother"  # mẹ đẻ
    SPOUSE = "spouse"  # vợ / chồng
    CHILD = "child"  # con
    SIBLING = "sibling"  # anh chị em ruột
    FATHER_IN_LAW = "father_in_law"  # bố vợ / bố chồng
    MOTHER_IN_LAW = "mother_in_law"  # mẹ vợ / mẹ chồng


class TrainingKind(StrEnum):
    """What a course or certificate qualifies in (group 5's headings)."""

    DEGREE = "degree"  # chuyên môn
    POLITICAL_THEORY = "political_theory"  # lý luận chính trị
    STATE_MANAGEMENT = "state_management"  # quản lý nhà nước
    DEFENCE_SECURITY = "defence_security"  # quốc phòng - an ninh
    FOREIGN_LANGUAGE = "foreign_language"  # ngoại ngữ
    INFORMATION_TECHNOLOGY = "information_technology"  # tin học
    REFRESHER = "refresher"  # bồi dưỡng


class DisciplineKind(StrEnum):
    """Disciplinary measures of the Law on Cadres and Civil Servants (art. 79), unverified."""

    REPRIMAND = "reprimand"  # khiển trách
    WARNING = "warning"  # cảnh cáo
    SALARY_DEMOTION = "salary_demotion"  # hạ bậc lương
    DEMOTION = "demotion"  # giáng chức
    REMOVAL = "removal"  # cách chức
    DISMISSAL = "dismissal"  # buộc thôi việc


class AllowanceKind(StrEnum):
    POSITION = "position"  # phụ cấp chức vụ
    BEYOND_FRAME = "beyond_frame"  # phụ cấp thâm niên vượt khung
    SENIORITY = "seniority"  # phụ cấp thâm niên nghề
    RESPONSIBILITY = "responsibility"  # phụ cấp trách nhiệm
    REGIONAL = "regional"  # phụ cấp khu vực
    OTHER = "other"  # khác


class HealthStatus(StrEnum):
    """Health classes of a periodic check-up (loại I–V), unverified."""

    CLASS_I = "class_i"  # loại I: rất khỏe
    CLASS_II = "class_ii"  # loại II: khỏe
    CLASS_III = "class_iii"  # loại III: trung bình
    CLASS_IV = "class_iv"  # loại IV: yếu
    CLASS_V = "class_v"  # loại V: rất yếu


class BloodGroup(StrEnum):
    A = "A"
    B = "B"
    AB = "AB"
    O = "O"  # noqa: E741  # the blood group's own name


VIETNAMESE: dict[str, dict[str, str]] = {
    "FamilyRelation": {
        "father": "Bố đẻ",
        "mother": "Mẹ đẻ",
        "spouse": "Vợ/Chồng",
        "child": "Con",
        "sibling": "Anh chị em ruột",
        "father_in_law": "Bố vợ/Bố chồng",
        "mother_in_law": "Mẹ vợ/Mẹ chồng",
    },
    "TrainingKind": {
        "degree": "Chuyên môn",
        "political_theory": "Lý luận chính trị",
        "state_management": "Quản lý nhà nước",
        "defence_security": "Quốc phòng - an ninh",
        "foreign_language": "Ngoại ngữ",
        "information_technology": "Tin học",
        "refresher": "Bồi dưỡng",
    },
    "DisciplineKind": {
        "reprimand": "Khiển trách",
        "warning": "Cảnh cáo",
        "salary_demotion": "Hạ bậc lương",
        "demotion": "Giáng chức",
        "removal": "Cách chức",
        "dismissal": "Buộc thôi việc",
    },
    "AllowanceKind": {
        "position": "Phụ cấp chức vụ",
        "beyond_frame": "Phụ cấp thâm niên vượt khung",
        "seniority": "Phụ cấp thâm niên nghề",
        "responsibility": "Phụ cấp trách nhiệm",
        "regional": "Phụ cấp khu vực",
        "other": "Phụ cấp khác",
    },
    "HealthStatus": {
        "class_i": "Loại I (rất khỏe)",
        "class_ii": "Loại II (khỏe)",
        "class_iii": "Loại III (trung bình)",
        "class_iv": "Loại IV (yếu)",
        "class_v": "Loại V (rất yếu)",
    },
    "BloodGroup": {"A": "A", "B": "B", "AB": "AB", "O": "O"},
}
"""What the CV prints for each value, per list."""

CODE_LISTS: dict[str, type[StrEnum]] = {
    enum.__name__: enum
    for enum in (
        FamilyRelation,
        TrainingKind,
        DisciplineKind,
        AllowanceKind,
        HealthStatus,
        BloodGroup,
    )
}
