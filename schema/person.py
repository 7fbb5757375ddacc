"""Person: the integrated national record of one cadre, civil servant or public employee.

Every field but `id` is nullable, so that a field the caller may not see (authorisation) nulls
that field alone and never a whole page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row

from resolvers import curriculum_vitae, global_id, live
from resolvers import people as people_resolvers
from resolvers.access import PersonMasks
from resolvers.context import Context
from resolvers.pagination import Page
from schema import dossier
from schema.codes import CodeEntry, Grade, Position, Salary, SalaryScale
from schema.connection import Connection, PageInfo, edges_of
from schema.curriculum_vitae import CurriculumVitae
from schema.enums import (
    CATEGORIES,
    GENDERS,
    PERSON_STATUSES,
    Gender,
    PerformanceRating,
    PersonnelCategory,
    PersonStatus,
    PoliticalTheory,
    ProfessionalLevel,
    StateManagement,
)
from schema.live import (
    DisciplineEntry,
    EvaluationEntry,
    FamilyMember,
    IdentityCheck,
    RewardEntry,
    SalaryHistoryEntry,
    SocialInsurance,
    TrainingEntry,
    WorkHistoryEntry,
)
from schema.node import Node
from store.queries.people import PeopleFilter
from vocabulary.sources import DetailPart

if TYPE_CHECKING:
    from schema.organization import Organization

Info = strawberry.Info[Context, None]
OrganizationRef = Annotated["Organization", strawberry.lazy("schema.organization")]


@strawberry.type(description="Data group 5: education and training.")
class Education:
    general_education: str | None
    professional_level: ProfessionalLevel | None
    field_of_study: str | None
    political_theory: PoliticalTheory | None
    state_management: StateManagement | None
    foreign_language: str | None
    it_skill: str | None
    masked_fields: strawberry.Private[frozenset[str]] = frozenset()


@strawberry.type(description="The latest annual performance rating (data group 6).")
class Performance:
    rating: PerformanceRating
    year: int
    masked_fields: strawberry.Private[frozenset[str]] = frozenset()


@strawberry.type(description="Data group 7: party and socio-political organisations.")
class Membership:
    party_joined_on: date | None
    party_official_on: date | None
    trade_union_joined_on: date | None
    youth_union_joined_on: date | None
    masked_fields: strawberry.Private[frozenset[str]] = frozenset()


@strawberry.type(description="A Merkle inclusion proof: the leaf's place and its path to the root.")
class InclusionProof:
    index: int
    size: int
    siblings: list[str] = strawberry.field(description="Sibling hashes (hex), bottom first.")
    sides: str = strawberry.field(description="'L' where the sibling is on the left.")


@strawberry.type(
    description="Whether the store's current version of the record is covered by its agency's "
    "signed monthly approval (TT 06/2023): the manifest and the proof verify offline with the "
    "agency's JWKS."
)
class Approval:
    covered: bool
    record_digest: str
    period: str | None
    merkle_root: str | None
    manifest: str | None = strawberry.field(description="The signed manifest (compact JWS).")
    proof: InclusionProof | None


@strawberry.type(description="Where the store's current version of this record came from.")
class Provenance:
    source: str
    source_record_id: str
    version: str
    content_hash: str
    synced_at: datetime
    masked_fields: strawberry.Private[frozenset[str]] = frozenset()

    @strawberry.field(
        description="The self-declarations (tự kê khai) whose approved change the agency applied "
        "in this version of the record, by id (myDeclarations names them); empty when none."
    )
    async def declarations(self, info: Info) -> list[strawberry.ID]:
        key = (self.source, self.source_record_id, self.version)
        return [strawberry.ID(d) for d in await info.context.loaders.declarations_applied.load(key)]

    @strawberry.field(description="Approval by the agency; null when no digest is recorded yet.")
    async def approval(self, info: Info) -> Approval | None:
        coverage = await info.context.loaders.approvals.load((self.source, self.source_record_id))
        if coverage is None:
            return None
        proof = coverage.proof
        return Approval(
            covered=coverage.covered,
            record_digest=coverage.digest,
            period=coverage.period,
            merkle_root=coverage.root,
            manifest=coverage.manifest_token,
            proof=None
            if proof is None
            else InclusionProof(
                index=proof.index,
                size=proof.size,
                siblings=list(proof.siblings),
                sides="".join(proof.sides),
            ),
        )


@strawberry.type(description="A cadre, civil servant or public employee.")
class Person(Node):
    full_name: str | None
    family_name: str | None
    middle_name: str | None
    given_name: str | None
    other_names: str | None
    gender: Gender | None
    birth_date: date | None
    birth_place: str | None
    home_town: str | None
    permanent_address: str | None
    current_address: str | None
    personal_id: str | None = strawberry.field(
        description="The 12-digit personal ID (số định danh cá nhân): personal data."
    )
    category: PersonnelCategory | None
    status: PersonStatus | None
    status_since: date | None
    recruited_on: date | None
    job_position: str | None = strawberry.field(description="Vị trí việc làm.")
    position_since: date | None
    row: strawberry.Private[Row[Any]]
    masks: strawberry.Private[PersonMasks]
    masked_fields: strawberry.Private[frozenset[str]]

    @classmethod
    def from_row(cls, row: Row[Any], context: Context) -> Person:
        """The person as this caller may see them: masked fields are None and listed."""
        masks = context.access.person_masks(row.id, row.personal_id, row.organization_id)
        masked = masks.of("Person")

        def shown(name: str, value: Any) -> Any:
            return None if name in masked else value

        return cls(
            id=strawberry.ID(global_id.encode("Person", row.id)),
            full_name=shown("fullName", row.full_name),
            family_name=shown("familyName", row.family_name),
            middle_name=shown("middleName", row.middle_name),
            given_name=shown("givenName", row.given_name),
            other_names=shown("otherNames", row.other_names),
            gender=shown("gender", GENDERS[row.gender]),
            birth_date=shown("birthDate", row.birth_date),
            birth_place=shown("birthPlace", row.birth_place),
            home_town=shown("homeTown", row.home_town),
            permanent_address=shown("permanentAddress", row.permanent_address),
            current_address=shown("currentAddress", row.current_address),
            personal_id=shown("personalId", row.personal_id),
            category=shown("category", CATEGORIES[row.category]),
            status=shown("status", PERSON_STATUSES[row.status]),
            status_since=shown("statusSince", row.status_since),
            recruited_on=shown("recruitedOn", row.recruited_on),
            job_position=shown("jobPosition", row.job_position),
            position_since=shown("positionSince", row.position_since),
            row=row,
            masks=masks,
            masked_fields=masked,
        )

    @strawberry.field
    def ethnicity(self, info: Info) -> CodeEntry | None:
        return CodeEntry.of(info.context.reference.ethnic_groups.get(self.row.ethnicity_code))

    @strawberry.field
    def religion(self, info: Info) -> CodeEntry | None:
        return CodeEntry.of(info.context.reference.religions.get(self.row.religion_code))

    @strawberry.field(description="The organisation that employs this person.")
    def organization(self, info: Info) -> OrganizationRef | None:
        from schema.organization import Organization

        context = info.context
        row = context.organizations.get(self.row.organization_id)
        if row is not None:  # fetched with the page: no coroutine per row
            return Organization.from_row(row, context)
        return self._load_organization(context)  # type: ignore[return-value]  # awaited by graphql-core

    async def _load_organization(self, context: Context) -> OrganizationRef | None:
        from schema.organization import Organization

        row = await context.loaders.organization_by_id.load(self.row.organization_id)
        return None if row is None else Organization.from_row(row, context)

    @strawberry.field(description="Post or title (chức vụ), if any.")
    def position(self, info: Info) -> Position | None:
        code = self.row.position_code
        masked = self.masks.through("Person", "position")
        return (
            None
            if code is None
            else Position.of(info.context.reference.positions.get(code), masked)
        )

    @strawberry.field(description="Grade (ngạch) or professional title (chức danh).")
    def grade(self, info: Info) -> Grade | None:
        code = self.row.grade_code
        reference = info.context.reference
        masked = self.masks.through("Person", "grade")
        return None if code is None else Grade.of(reference.grades.get(code), reference, masked)

    @strawberry.field
    def salary(self, info: Info) -> Salary | None:
        row = self.row
        if row.salary_scale_code is None and row.salary_coefficient is None:
            return None
        return Salary(
            masked_fields=self.masks.of("Salary"),
            scale=SalaryScale.of(info.context.reference.scales.get(row.salary_scale_code)),
            step=row.salary_step,
            coefficient=row.salary_coefficient,
            since=row.salary_since,
        )

    @strawberry.field
    def education(self) -> Education | None:
        row = self.row
        return Education(
            masked_fields=self.masks.of("Education"),
            general_education=row.general_education,
            professional_level=ProfessionalLevel(row.professional_level),
            field_of_study=row.field_of_study,
            political_theory=PoliticalTheory(row.political_theory),
            state_management=StateManagement(row.state_management),
            foreign_language=row.foreign_language,
            it_skill=row.it_skill,
        )

    @strawberry.field
    def performance(self) -> Performance | None:
        if self.row.performance_rating is None:
            return None
        return Performance(
            masked_fields=self.masks.of("Performance"),
            rating=PerformanceRating(self.row.performance_rating),
            year=self.row.performance_year,
        )

    @strawberry.field
    def membership(self) -> Membership | None:
        row = self.row
        return Membership(
            masked_fields=self.masks.of("Membership"),
            party_joined_on=row.party_joined_on,
            party_official_on=row.party_official_on,
            trade_union_joined_on=row.trade_union_joined_on,
            youth_union_joined_on=row.youth_union_joined_on,
        )

    @strawberry.field
    def provenance(self) -> Provenance | None:
        row = self.row
        return Provenance(
            masked_fields=self.masks.of("Provenance"),
            source=row.source_id,
            source_record_id=row.source_record_id,
            version=row.source_version,
            content_hash=row.content_hash,
            synced_at=row.synced_at,
        )

    # --- the dossier's lists, from the national store (schema/dossier.py) ---
    family_members = dossier.list_field(*dossier.DOSSIER_LISTS["familyMembers"])
    personal_history = dossier.list_field(*dossier.DOSSIER_LISTS["personalHistory"])
    training_courses = dossier.list_field(*dossier.DOSSIER_LISTS["trainingCourses"])
    reward_records = dossier.list_field(*dossier.DOSSIER_LISTS["rewardRecords"])
    discipline_records = dossier.list_field(*dossier.DOSSIER_LISTS["disciplineRecords"])
    allowances = dossier.list_field(*dossier.DOSSIER_LISTS["allowances"])
    annual_ratings = dossier.list_field(*dossier.DOSSIER_LISTS["annualRatings"])
    military_service = dossier.list_field(*dossier.DOSSIER_LISTS["militaryService"])
    asset_declarations = dossier.list_field(*dossier.DOSSIER_LISTS["assetDeclarations"])
    health_records = dossier.list_field(*dossier.DOSSIER_LISTS["healthRecords"])

    @strawberry.field(
        description="Sơ yếu lý lịch điện tử, lập từ hồ sơ / the electronic CV, assembled from the "
        "dossier with only what the caller may see (also GET /persons/{id}/cv.html and cv.pdf)."
    )
    async def curriculum_vitae(self, info: Info) -> CurriculumVitae | None:
        built = await curriculum_vitae.load(info.context, self.row, self.masks)
        return CurriculumVitae.of(built)

    # --- live, from the owning agency and the national databases (resolvers/live.py) ---

    async def _detail(self, info: Info, part: DetailPart) -> list[Mapping[str, Any]]:
        detail = await live.load(
            info.context.live.details, self.row.source_id, self.row.personal_id
        )
        return [] if detail is None else list(detail.parts.get(part, ()))

    @strawberry.field(description="Posts held, from the owning agency.")
    async def work_history(self, info: Info) -> list[WorkHistoryEntry] | None:
        entries = await self._detail(info, DetailPart.WORK_HISTORY)
        return [WorkHistoryEntry.of(e) for e in entries]

    @strawberry.field(description="Salary decisions, from the owning agency.")
    async def salary_history(self, info: Info) -> list[SalaryHistoryEntry] | None:
        entries = await self._detail(info, DetailPart.SALARY_HISTORY)
        return [SalaryHistoryEntry.of(e) for e in entries]

    @strawberry.field(description="Courses and degrees, from the owning agency.")
    async def trainings(self, info: Info) -> list[TrainingEntry] | None:
        return [TrainingEntry.of(e) for e in await self._detail(info, DetailPart.TRAININGS)]

    @strawberry.field(description="Rewards, from the owning agency.")
    async def rewards(self, info: Info) -> list[RewardEntry] | None:
        return [RewardEntry.of(e) for e in await self._detail(info, DetailPart.REWARDS)]

    @strawberry.field(description="Disciplinary measures, from the owning agency.")
    async def disciplines(self, info: Info) -> list[DisciplineEntry] | None:
        return [DisciplineEntry.of(e) for e in await self._detail(info, DetailPart.DISCIPLINES)]

    @strawberry.field(description="Annual ratings, from the owning agency.")
    async def evaluations(self, info: Info) -> list[EvaluationEntry] | None:
        return [EvaluationEntry.of(e) for e in await self._detail(info, DetailPart.EVALUATIONS)]

    @strawberry.field(
        description="Family relations, fresh from the owning agency (live); the store's copy is "
        "`familyMembers`."
    )
    async def family(self, info: Info) -> list[FamilyMember] | None:
        return [FamilyMember.of(e) for e in await self._detail(info, DetailPart.FAMILY)]

    @strawberry.field(description="Name, birth date and gender against the population database.")
    async def identity_check(self, info: Info) -> IdentityCheck | None:
        loaders = info.context.live
        record = await live.load(loaders.identities, loaders.population_id(), self.row.personal_id)
        return IdentityCheck.of(self.row, record)

    @strawberry.field(description="From the social insurance database.")
    async def social_insurance(self, info: Info) -> SocialInsurance | None:
        loaders = info.context.live
        record = await live.load(loaders.insurance, loaders.insurance_id(), self.row.personal_id)
        return None if record is None else SocialInsurance.of(record)


@strawberry.type
class PersonConnection(Connection[Person]):
    people: strawberry.Private[PeopleFilter]

    @classmethod
    def of(cls, page: Page[Row[Any]], people: PeopleFilter, context: Context) -> PersonConnection:
        return cls(
            edges=edges_of(page, lambda row: Person.from_row(row, context)),
            page_info=PageInfo.of(page),
            people=people,
        )

    @strawberry.field(description="How many people match the filter (costs one count).")
    async def total_count(self, info: Info) -> int:
        return await people_resolvers.count(info.context, self.people)


@strawberry.input(description="Narrows the directory; every field given must match.")
class PersonFilter:
    organization: str | None = strawberry.field(
        default=None, description="Electronic code of an organisation."
    )
    include_subtree: bool = strawberry.field(
        default=True, description="With `organization`: also everyone in its subtree."
    )
    name: str | None = strawberry.field(
        default=None,
        description="Words of the name, matched as prefixes, ignoring diacritics and case: "
        "'nguyen van a' finds Nguyễn Văn An.",
    )
    categories: list[PersonnelCategory] | None = None
    grades: list[str] | None = strawberry.field(default=None, description="Grade codes.")
    statuses: list[PersonStatus] | None = None

    def to_query(self) -> people_resolvers.PeopleQuery:
        def values(items: list[Any] | None) -> tuple[str, ...] | None:
            return None if items is None else tuple(str(getattr(i, "value", i)) for i in items)

        return people_resolvers.PeopleQuery(
            organization_code=self.organization,
            include_subtree=self.include_subtree,
            name=self.name,
            categories=values(self.categories),
            grade_codes=values(self.grades),
            statuses=values(self.statuses),
        )
