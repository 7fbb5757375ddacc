"""The closed value sets of the Ministry store.

Stored as text with CHECK constraints (not PostgreSQL enum types) so that adding a value is a
one-line migration; the GraphQL enums of schema/ are generated from these.
"""

from __future__ import annotations

from enum import StrEnum


class OrgLevel(StrEnum):
    CENTRAL = "central"
    MINISTRY = "ministry"
    PROVINCE = "province"
    COMMUNE = "commune"
    UNIT = "unit"


class OrgStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    DISSOLVED = "dissolved"


class PersonnelCategory(StrEnum):
    CADRE = "cadre"  # cán bộ
    CIVIL_SERVANT = "civil_servant"  # công chức
    PUBLIC_EMPLOYEE = "public_employee"  # viên chức
    CONTRACT_WORKER = "contract_worker"  # người lao động


class PersonStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    TRANSFERRED = "transferred"
    RESIGNED = "resigned"
    DISMISSED = "dismissed"
    DECEASED = "deceased"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class ProfessionalLevel(StrEnum):
    DOCTORATE = "doctorate"
    MASTER = "master"
    BACHELOR = "bachelor"
    COLLEGE = "college"
    INTERMEDIATE = "intermediate"
    NONE = "none"


class PoliticalTheory(StrEnum):
    ADVANCED = "advanced"
    INTERMEDIATE = "intermediate"
    ELEMENTARY = "elementary"
    NONE = "none"


class StateManagement(StrEnum):
    SENIOR_SPECIALIST = "senior_specialist"  # chuyên viên cao cấp
    PRINCIPAL_SPECIALIST = "principal_specialist"  # chuyên viên chính
    SPECIALIST = "specialist"  # chuyên viên
    NONE = "none"


class PerformanceRating(StrEnum):
    EXCELLENT = "excellent"  # hoàn thành xuất sắc nhiệm vụ
    GOOD = "good"  # hoàn thành tốt nhiệm vụ
    COMPLETED = "completed"  # hoàn thành nhiệm vụ
    NOT_COMPLETED = "not_completed"  # không hoàn thành nhiệm vụ


def check_in(column: str, values: type[StrEnum]) -> str:
    """The text of a CHECK constraint limiting `column` to the enum's values."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({allowed})"
