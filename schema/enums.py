"""GraphQL enums: the store's closed value sets (store/vocabulary.py), registered with names.

strawberry.enum marks the class itself, so the store's enums serve as the schema's types.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

import strawberry

from store import vocabulary

E = TypeVar("E", bound=StrEnum)

strawberry.enum(vocabulary.OrgLevel, name="OrganizationLevel")
strawberry.enum(vocabulary.OrgStatus, name="OrganizationStatus")
strawberry.enum(
    vocabulary.PersonnelCategory,
    description="cán bộ (CADRE), công chức (CIVIL_SERVANT), viên chức (PUBLIC_EMPLOYEE), "
    "người lao động (CONTRACT_WORKER)",
)
strawberry.enum(vocabulary.PersonStatus)
strawberry.enum(vocabulary.Gender)
strawberry.enum(vocabulary.ProfessionalLevel)
strawberry.enum(vocabulary.PoliticalTheory)
strawberry.enum(vocabulary.StateManagement)
strawberry.enum(vocabulary.PerformanceRating)

OrganizationLevel = vocabulary.OrgLevel
OrganizationStatus = vocabulary.OrgStatus
PersonnelCategory = vocabulary.PersonnelCategory
PersonStatus = vocabulary.PersonStatus
Gender = vocabulary.Gender
ProfessionalLevel = vocabulary.ProfessionalLevel
PoliticalTheory = vocabulary.PoliticalTheory
StateManagement = vocabulary.StateManagement
PerformanceRating = vocabulary.PerformanceRating


def members(enum: type[E]) -> dict[str, E]:
    """value -> member: a dict lookup is several times cheaper than calling the enum class, and
    rows turn into objects by the thousand per request."""
    return {member.value: member for member in enum}


GENDERS = members(Gender)
CATEGORIES = members(PersonnelCategory)
PERSON_STATUSES = members(PersonStatus)
LEVELS = members(OrganizationLevel)
ORGANIZATION_STATUSES = members(OrganizationStatus)
