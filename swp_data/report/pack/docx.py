"""The strategic assessment annex as Word (python-docx), so analysts can write
the narrative around it: levels and patterns by priority over three years,
changes since the previous year with significance, ward and Impact Area
profiles, deprivation context (IMD 2019 and 2025), what residents say, data
quality, sources and methods. Every page's header carries the data status
(DEMO DATA in red when any figure is demo) and its footer the attribution and
page number."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from swp_data.report import wording
from swp_data.report.pack import common, compare
from swp_data.report.pack.common import PackInput

SECTIONS = (
    "1. Levels and patterns by priority",
    "2. Changes since the previous year",
    "3. Ward profiles",
    "4. Impact Area profiles",
    "5. Deprivation context",
    "6. What residents say",
    "7. Data quality",
    "8. How we compare with the most similar places and England",
    "9. Sources, methods and attribution",
)


def _page_field(paragraph) -> None:
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _table(doc, df: pd.DataFrame, size: float = 8.5) -> None:
    if df is None or df.empty:
        doc.add_paragraph("No figures loaded.")
        return
    t = doc.add_table(rows=1, cols=len(df.columns))
    t.style = "Table Grid"
    for j, c in enumerate(df.columns):
        cell = t.rows[0].cells[j]
        cell.text = common.xml_safe(c)
        for r in cell.paragraphs[0].runs:
            r.font.bold = True
    for row in df.itertuples(index=False):
        cells = t.add_row().cells
        for j, v in enumerate(row):
            cells[j].text = "–" if v is None or (isinstance(v, float) and pd.isna(v)) else common.xml_safe(v)
    for row in t.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(size)


def _orient(section, landscape: bool) -> None:
    w, h = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))


def write(data: PackInput, path: Path) -> None:
    r = data.report
    a = data.assessment or {}
    doc = Document()
    add_paragraph = doc.add_paragraph

    def safe_paragraph(text: str = "", style=None):
        return add_paragraph(common.xml_safe(text), style)

    doc.add_paragraph = safe_paragraph  # type: ignore[method-assign]  # every paragraph of data text made XML-safe
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)
    sec = doc.sections[0]
    _orient(sec, False)
    head = sec.header.paragraphs[0]
    run = head.add_run(common.xml_safe(common.DEMO_LINE if r.is_demo else f"Real data. {r.data_status}"))
    run.font.size = Pt(9)
    run.font.bold = r.is_demo
    if r.is_demo:
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    foot = sec.footer.paragraphs[0]
    frun = foot.add_run(r.attribution + "  Page ")
    frun.font.size = Pt(7)
    _page_field(foot)
    foot.alignment = WD_ALIGN_PARAGRAPH.LEFT

    doc.add_heading("Strategic assessment annex: Safer Wolverhampton Partnership", 0)
    doc.add_paragraph(
        f"Figures for {r.window}, against {r.previous_window}, and the two years before. "
        + ("Public version: small numbers suppressed. " if r.public else "")
        + f"Data status: {r.data_status}."
    )
    if r.is_demo:
        p = doc.add_paragraph()
        dr = p.add_run(common.DEMO_LINE + ". Do not quote these figures.")
        dr.font.bold = True
        dr.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    doc.add_paragraph(
        "The Crime and Disorder (Formulation and Implementation of Strategy) Regulations 2007 ask the "
        "partnership to assess the levels and patterns of crime and disorder, what has changed since the "
        "last assessment, and the priorities to adopt. The tables below give the figures; the narrative "
        "is the partnership's."
    )
    if data.generated:
        doc.add_paragraph(f"Prepared {data.generated}.")

    doc.add_heading(SECTIONS[0], 1)
    doc.add_paragraph("Counts for each 12-month year to the period's last month, with the rate per 1,000 residents.")
    _table(doc, a.get("levels"))

    doc.add_heading(SECTIONS[1], 1)
    doc.add_paragraph(
        f"The last 12 months ({r.window}) against the 12 before ({r.previous_window}), exact Poisson test; "
        "a change is called real only at 95% confidence. " + common.rag_thresholds(r.amber_margin)
    )
    changes = pd.DataFrame(
        [
            {
                "Priority": row.priority.label,
                "Last 12 months": common.fmt_count(row.last12),
                "Previous 12": common.fmt_count(row.prev12),
                "Change": common.fmt_pct(row.change_pct),
                "95% interval of the ratio": dict(common.facts(row, r))["Rate ratio, 95% interval"],
                "p-value": common.fmt_p(row.p_value),
                "Significance": common.significance(row),
                "Target": common.target_text(row.target),
                "Status": wording.rag_badge(row.rag),
            }
            for row in r.rows
        ]
    )
    _table(doc, changes, 8)
    for row in r.rows:
        doc.add_paragraph(f"{row.priority.label}: {row.verdict}. {common.status_text(row)}", style="List Bullet")

    wsec = doc.add_section()
    _orient(wsec, True)
    doc.add_heading(SECTIONS[2], 1)
    doc.add_paragraph(
        f"Residents (Census 2021), deprivation (IMD 2025: population-weighted mean score of the ward's LSOAs, and "
        f"its LSOAs in the most deprived 10% nationally), and each priority's count in {r.window} with the rate "
        "per 1,000 residents in brackets. Ward shapes are best-fit from LSOAs."
    )
    _table(doc, a.get("wards"), 8)
    psec = doc.add_section()
    _orient(psec, False)

    doc.add_heading(SECTIONS[3], 1)
    doc.add_paragraph(f"Each Impact Area's share of the city's residents against its share of crime ({r.window}).")
    _table(doc, a.get("impact"))

    doc.add_heading(SECTIONS[4], 1)
    dep = a.get("deprivation") or {}
    for line in dep.get("lines", []):
        doc.add_paragraph(line)
    _table(doc, dep.get("deciles"))

    doc.add_heading(SECTIONS[5], 1)
    res = a.get("residents") or {}
    titles = {
        "survey": "Surveys",
        "consultation": "Consultation: where respondents live",
        "meetings": f"Community meetings, {r.window}",
    }
    if not res:
        doc.add_paragraph("No survey, consultation or meeting records are loaded.")
    for key, t in titles.items():
        if key in res:
            doc.add_heading(t, 2)
            _table(doc, res[key])

    doc.add_heading(SECTIONS[6], 1)
    q = a.get("quality") or {}
    for line in q.get("lines", []):
        doc.add_paragraph(line)
    _table(doc, q.get("datasets"))

    doc.add_heading(SECTIONS[7], 1)
    c = data.compare
    if not c:
        doc.add_paragraph("The store holds no national tables: run `python -m swp_data build`.")
    else:
        doc.add_paragraph(c["lead"])
        doc.add_paragraph(c["peers"])
        _table(doc, pd.DataFrame(c["rows"], columns=list(compare.COLUMNS)))
        if c["police_rows"]:
            doc.add_heading(f"police.uk, {c['police_window']}", 2)
            _table(doc, pd.DataFrame(c["police_rows"], columns=list(compare.POLICE_COLUMNS)))

    doc.add_heading(SECTIONS[8], 1)
    for head_text, items in common.all_notes(data).items():
        doc.add_heading(head_text, 2)
        for t in items:
            doc.add_paragraph(t, style="List Bullet")
    doc.save(str(path))
