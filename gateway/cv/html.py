"""The CV as one self-contained HTML page: no script, no external asset, every value escaped."""

from __future__ import annotations

from html import escape

from resolvers.curriculum_vitae import CurriculumVitae

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 60em; }
h1 { text-align: center; font-size: 1.4em; } h2 { font-size: 1.1em; border-bottom: 1px solid #999; }
.en { color: #666; font-size: 0.85em; } dl { display: grid; grid-template-columns: 18em 1fr; }
dt { font-weight: bold; } table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
td, th { border: 1px solid #999; padding: 0.2em 0.4em; text-align: left; vertical-align: top; }
.withheld { color: #a00; font-size: 0.9em; }
"""


def _label(vi: str, en: str) -> str:
    return f'{escape(vi)} <span class="en">/ {escape(en)}</span>'


def render_html(cv: CurriculumVitae) -> str:
    parts = [
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">',
        "<title>Sơ yếu lý lịch điện tử / Electronic CV</title>",
        f"<style>{_STYLE}</style></head><body>",
        '<h1>SƠ YẾU LÝ LỊCH <span class="en">/ Curriculum vitae</span></h1>',
        f'<p class="en">{escape(cv.form)}</p>',
    ]
    for number, section in enumerate(cv.sections, start=1):
        parts.append(f"<section><h2>{number}. {_label(section.title.vi, section.title.en)}</h2>")
        if section.lines:
            parts.append("<dl>")
            for line in section.lines:
                parts.append(f"<dt>{_label(line.label.vi, line.label.en)}</dt>")
                parts.append(f"<dd>{escape(line.value)}</dd>")
            parts.append("</dl>")
        for table in section.tables:
            parts.append("<table><tr>")
            parts += [f"<th>{_label(c.vi, c.en)}</th>" for c in table.columns]
            parts.append("</tr>")
            for row in table.rows:
                parts.append("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>")
            if not table.rows:
                parts.append(f'<tr><td colspan="{len(table.columns)}">Không có / none</td></tr>')
            parts.append("</table>")
        if section.withheld:
            names = "; ".join(f"{w.vi} / {w.en}" for w in section.withheld)
            parts.append(
                '<p class="withheld">Không hiển thị (không có quyền xem) / not shown (not '
                f"permitted): {escape(names)}</p>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)
