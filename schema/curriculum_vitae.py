"""The electronic CV as GraphQL types: sections of labelled lines and tables, as printed.

Built by resolvers/curriculum_vitae.py from what the caller may see; the same assembly renders
`GET /persons/{id}/cv.html` and `cv.pdf` (gateway/cv/), so the three never differ.
"""

from __future__ import annotations

import strawberry

from resolvers import curriculum_vitae as cv


@strawberry.type(description="Một dòng của sơ yếu lý lịch / one labelled line of the CV.")
class CvLine:
    label_vi: str
    label_en: str
    value: str


@strawberry.type(description="Một bảng của sơ yếu lý lịch / one table of the CV (a list).")
class CvTable:
    columns_vi: list[str]
    columns_en: list[str]
    rows: list[list[str]]


@strawberry.type(description="Một mục của sơ yếu lý lịch / one section of the CV form.")
class CvSection:
    key: str
    title_vi: str
    title_en: str
    lines: list[CvLine]
    tables: list[CvTable]
    withheld_vi: list[str] = strawberry.field(
        description="Trường không có quyền xem / fields the caller may not see (named, not shown)."
    )
    withheld_en: list[str]


@strawberry.type(
    description="Sơ yếu lý lịch điện tử / the electronic CV, assembled from the dossier with "
    "only what the caller may see."
)
class CurriculumVitae:
    form: str
    sections: list[CvSection]

    @classmethod
    def of(cls, built: cv.CurriculumVitae) -> CurriculumVitae:
        return cls(
            form=built.form,
            sections=[
                CvSection(
                    key=s.key,
                    title_vi=s.title.vi,
                    title_en=s.title.en,
                    lines=[
                        CvLine(label_vi=x.label.vi, label_en=x.label.en, value=x.value)
                        for x in s.lines
                    ],
                    tables=[
                        CvTable(
                            columns_vi=[c.vi for c in t.columns],
                            columns_en=[c.en for c in t.columns],
                            rows=[list(r) for r in t.rows],
                        )
                        for t in s.tables
                    ],
                    withheld_vi=[w.vi for w in s.withheld],
                    withheld_en=[w.en for w in s.withheld],
                )
                for s in built.sections
            ],
        )
