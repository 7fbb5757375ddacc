"""The electronic CV (sơ yếu lý lịch điện tử), assembled from the dossier as the caller may see it.

The sections follow the standard CV form (mẫu 2C, MOHA; STANDARD.md, unverified) and the field
catalogue's `cv` keys; every label is the catalogue's, Vietnamese first with English beside. A
field the caller may not see is never printed: its label goes into the section's `withheld`
list, its value nowhere (printing never bypasses policy). `assemble` is pure; `load` gathers
the person's organisation and lists for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from resolvers.access import PersonMasks
from resolvers.context import Context
from store.dossier_vocabulary import VIETNAMESE as LIST_NAMES
from vocabulary.dossier_catalogue import CatalogueSection, Label, dossier_catalogue

FORM = "Mẫu 2C (sơ yếu lý lịch cán bộ, công chức)"

PERSON_VALUES: dict[str, dict[str, str]] = {
    "Gender": {"male": "Nam", "female": "Nữ"},
    "PersonnelCategory": {
        "cadre": "Cán bộ",
        "civil_servant": "Công chức",
        "public_employee": "Viên chức",
        "contract_worker": "Người lao động",
    },
    "PersonStatus": {
        "active": "Đang công tác",
        "retired": "Nghỉ hưu",
        "transferred": "Chuyển công tác",
        "resigned": "Thôi việc",
        "dismissed": "Buộc thôi việc",
        "deceased": "Từ trần",
    },
    "ProfessionalLevel": {
        "doctorate": "Tiến sĩ",
        "master": "Thạc sĩ",
        "bachelor": "Đại học",
        "college": "Cao đẳng",
        "intermediate": "Trung cấp",
        "none": "Không",
    },
    "PoliticalTheory": {
        "advanced": "Cao cấp",
        "intermediate": "Trung cấp",
        "elementary": "Sơ cấp",
        "none": "Không",
    },
    "StateManagement": {
        "senior_specialist": "Chuyên viên cao cấp",
        "principal_specialist": "Chuyên viên chính",
        "specialist": "Chuyên viên",
        "none": "Không",
    },
    "PerformanceRating": {
        "excellent": "Hoàn thành xuất sắc nhiệm vụ",
        "good": "Hoàn thành tốt nhiệm vụ",
        "completed": "Hoàn thành nhiệm vụ",
        "not_completed": "Không hoàn thành nhiệm vụ",
    },
}
"""What the CV prints for the person row's closed values."""


@dataclass(frozen=True)
class CvLine:
    label: Label
    value: str


@dataclass(frozen=True)
class CvTable:
    columns: tuple[Label, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class CvSection:
    key: str
    title: Label
    lines: list[CvLine] = field(default_factory=list)
    tables: list[CvTable] = field(default_factory=list)
    withheld: list[Label] = field(default_factory=list)
    """Fields of this section the caller may not see: named, never shown."""

    @property
    def empty(self) -> bool:
        return not (self.lines or self.tables or self.withheld)


@dataclass(frozen=True)
class CurriculumVitae:
    form: str
    sections: tuple[CvSection, ...]
    shown: frozenset[str]
    """`Type.field` of every catalogue field printed: what the audit records."""

    def text(self) -> str:
        """Every printed label and value, one per line: what a reader of the CV sees."""
        out = []
        for section in self.sections:
            out.append(section.title.vi)
            out += [f"{line.label.vi}: {line.value}" for line in section.lines]
            for table in section.tables:
                out += [" | ".join(row) for row in table.rows]
        return "\n".join(out)


def show(value: Any, code_list: str | None = None) -> str:
    """A value as the CV prints it: dates dd/mm/yyyy, codes by their Vietnamese name."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value:,.0f}".replace(",", ".") if value >= 1000 else f"{value:.2f}"
    names = PERSON_VALUES.get(code_list or "") or LIST_NAMES.get(code_list or "") or {}
    return names.get(str(value), str(value))


@dataclass(frozen=True)
class PersonFacts:
    """The person row with its references resolved to names (what `load` looks up)."""

    row: Row[Any]
    names: Mapping[str, str]
    """column -> printable name, for reference columns (organisation, grade, ethnicity...)."""


def _person_value(facts: PersonFacts, column: str, code_list: str | None) -> str:
    if column in facts.names:
        return facts.names[column]
    return show(getattr(facts.row, column), code_list)


def assemble(
    facts: PersonFacts, masks: PersonMasks, lists: Mapping[str, Sequence[Row[Any]]]
) -> CurriculumVitae:
    """The CV of one person, holding exactly what `masks` lets this caller see."""
    catalogue = dossier_catalogue()
    sections = {key: CvSection(key, label) for key, label in catalogue.cv_sections.items()}
    shown: set[str] = set()
    hidden_person = masks.of("Person")
    for section in catalogue.sections:
        if section.person_field is None:
            hidden = masks.of(section.graphql_type)
            for f in section.fields:
                target = sections[f.cv_section]
                blocked = f.graphql in hidden or (
                    section.graphql_type != "Person" and _lead_hidden(section, hidden_person)
                )
                if blocked:
                    target.withheld.append(f.label)
                    continue
                value = _person_value(facts, f.column, f.code_list)
                if value:
                    target.lines.append(CvLine(f.label, value))
                shown.add(f"{section.graphql_type}.{f.graphql}")
            continue
        assert section.label is not None
        target = sections[section.fields[0].cv_section]
        if section.person_field in hidden_person:
            target.withheld.append(section.label)
            continue
        rows = lists.get(section.table, ())
        target.tables.append(
            CvTable(
                columns=tuple(f.label for f in section.fields),
                rows=tuple(
                    tuple(show(getattr(row, f.column), f.code_list) for f in section.fields)
                    for row in rows
                ),
            )
        )
        shown.add(f"Person.{section.person_field}")
    return CurriculumVitae(
        form=FORM,
        sections=tuple(s for s in sections.values() if not s.empty),
        shown=frozenset(shown),
    )


_OBJECT_FIELDS = {"Education": "education", "Salary": "salary", "Performance": "performance"}
_OBJECT_FIELDS |= {"Membership": "membership"}


def _lead_hidden(section: CatalogueSection, hidden_person: frozenset[str]) -> bool:
    """Whether the Person field leading to an object type (education, salary...) is hidden."""
    return _OBJECT_FIELDS[section.graphql_type] in hidden_person


async def load(context: Context, row: Row[Any], masks: PersonMasks) -> CurriculumVitae:
    """Look up what the CV names (organisation, code lists, the lists) and assemble it."""
    reference = context.reference
    names: dict[str, str] = {}
    organization = await context.loaders.organization_by_id.load(row.organization_id)
    if organization is not None:
        names["organization_id"] = organization.name
    for column, table in (
        ("ethnicity_code", reference.ethnic_groups),
        ("religion_code", reference.religions),
        ("position_code", reference.positions),
        ("grade_code", reference.grades),
        ("salary_scale_code", reference.scales),
    ):
        code = getattr(row, column)
        entry = None if code is None else table.get(code)
        if entry is not None:
            names[column] = f"{entry.name} ({entry.code})"
    hidden = masks.of("Person")
    wanted = [s for s in dossier_catalogue().lists if s.person_field not in hidden]
    loaded = await asyncio.gather(*(context.dossier.rows(s.table).load(row.id) for s in wanted))
    lists = {s.table: rows for s, rows in zip(wanted, loaded, strict=True)}
    return assemble(PersonFacts(row, names), masks, lists)
