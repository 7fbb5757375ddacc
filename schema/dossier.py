"""The dossier's lists as GraphQL types: one record type and one connection per list.

The rows are the national store's (store/models_dossier.py), each with its provenance. What a
caller sees of a list is decided by the Person field that leads to it (policies/dossier.yaml),
so these types hold public fields only. Field descriptions are the field catalogue's labels,
Vietnamese first and English beside (vocabulary/data/dossier_fields.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

import strawberry
from sqlalchemy import Row

from resolvers.context import Context
from resolvers.dossier import page_of
from schema.connection import Connection, connection_of
from store import dossier_vocabulary as codes
from store.vocabulary import PerformanceRating
from vocabulary.dossier_catalogue import dossier_catalogue

T = TypeVar("T")

strawberry.enum(codes.FamilyRelation, description="Quan hệ gia đình / family relation")
strawberry.enum(codes.TrainingKind, description="Loại đào tạo, bồi dưỡng / kind of training")
strawberry.enum(codes.DisciplineKind, description="Hình thức kỷ luật / disciplinary measure")
strawberry.enum(codes.AllowanceKind, description="Loại phụ cấp / kind of allowance")
strawberry.enum(codes.HealthStatus, description="Phân loại sức khỏe / health class")
strawberry.enum(codes.BloodGroup, description="Nhóm máu / blood group")


def _doc(table: str, column: str) -> str:
    label = dossier_catalogue().list_of(table).field(column).label
    return f"{label.vi} / {label.en}"


def list_description(table: str) -> str:
    """What the Person field of a list says: the catalogue's label, and where rows come from."""
    label = dossier_catalogue().list_of(table).label
    assert label is not None
    return (
        f"{label.vi} (kho dữ liệu quốc gia, mỗi dòng có nguồn gốc) / {label.en} "
        "(from the national store, each row with its provenance)."
    )


def entry_of(record: type[T], row: Row[Any]) -> T:
    """A dossier entry from its store row: every field read by its own name (the store's column
    has the field's name), a coded one as its enum, and the row's provenance."""
    values: dict[str, Any] = {"provenance": DossierProvenance.of(row)}
    for field in record.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if field.python_name == "provenance":
            continue
        value = getattr(row, field.python_name)
        enum = _enum_class(field.type)
        values[field.python_name] = enum(value) if enum is not None and value is not None else value
    return record(**values)


def _enum_class(field_type: Any) -> type[StrEnum] | None:
    """The Python enum behind a field's strawberry type (optional or not), if it is one."""
    inner = getattr(field_type, "of_type", field_type)
    enum = getattr(inner, "wrapped_cls", None)
    return enum if isinstance(enum, type) and issubclass(enum, StrEnum) else None


@strawberry.type(description="Nguồn gốc của dòng / where the store's copy of this row came from.")
class DossierProvenance:
    source: str = strawberry.field(description="Nguồn / source (VN:GOV:<agency>:<subsystem>)")
    source_record_id: str = strawberry.field(description="Mã bản ghi tại nguồn / record id there")
    version: str = strawberry.field(description="Phiên bản / the source's version of the row")
    synced_at: datetime = strawberry.field(description="Đồng bộ lúc / synchronised at")

    @classmethod
    def of(cls, row: Row[Any]) -> DossierProvenance:
        return cls(
            source=row.source_id,
            source_record_id=row.source_record_id,
            version=row.source_version,
            synced_at=row.synced_at,
        )


_F = "dossier_family_member"


@strawberry.type(description="Một người trong quan hệ gia đình / a family member (group 2).")
class DossierFamilyMember:
    relation: codes.FamilyRelation = strawberry.field(description=_doc(_F, "relation"))
    full_name: str = strawberry.field(description=_doc(_F, "full_name"))
    birth_year: int = strawberry.field(description=_doc(_F, "birth_year"))
    occupation: str | None = strawberry.field(description=_doc(_F, "occupation"))
    workplace: str | None = strawberry.field(description=_doc(_F, "workplace"))
    residence: str | None = strawberry.field(description=_doc(_F, "residence"))
    provenance: DossierProvenance


_H = "dossier_history_period"


@strawberry.type(description="Một thời kỳ của lịch sử bản thân / a personal-history period.")
class DossierHistoryPeriod:
    start_on: date = strawberry.field(description=_doc(_H, "start_on"))
    end_on: date | None = strawberry.field(description=_doc(_H, "end_on"))
    activity: str = strawberry.field(description=_doc(_H, "activity"))
    place: str | None = strawberry.field(description=_doc(_H, "place"))
    provenance: DossierProvenance


_T = "dossier_training_course"


@strawberry.type(description="Khóa đào tạo, bồi dưỡng, chứng chỉ / a course or certificate.")
class DossierTrainingCourse:
    kind: codes.TrainingKind = strawberry.field(description=_doc(_T, "kind"))
    institution: str = strawberry.field(description=_doc(_T, "institution"))
    field_of_study: str | None = strawberry.field(description=_doc(_T, "field_of_study"))
    qualification: str | None = strawberry.field(description=_doc(_T, "qualification"))
    start_on: date = strawberry.field(description=_doc(_T, "start_on"))
    end_on: date | None = strawberry.field(description=_doc(_T, "end_on"))
    provenance: DossierProvenance


_R = "dossier_reward"


