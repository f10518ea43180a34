"""The meeting pack as PowerPoint (python-pptx): a title slide with the period
and data status; per priority a slide with a native, editable line chart of
the monthly series (its data sheet is the series), the figures, verdict and
RAG, and a ward map slide; the ward appendix as tables split to fit; the
Impact Areas; a notes slide (sources, methods, RAG thresholds, attribution).

A partnership's own template (.pptx) is used when given: its slide size,
masters and layouts. Layouts are found by name ("Title Slide", "Title Only")
or else by placeholder type; a template without a title layout is refused
with one line. Slides already in the template are removed.

Every slide carries the attribution in its footer and, when any figure is
demo, a DEMO DATA watermark.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from swp_data.errors import InputError
from swp_data.report.pack import common
from swp_data.report.pack import compare as common_compare
from swp_data.report.pack.common import PackInput

WIDE = (Inches(13.333), Inches(7.5))
ROWS_PER_TABLE_SLIDE = 12
TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
WATERMARK_NAME = "DEMO watermark"
FOOTER_NAME = "Attribution footer"


def _ph_types(layout) -> set:
    return {ph.placeholder_format.type for ph in layout.placeholders}


def _find_layout(prs, names: tuple[str, ...], need: Callable[[set], bool], rank: Callable[[Any], int]):
    for layout in prs.slide_layouts:
        if layout.name.strip().lower() in names and need(_ph_types(layout)):
            return layout
    fits = [lay for lay in prs.slide_layouts if need(_ph_types(lay))]
    return min(fits, key=rank) if fits else None


def layouts(prs, template: Path | None = None) -> tuple[object, object]:
    """(title layout, content layout) of a presentation or template."""
    content = _find_layout(
        prs, ("title only",), lambda t: bool(t & set(TITLE_TYPES)), lambda lay: len(lay.placeholders)
    )
    if content is None:
        raise InputError(
            template,
            "the template has no slide layout with a title placeholder (a 'Title Only' layout is needed)",
        )
    title = _find_layout(
        prs,
        ("title slide",),
        lambda t: bool(t & set(TITLE_TYPES)),
        lambda lay: 0 if PP_PLACEHOLDER.CENTER_TITLE in _ph_types(lay) else 1,
    )
    return title or content, content


def open_template(template: Path | None):
    if template is None:
        prs = Presentation()
        prs.slide_width, prs.slide_height = WIDE
        return prs
    p = Path(template)
    if p.suffix.lower() != ".pptx":
        raise InputError(p, "the template must be a PowerPoint .pptx file")
    check_zip(p)  # from the zip directory, before python-pptx inflates anything
    try:
        prs = Presentation(str(p))
    except FileNotFoundError:
        raise InputError(p, "the template file does not exist") from None
    except Exception:
        raise InputError(p, "the template is not a readable .pptx file") from None
    # drop the template's own slides: the pack brings its own
    ids = prs.slides._sldIdLst
    for sld in list(ids):
        prs.part.drop_rel(sld.rId)
        ids.remove(sld)
    return prs


# A slide template is a few MB of XML and pictures; these limits refuse a "zip
# bomb" before python-pptx reads it (its parts are inflated into memory).
MAX_TEMPLATE_PARTS = 1000
MAX_TEMPLATE_INFLATED = 100 * 2**20
MAX_TEMPLATE_RATIO = 100  # XML deflates 5-20 times, pictures barely


def check_zip(p: Path) -> None:
    """Refuse (one line) a template whose zip directory promises too many parts,
    too many inflated bytes, or a member (or whole) that inflates more than
    MAX_TEMPLATE_RATIO times."""
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
    except FileNotFoundError:
        raise InputError(p, "the template file does not exist") from None
    except (zipfile.BadZipFile, OSError):
        raise InputError(p, "the template is not a readable .pptx file") from None
    if len(infos) > MAX_TEMPLATE_PARTS:
        raise InputError(p, f"the template has {len(infos):,} parts, more than the {MAX_TEMPLATE_PARTS:,} allowed")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_TEMPLATE_INFLATED:
        limit = MAX_TEMPLATE_INFLATED // 2**20
        raise InputError(p, f"the template inflates to {total / 2**20:,.0f} MB, more than the {limit} MB allowed")
    for i in [*infos, None]:
        size, comp = (i.file_size, i.compress_size) if i is not None else (total, packed)
        if size > 2**20 and size > MAX_TEMPLATE_RATIO * max(comp, 1):
            what = f"its part {i.filename[:60]!r}" if i is not None else "the template"
            raise InputError(p, f"{what} inflates {size / max(comp, 1):,.0f} times: not a slide template")


def keep_only(prs, used: Sequence[object]) -> None:
    """Drop what the pack does not use from a template: every layout but ``used``,
    masters left without layouts, and the package's thumbnail (a template's
    pictures and parts reach the pack only through the layouts kept)."""
    keep = {id(x) for x in used}
    for master in list(prs.slide_masters):
        for layout in list(master.slide_layouts):
            if id(layout) not in keep:
                master.slide_layouts.remove(layout)
    ids = prs.slide_masters._sldMasterIdLst
    for master, sld_id in zip(list(prs.slide_masters), list(ids), strict=True):
        if len(master.slide_layouts) == 0:
            prs.part.drop_rel(sld_id.rId)
            ids.remove(sld_id)
    rels = prs.part.package._rels  # python-pptx has no public call for the package's own relationships
    for r_id, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            rels.pop(r_id)


class _Deck:
    def __init__(self, data: PackInput, template: Path | None):
        self.data = data
        self.r = data.report
        self.prs = open_template(template)
        self.own_layout = template is None  # python-pptx's 4:3 layouts: placeholders re-placed for 16:9
        self.title_layout, self.content_layout = layouts(self.prs, template)
        if template is not None:
            keep_only(self.prs, (self.title_layout, self.content_layout))
        self.W, self.H = self.prs.slide_width, self.prs.slide_height
        self.margin = Emu(int(self.W * 0.04))
        self.top = Emu(int(self.H * 0.17))
        self.bottom = Emu(int(self.H * 0.92))  # the footer lies below

    # ------------------------------------------------------------------ helpers
    def slide(self, title: str, layout=None):
        s = self.prs.slides.add_slide(layout or self.content_layout)
        for ph in list(s.placeholders):
            t = ph.placeholder_format.type
            if t in TITLE_TYPES:
                ph.text_frame.text = common.xml_safe(title)
                if self.own_layout:
                    ph.left, ph.top = self.margin, Inches(0.25)
                    ph.width, ph.height = Emu(self.W - 2 * self.margin), Emu(self.top - Inches(0.35))
                    ph.text_frame.paragraphs[0].runs[0].font.size = Pt(30)
            elif t not in (PP_PLACEHOLDER.SUBTITLE,):
                ph._element.getparent().remove(ph._element)  # unused body placeholders: empty boxes otherwise
        return s

    def text(self, slide, x, y, w, h, lines: list[tuple[str, int, bool]], name: str | None = None):
        box = slide.shapes.add_textbox(x, y, w, h)
        if name:
            box.name = name
        tf = box.text_frame
        tf.word_wrap = True
        for i, (t, size, bold) in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            run = p.add_run()
            run.text = common.xml_safe(t)
            run.font.size = Pt(size)
            run.font.bold = bold
        return box

    def finish(self, slide) -> None:
        """Footer (attribution) and, for demo data, the watermark: on every slide."""
        status = f"{common.DEMO_MARK}. " if self.r.is_demo else ""
        foot = self.text(
            slide,
            self.margin,
            Emu(int(self.H * 0.93)),
            Emu(self.W - 2 * self.margin),
            Emu(int(self.H * 0.06)),
            [(f"{status}{self.r.attribution}", 7, False)],
            name=FOOTER_NAME,
        )
        foot.text_frame.paragraphs[0].runs[0].font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        if not self.r.is_demo:
            return
        w, h = Emu(int(self.W * 0.7)), Emu(int(self.H * 0.25))
        wm = slide.shapes.add_textbox(Emu((self.W - w) // 2), Emu((self.H - h) // 2), w, h)
        wm.name = WATERMARK_NAME
        wm.rotation = -25
        p = wm.text_frame.paragraphs[0]
        p.alignment = PP_ALIGN.CENTER
        run = p.add_run()
        run.text = common.DEMO_MARK
        run.font.size = Pt(80)
        run.font.bold = True
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
        # 80% transparent so the figures stay readable
        clr = run.font._rPr.find(qn("a:solidFill")).find(qn("a:srgbClr"))
        etree.SubElement(clr, qn("a:alpha")).set("val", "20000")

    def table(self, slide, header: tuple[str, ...], rows: list[tuple[str, ...]], widths: list[float], y=None):
        n = len(rows) + 1
        y = y or self.top
        row_h = Emu(int(min(Inches(0.38), (self.bottom - y) / max(n, 1))))
        total_w = Emu(self.W - 2 * self.margin)
        shape = slide.shapes.add_table(n, len(header), self.margin, y, total_w, Emu(row_h * n))
        tbl = shape.table
        for i, wgt in enumerate(widths):
            tbl.columns[i].width = Emu(int(total_w * wgt / sum(widths)))
        for j, h in enumerate(header):
            tbl.cell(0, j).text = common.xml_safe(h)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                tbl.cell(i, j).text = common.xml_safe(v)
        for i in range(n):
            tbl.rows[i].height = row_h
            for j in range(len(header)):
                for p in tbl.cell(i, j).text_frame.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(11)
        return tbl

    # ------------------------------------------------------------------ slides
    def title_slide(self) -> None:
        s = self.prs.slides.add_slide(self.title_layout)
        subtitle = [common.subtitle(self.r), f"Data status: {self.r.data_status}"]
        if self.r.is_demo:
            subtitle.append(common.DEMO_LINE)
        if self.data.generated:
            subtitle.append(f"Prepared {self.data.generated}")
        placed = False
        for ph in list(s.placeholders):
            t = ph.placeholder_format.type
            if t in TITLE_TYPES:
                ph.text_frame.text = common.xml_safe(common.title(self.r))
                if self.own_layout:
                    ph.left, ph.top = self.margin, Emu(int(self.H * 0.15))
                    ph.width, ph.height = Emu(self.W - 2 * self.margin), Emu(int(self.H * 0.25))
            elif t in (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY) and not placed:
                ph.text_frame.text = common.xml_safe("\n".join(subtitle))
                if self.own_layout:
                    ph.left, ph.top = self.margin, Emu(int(self.H * 0.45))
                    ph.width, ph.height = Emu(self.W - 2 * self.margin), Emu(int(self.H * 0.42))
                for p in ph.text_frame.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(16)
                placed = True
            else:
                ph._element.getparent().remove(ph._element)
        if not placed:
            self.text(
                s,
                self.margin,
                Emu(int(self.H * 0.55)),
                Emu(self.W - 2 * self.margin),
                Emu(int(self.H * 0.3)),
                [(t, 16, False) for t in subtitle],
            )
        self.finish(s)

    def priority_slide(self, row) -> None:
        s = self.slide(row.priority.label)
        labels, values = common.monthly_points(row)
        cd = CategoryChartData()
        cd.categories = labels
        cd.add_series(common.xml_safe(f"{row.priority.label}: count per month"), values)
        chart_w = Emu(int(self.W * 0.56))
        gf = s.shapes.add_chart(
            XL_CHART_TYPE.LINE_MARKERS, self.margin, self.top, chart_w, Emu(self.bottom - self.top), cd
        )
        gf.name = f"chart:{row.priority.key}"
        ch = gf.chart
        ch.has_legend = True
        ch.legend.position = XL_LEGEND_POSITION.BOTTOM
        ch.legend.include_in_layout = False
        ch.value_axis.has_major_gridlines = True
        ch.category_axis.tick_labels.font.size = Pt(9)
        ch.value_axis.tick_labels.font.size = Pt(10)
        ch.value_axis.tick_labels.number_format = "#,##0"
        ch.value_axis.tick_labels.number_format_is_linked = False
        ch.value_axis.minimum_scale = 0
        series = ch.plots[0].series[0]
        series.smooth = False
        series.format.line.color.rgb = RGBColor(0x00, 0x72, 0xB2)  # the HTML chart's blue (Okabe-Ito)
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = RGBColor(0x00, 0x72, 0xB2)
        x = Emu(self.margin + chart_w + Inches(0.25))
        w = Emu(self.W - x - self.margin)
        facts = common.facts(row, self.r)
        status = facts.pop()  # the RAG line goes in its coloured box
        lines: list[tuple[str, int, bool]] = [(row.verdict, 14, True)]
        for k, v in facts:
            lines.append((f"{k}: {v}", 11, False))
        if row.small_numbers:
            lines.append(("Small numbers: a count under 10, so treat with caution", 11, True))
        self.text(s, x, self.top, w, Emu(int(self.H * 0.5)), lines, name="figures")
        box_h = Emu(int(self.H * 0.17))
        box = s.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, x, Emu(self.bottom - box_h), w, box_h)
        box.name = f"RAG {row.rag}"
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor.from_string(common.RAG_FILL.get(row.rag, "8C8C8C"))
        box.line.fill.background()
        tf = box.text_frame
        tf.word_wrap = True
        tf.vertical_anchor = MSO_ANCHOR.MIDDLE
        tf.text = common.xml_safe(f"{status[1]} Significance: {common.significance(row)}.")
        for p in tf.paragraphs:
            for run in p.runs:
                run.font.size = Pt(12)
                run.font.bold = True
                run.font.color.rgb = RGBColor.from_string(common.RAG_TEXT.get(row.rag, "FFFFFF"))
        self.finish(s)

    def map_slide(self, row) -> None:
        png = self.data.maps.get(row.priority.key)
        if png is None:
            return
        s = self.slide(f"{row.priority.label}: by ward")
        avail_h = self.bottom - self.top
        pic = s.shapes.add_picture(io.BytesIO(png), self.margin, self.top, height=Emu(avail_h))
        if pic.width > self.W - 2 * self.margin:  # narrow template: fit the width instead
            ratio = (self.W - 2 * self.margin) / pic.width
            pic.width, pic.height = Emu(int(pic.width * ratio)), Emu(int(pic.height * ratio))
        pic.left = Emu((self.W - pic.width) // 2)
        pic.name = f"map:{row.priority.key}"
        self.finish(s)

    def ward_slides(self, row) -> None:
        rows = common.ward_rows(self.r, row.priority.key)
        if not rows:
            return
        chunks = [rows[i : i + ROWS_PER_TABLE_SLIDE] for i in range(0, len(rows), ROWS_PER_TABLE_SLIDE)]
        for i, chunk in enumerate(chunks, start=1):
            part = f" ({i} of {len(chunks)})" if len(chunks) > 1 else ""
            s = self.slide(f"Ward appendix: {row.priority.label}{part}")
            self.table(s, common.WARD_COLUMNS, chunk, [3, 1.2, 1.2, 1.2, 1.2, 2.6])
            self.finish(s)

    def impact_slide(self) -> None:
        rows = common.impact_rows(self.r)
        if not rows:
            return
        s = self.slide(f"Impact Areas: share of residents against share of crime ({self.r.window})")
        self.table(s, common.IMPACT_COLUMNS, rows, [4, 1.5, 1.5, 2])
        self.finish(s)

    def action_slides(self) -> None:
        """The action plan's status table (not in the public version)."""
        rows = self.data.actions
        chunks = [rows[i : i + ROWS_PER_TABLE_SLIDE] for i in range(0, len(rows), ROWS_PER_TABLE_SLIDE)]
        for i, chunk in enumerate(chunks, start=1):
            part = f" ({i} of {len(chunks)})" if len(chunks) > 1 else ""
            s = self.slide(f"Action plan: status of each action{part}")
            self.table(s, common.ACTION_COLUMNS, chunk, [2, 3.2, 2, 2, 1.2, 1.2])
            self.finish(s)

    def outcomes_slide(self) -> None:
        """What happened next: each police.uk priority's share charged or summonsed (mature cohorts)."""
        rows = common.outcome_rows(self.r)
        if not rows:
            return
        s = self.slide("Outcomes: share charged or summonsed (offences at least 6 months old)")
        self.table(s, common.OUTCOME_COLUMNS, rows, [3, 2.2, 1.2, 2, 1.8])
        self.finish(s)

    def compare_slides(self) -> None:
        c = self.data.compare
        if not c:
            return
        s = self.slide(c["title"])
        self.text(
            s,
            self.margin,
            self.top,
            Emu(self.W - 2 * self.margin),
            Inches(0.9),
            [(c["lead"], 12, True), (c["peers"], 9, False)],
        )
        self.table(s, common_compare.COLUMNS, c["rows"], [3, 1.2, 1.4, 1.2, 1.1, 2.2], y=self.top + Inches(1.0))
        self.finish(s)
        if c["police_rows"]:
            s = self.slide(f"How we compare: police.uk, {c['police_window']}")
            self.table(s, common_compare.POLICE_COLUMNS, c["police_rows"], [3, 1.4, 1.4, 1.2, 1.2, 2.2])
            self.finish(s)

    def notes_slides(self) -> None:
        """Sources, methods, thresholds, attribution: as many slides as the text needs."""
        width_chars = int((self.W - 2 * self.margin) / Inches(1) * 15)  # about 15 characters an inch at 10 pt
        budget = int((self.bottom - self.top) / Pt(10) / 1.25)  # lines of 10 pt text that fit
        pages: list[list[tuple[str, int, bool]]] = [[]]
        used = 0.0
        for head, items in common.all_notes(self.data).items():
            block = [(head, 12, True)] + [(t, 10, False) for t in items]
            for line in block:
                need = (1.3 if line[2] else 1.0) * (1 + len(line[0]) // width_chars)
                if used + need > budget and pages[-1]:
                    pages.append([])
                    used = 0.0
                pages[-1].append(line)
                used += need
        for i, lines in enumerate(pages, start=1):
            part = f" ({i} of {len(pages)})" if len(pages) > 1 else ""
            s = self.slide(f"Notes: sources, methods, RAG thresholds, attribution{part}")
            self.text(s, self.margin, self.top, Emu(self.W - 2 * self.margin), Emu(self.bottom - self.top), lines)
            self.finish(s)

    def build(self) -> Any:
        self.title_slide()
        for row in self.r.rows:
            self.priority_slide(row)
            self.map_slide(row)
        for row in self.r.rows:
            self.ward_slides(row)
        self.impact_slide()
        self.action_slides()
        self.outcomes_slide()
        self.compare_slides()
        self.notes_slides()
        return self.prs


def write(data: PackInput, path: Path, template: Path | None = None) -> None:
    _Deck(data, template).build().save(str(path))


def check_template(template: Path) -> None:
    """Raise InputError (one line) if the template cannot be used."""
    prs = open_template(template)
    layouts(prs, template)
