"""GraphQL enums: the store's closed value sets (store/vocabulary.py), registered with names.

strawberry.enum marks the class itself, so the store's enums serve as the schema's types.
"""

from __future__ import annotations

import strawberry

from store import vocabulary

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