@strawberry.type(description="Khen thưởng / a reward.")
class DossierReward:
    decided_on: date = strawberry.field(description=_doc(_R, "decided_on"))
    title: str = strawberry.field(description=_doc(_R, "title"))
    decided_by: str = strawberry.field(description=_doc(_R, "decided_by"))
    decision_number: str | None = strawberry.field(description=_doc(_R, "decision_number"))
    provenance: DossierProvenance


_D = "dossier_discipline"


@strawberry.type(description="Kỷ luật / a disciplinary measure.")
class DossierDiscipline:
    decided_on: date = strawberry.field(description=_doc(_D, "decided_on"))
    kind: codes.DisciplineKind = strawberry.field(description=_doc(_D, "kind"))
    reason: str = strawberry.field(description=_doc(_D, "reason"))
    decided_by: str = strawberry.field(description=_doc(_D, "decided_by"))
    expires_on: date | None = strawberry.field(description=_doc(_D, "expires_on"))
    provenance: DossierProvenance


_A = "dossier_allowance"


@strawberry.type(description="Phụ cấp / an allowance: a coefficient or a percentage.")
class DossierAllowance:
    kind: codes.AllowanceKind = strawberry.field(description=_doc(_A, "kind"))
    coefficient: Decimal | None = strawberry.field(description=_doc(_A, "coefficient"))
    percent: int | None = strawberry.field(description=_doc(_A, "percent"))
    start_on: date = strawberry.field(description=_doc(_A, "start_on"))
    end_on: date | None = strawberry.field(description=_doc(_A, "end_on"))
    provenance: DossierProvenance


_N = "dossier_annual_rating"


@strawberry.type(description="Đánh giá, xếp loại một năm / one year's rating.")
class DossierAnnualRating:
    year: int = strawberry.field(description=_doc(_N, "year"))
    rating: PerformanceRating = strawberry.field(description=_doc(_N, "rating"))
    provenance: DossierProvenance


_M = "dossier_military_service"


@strawberry.type(description="Phục vụ trong lực lượng vũ trang / armed-forces service.")
class DossierMilitaryService:
    enlisted_on: date = strawberry.field(description=_doc(_M, "enlisted_on"))
    discharged_on: date | None = strawberry.field(description=_doc(_M, "discharged_on"))
    highest_rank: str = strawberry.field(description=_doc(_M, "highest_rank"))
    unit: str | None = strawberry.field(description=_doc(_M, "unit"))
    provenance: DossierProvenance


_S = "dossier_asset_declaration"


@strawberry.type(description="Bản kê khai tài sản, thu nhập / an asset and income declaration.")
class DossierAssetDeclaration:
    year: int = strawberry.field(description=_doc(_S, "year"))
    annual_income_vnd: Decimal = strawberry.field(description=_doc(_S, "annual_income_vnd"))
    houses: str | None = strawberry.field(description=_doc(_S, "houses"))
    land: str | None = strawberry.field(description=_doc(_S, "land"))
    other_assets: str | None = strawberry.field(description=_doc(_S, "other_assets"))
    provenance: DossierProvenance


_Z = "dossier_health_record"


@strawberry.type(description="Kết quả khám sức khỏe / a health check-up.")
class DossierHealthRecord:
    recorded_on: date = strawberry.field(description=_doc(_Z, "recorded_on"))
    status: codes.HealthStatus = strawberry.field(description=_doc(_Z, "status"))
    height_cm: int | None = strawberry.field(description=_doc(_Z, "height_cm"))
    weight_kg: Decimal | None = strawberry.field(description=_doc(_Z, "weight_kg"))
    blood_group: codes.BloodGroup | None = strawberry.field(description=_doc(_Z, "blood_group"))
    provenance: DossierProvenance


async def list_connection(
    context: Context,
    person_id: int,
    table: str,
    node: Callable[[Row[Any]], T],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[T]:
    """One person's list as a Relay connection (resolvers/dossier.py loads and pages it)."""
    request = context.page_request(first=first, after=after, last=last, before=before)
    rows = await context.dossier.rows(table).load(person_id)
    return connection_of(page_of(rows, request), node)


def list_field(table: str, record: Any) -> Any:
    """A Person field serving one list as a connection: `family_members = list_field(...)`."""

    async def resolve(
        root: Any,
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        return await list_connection(
            info.context,
            root.row.id,
            table,
            partial(entry_of, record),
            first=first,
            after=after,
            last=last,
            before=before,
        )

    # the annotations name the record type of this list, which only the call knows
    resolve.__annotations__ = {
        "root": Any,
        "info": strawberry.Info[Context, None],
        "first": int | None,
        "after": str | None,
        "last": int | None,
        "before": str | None,
        "return": Connection[record] | None,
    }
    return strawberry.field(resolver=resolve, description=list_description(table))


DOSSIER_LISTS: dict[str, tuple[str, Any]] = {
    "familyMembers": ("dossier_family_member", DossierFamilyMember),
    "personalHistory": ("dossier_history_period", DossierHistoryPeriod),
    "trainingCourses": ("dossier_training_course", DossierTrainingCourse),
    "rewardRecords": ("dossier_reward", DossierReward),
    "disciplineRecords": ("dossier_discipline", DossierDiscipline),
    "allowances": ("dossier_allowance", DossierAllowance),
    "annualRatings": ("dossier_annual_rating", DossierAnnualRating),
    "militaryService": ("dossier_military_service", DossierMilitaryService),
    "assetDeclarations": ("dossier_asset_declaration", DossierAssetDeclaration),
    "healthRecords": ("dossier_health_record", DossierHealthRecord),
}
"""Person field -> (table, record type): the lists the catalogue's sections name."""
