"""GraphQL enums, one per closed value set of the store (store/vocabulary.py)."""

from __future__ import annotations

import strawberry

from store import vocabulary

OrganizationLevel = strawberry.enum(vocabulary.OrgLevel, name="OrganizationLevel")
OrganizationStatus = strawberry.enum(vocabulary.OrgStatus, name="OrganizationStatus")
PersonnelCategory = strawberry.enum(
    vocabulary.PersonnelCategory,
    name="PersonnelCategory",
    description="cán bộ (CADRE), công chức (CIVIL_SERVANT), viên chức (PUBLIC_EMPLOYEE), "
    "người lao động (CONTRACT_WORKER)",
)
PersonStatus = strawberry.enum(vocabulary.PersonStatus, name="PersonStatus")
Gender = strawberry.enum(vocabulary.Gender, name="Gender")
ProfessionalLevel = strawberry.enum(vocabulary.ProfessionalLevel, name="ProfessionalLevel")
PoliticalTheory = strawberry.enum(vocabulary.PoliticalTheory, name="PoliticalTheory")
StateManagement = strawberry.enum(vocabulary.StateManagement, name="StateManagement")
PerformanceRating = strawberry.enum(vocabulary.PerformanceRating, name="PerformanceRating")
