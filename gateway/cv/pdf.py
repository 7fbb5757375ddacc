"""The CV as a PDF a person can read: fpdf2 with the DejaVu Sans font shipped beside this file.

fpdf2 embeds a subset of the TrueType font, so every Vietnamese letter (ă, ơ, ư, đ and the five
tones stacked on them) prints and extracts as text; nothing is fetched at run time. The font's
licence (Bitstream Vera, DejaVu changes public domain) is fonts/LICENSE.txt.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from resolvers.curriculum_vitae import CurriculumVitae

FONTS = Path(__file__).with_name("fonts")
FAMILY = "DejaVu"


def _document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title("Sơ yếu lý lịch điện tử")
    pdf.set_creator("cbccvc-gateway")
    pdf.add_page()
    return pdf


def _line(
    pdf: FPDF, text: str, *, size: float = 10, bold: bool = False, height: float = 5.5
) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_pdf(cv: CurriculumVitae) -> bytes:
    pdf = _document()
    _line(pdf, "SƠ YẾU LÝ LỊCH / CURRICULUM VITAE", size=15, bold=True, height=9)
    _line(pdf, cv.form, size=8)
    for number, section in enumerate(cv.sections, start=1):
        pdf.ln(2)
        _line(
            pdf, f"{number}. {section.title.vi} / {section.title.en}", size=12, bold=True, height=7
        )
        for line in section.lines:
            _line(pdf, f"{line.label.vi}: {line.value}")
        for table in section.tables:
            if not table.rows:
                _line(pdf, "— Không có / none", size=9)
                continue
            pdf.set_font(FAMILY, "", 8)
            with pdf.table(first_row_as_headings=True, line_height=4.5) as grid:
                header = grid.row()
                for column in table.columns:
                    header.cell(column.vi)
                for values in table.rows:
                    cells = grid.row()
                    for value in values:
                        cells.cell(value)
        if section.withheld:
            names = "; ".join(w.vi for w in section.withheld)
            _line(pdf, f"Không hiển thị (không có quyền xem): {names}", size=8)
    return bytes(pdf.output())
