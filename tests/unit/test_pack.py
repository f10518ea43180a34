"""The meeting pack (swp_data.report.pack): PowerPoint, HTML, PDF and Word files
opened back and checked against the store's own figures (computed here with
SQL), DEMO marks, attribution, and bad requests (one line, no file)."""

from __future__ import annotations

import concurrent.futures
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from pptx import Presentation

from swp_data import config, store, taxonomy
from swp_data.errors import InputError
from swp_data.report import pack, performance, priorities, targets
from swp_data.report.pack import common

TO = "2026-09"


def sql_monthly(con, categories: tuple[str, ...], end: str, months: int = 36) -> list[int]:
    """Counts per month for the ``months`` months ending at ``end``, straight from the crime table."""
    rows = con.execute(
        f"""WITH m AS (SELECT unnest(generate_series(?::DATE - INTERVAL {months - 1} MONTH, ?::DATE,
                                                      INTERVAL 1 MONTH)) AS month)
           SELECT m.month, count(c.month) FROM m LEFT JOIN crime c
             ON c.month = m.month AND list_contains(?, c.category)
           GROUP BY m.month ORDER BY m.month""",
        [f"{end}-01", f"{end}-01", list(categories)],
    ).fetchall()
    return [int(n) for _, n in rows]


@pytest.fixture(scope="module")
def demo_report(demo_store):
    with store.reading(demo_store) as con:
        return performance.report(con, TO)


@pytest.fixture(scope="module")
def demo_pack(demo_store, demo_report, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pack")
    with store.reading(demo_store) as con:
        files = pack.write_pack(con, demo_report, "pptx,html,pdf", out)
    return {f.suffix[1:]: f for f in files}


def all_text(slide) -> str:
    parts = []
    for sh in slide.shapes:
        if sh.has_text_frame:
            parts.append(sh.text_frame.text)
        if sh.has_table:
            parts.extend(c.text for r in sh.table.rows for c in r.cells)
    return "\n".join(parts)


# ---------------------------------------------------------------------- PowerPoint
def sql_partner_monthly(con, measure: str, end: str, months: int = 36) -> list[int]:
    rows = con.execute(
        f"""WITH m AS (SELECT unnest(generate_series(?::DATE - INTERVAL {months - 1} MONTH, ?::DATE,
                                                      INTERVAL 1 MONTH)) AS month)
           SELECT m.month, coalesce(sum(p.count), 0) FROM m LEFT JOIN partner_series p
             ON p.period_start = m.month AND p.measure = ? AND p.period_type = 'month'
           GROUP BY m.month ORDER BY m.month""",
        [f"{end}-01", f"{end}-01", measure],
    ).fetchall()
    return [int(n) for _, n in rows]


def test_pptx_slides_charts_equal_the_store(demo_pack, demo_store, demo_report):
    prs = Presentation(str(demo_pack["pptx"]))
    slides = list(prs.slides)
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in slides]
    assert titles[0] == "Safer Wolverhampton Partnership: performance report"
    assert "Oct 2025 to Sep 2026" in all_text(slides[0]) and "69 months loaded" in all_text(slides[0])
    keys = [r.priority.key for r in demo_report.rows]
    assert keys == ["asb", "violence", "neighbourhood", "domestic_abuse", "hate_crime"]
    with store.reading(demo_store) as con:
        for row in demo_report.rows:
            label = row.priority.label
            i = titles.index(label)
            charts = [sh for sh in slides[i].shapes if sh.has_chart]
            assert len(charts) == 1
            series = charts[0].chart.plots[0].series[0]
            if row.priority.source == "police_uk":
                expected = sql_monthly(con, row.priority.categories, TO)
            else:
                expected = sql_partner_monthly(con, row.priority.measure, TO)
            assert [int(v) for v in series.values] == expected, label
            cats = list(charts[0].chart.plots[0].categories)
            assert cats[0] == "Oct 2023" and cats[-1] == "Sep 2026" and len(cats) == 36
            text = all_text(slides[i])
            assert f"Last 12 months ({demo_report.window}): {sum(expected[-12:]):,}" in text
            assert f"Previous 12 months ({demo_report.previous_window}): {sum(expected[-24:-12]):,}" in text
            assert "Grey: no target" in text
            # the map slide follows, with a picture
            assert titles[i + 1] == f"{label}: by ward"
            assert any(sh.shape_type == 13 for sh in slides[i + 1].shapes)
    appendix = [t for t in titles if t.startswith("Ward appendix: ")]
    assert len(appendix) == 2 * demo_report.wards["priority"].nunique()  # 20 wards: 12 + 8 rows per priority
    ward_text = "\n".join(all_text(s) for s in slides if s.shapes.title and "Ward appendix" in s.shapes.title.text)
    with store.reading(demo_store) as con:
        names = [r[0] for r in con.execute("SELECT ward_name FROM ward").fetchall()]
        heath = con.execute(
            "SELECT count(*) FROM crime c JOIN ward w USING (ward_code) WHERE w.ward_name = 'Heath Town' "
            "AND category = 'Anti-social behaviour' AND month BETWEEN DATE '2025-10-01' AND DATE '2026-09-01'"
        ).fetchone()[0]
    assert all(n in ward_text for n in names)
    asb_tables = [
        sh.table
        for s in slides
        if s.shapes.title.text.startswith("Ward appendix: Anti-social")
        for sh in s.shapes
        if sh.has_table
    ]
    cells = {r.cells[0].text: r.cells[1].text for t in asb_tables for r in t.rows}
    assert cells["Heath Town"] == f"{heath:,}"
    notes = [s for s in slides if s.shapes.title.text.startswith("Notes:")]
    assert notes and slides[-1] is notes[-1]
    assert "Amber: above the target by up to 5%" in "\n".join(all_text(s) for s in notes)


def test_pptx_demo_watermark_and_attribution_on_every_slide(demo_pack):
    prs = Presentation(str(demo_pack["pptx"]))
    for s in prs.slides:
        names = {sh.name: sh for sh in s.shapes}
        assert names["DEMO watermark"].text_frame.text == "DEMO DATA"
        assert config.ATTRIBUTION in names["Attribution footer"].text_frame.text


@pytest.fixture(scope="module")
def real_store(ref_store, bundle_dir, tmp_path_factory) -> Path:
    """The reference store plus the bundle's real police.uk samples (no demo)."""
    import os

    from swp_data.sources.imports import import_paths

    p = tmp_path_factory.mktemp("real") / "swp.duckdb"
    shutil.copy(ref_store, p)
    old = os.environ.get("SWP_STORE")
    os.environ["SWP_STORE"] = str(p)
    try:
        import_paths([bundle_dir / "police_uk/csv", bundle_dir / "police_uk/api/2018-06"])
    finally:
        if old is None:
            os.environ.pop("SWP_STORE")
        else:
            os.environ["SWP_STORE"] = old
    return p


def test_real_only_has_no_demo_mark_and_missing_years_are_not_suppressed(real_store, tmp_path):
    import docx

    with store.reading(real_store) as con:
        assert con.execute("SELECT count(*) FROM dataset WHERE is_demo").fetchone()[0] == 0
        rep = performance.report(con, "2018-06")
        files = {f.suffix: f for f in pack.write_pack(con, rep, "pptx,html,docx", tmp_path)}
        june = sql_monthly(con, taxonomy.GROUPINGS["Anti-social behaviour"], "2018-06")[-1]
    prs = Presentation(str(files[".pptx"]))
    assert len(prs.slides) > 5
    for s in prs.slides:
        assert "DEMO watermark" not in {sh.name for sh in s.shapes}
        assert "DEMO" not in all_text(s)
        assert "suppressed" not in all_text(s)  # no earlier year loaded is not a suppression
        assert config.ATTRIBUTION in all_text(s)
    asb = next(s for s in prs.slides if s.shapes.title.text == "Anti-social behaviour")
    assert "Previous 12 months (Jul 2016 to Jun 2017): –" in all_text(asb)
    assert "Significance: not tested" in all_text(asb)
    chart = next(sh for sh in asb.shapes if sh.has_chart)
    assert int(list(chart.chart.plots[0].series[0].values)[-1]) == june > 0
    html_text = files[".html"].read_text(encoding="utf-8")
    assert "DEMO" not in html_text.replace(get_plotlyjs(), "") and 'class="watermark"' not in html_text
    d = docx.Document(str(files[".docx"]))
    assert d.sections[0].header.paragraphs[0].text.startswith("Real data.")
    assert "Every figure in this annex comes from real data." in "\n".join(p.text for p in d.paragraphs)


def _template(path: Path, keep: set[str] | None) -> Path:
    """python-pptx's default template with only the layouts in ``keep`` (None: all) and one slide of its own."""
    prs = Presentation()
    prs.slides.add_slide(prs.slide_layouts[0]).shapes.title.text = "Partnership's own sample slide"
    if keep is not None:
        lst = prs.slide_masters[0].slide_layouts
        for layout in list(lst):
            if layout.name not in keep:
                lst.remove(layout) if not layout.used_by_slides else None
        # the sample slide's layout ("Title Slide") goes too when asked
        if "Title Slide" not in keep:
            ids = prs.slides._sldIdLst
            for sld in list(ids):
                prs.part.drop_rel(sld.rId)
                ids.remove(sld)
            lst.remove(lst.get_by_name("Title Slide"))
    prs.save(str(path))
    return path


def test_pptx_partnership_template_layouts_are_used(demo_store, demo_report, tmp_path):
    tpl = _template(tmp_path / "ours.pptx", None)
    out = tmp_path / "out"
    with store.reading(demo_store) as con:
        [f] = pack.write_pack(con, demo_report, "pptx", out, template=tpl)
    prs = Presentation(str(f))
    slides = list(prs.slides)
    assert prs.slide_width == Presentation(str(tpl)).slide_width  # the template's 4:3 size kept
    assert slides[0].slide_layout.name == "Title Slide"
    assert {s.slide_layout.name for s in slides[1:]} == {"Title Only"}
    assert all("Partnership's own sample slide" not in all_text(s) for s in slides)
    for s in slides:  # nothing drawn off the slide
        for sh in s.shapes:
            if sh.name != "DEMO watermark":
                assert sh.left >= 0 and sh.left + sh.width <= prs.slide_width + 10, (sh.name, s.shapes.title.text)


def test_pptx_template_without_title_layout_is_refused(demo_store, tmp_path):
    tpl = _template(tmp_path / "bare.pptx", {"Blank"})
    out = tmp_path / "out"
    with pytest.raises(InputError) as e, store.reading(demo_store) as con:
        pack.write_pack(con, performance.report(con, TO), "pptx,html", out, template=tpl)
    assert str(e.value) == (
        f"{tpl}: the template has no slide layout with a title placeholder (a 'Title Only' layout is needed)"
    )
    assert list(out.iterdir()) == []


def test_pptx_template_not_a_pptx(demo_store, tmp_path):
    bad = tmp_path / "t.pptx"
    bad.write_text("not a zip")
    with (
        pytest.raises(InputError, match="the template is not a readable .pptx file"),
        store.reading(demo_store) as con,
    ):
        pack.write_pack(con, performance.report(con, TO), "pptx", tmp_path / "o", template=bad)


# ---------------------------------------------------------------------- HTML
def test_html_self_contained_offline_every_chart_renders(demo_pack, demo_report):
    from playwright.sync_api import sync_playwright

    f = demo_pack["html"]
    text = f.read_text(encoding="utf-8")
    bundle = get_plotlyjs()
    assert text.count(bundle) == 1  # plotly.js included once
    rest = text.replace(bundle, "")
    assert "http:" not in rest and "https:" not in rest  # nothing else points at any host
    url = f.as_uri()
    failed, outside, errors = [], [], []

    def look():  # on a thread of its own: the browser tests' session may hold an asyncio loop here
        with sync_playwright() as p:
            b = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = b.new_page()

            def route(r):
                if r.request.url == url or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url)
            page.wait_for_selector("html[data-charts]", timeout=30_000)
            assert page.get_attribute("html", "data-charts") == "ready"
            n_charts = page.locator("div.chart").count()
            drawn = page.locator("div.chart .main-svg .scatterlayer path.js-line").count()
            imgs = page.evaluate("[...document.images].map(i => [i.src.slice(0, 22), i.naturalWidth])")
            watermark = page.locator(".watermark").inner_text()
            b.close()
        return n_charts, drawn, imgs, watermark

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        n_charts, drawn, imgs, watermark = pool.submit(look).result()
    assert n_charts == len(demo_report.rows) and drawn == n_charts
    assert imgs and all(src == "data:image/png;base64," and w > 500 for src, w in imgs)
    assert outside == [] and failed == [] and errors == []
    assert watermark == "DEMO DATA"


def test_html_escapes_data_text(demo_store, demo_report, tmp_path):
    import dataclasses

    from swp_data.report.pack import html

    evil = '<img src=x onerror=alert(1)></script><script>alert(2)</script> & "q"'
    row = dataclasses.replace(
        demo_report.rows[0], priority=dataclasses.replace(demo_report.rows[0].priority, label=evil)
    )
    rep = dataclasses.replace(demo_report, rows=[row], wards=demo_report.wards.iloc[0:0])
    text = html.render(common.PackInput(report=rep))
    assert evil not in text
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;" in text
    assert "</script><script>alert(2)" not in text


# ---------------------------------------------------------------------- PDF
def test_pdf_a4_landscape_page_numbers_demo_and_attribution(demo_pack, demo_report):
    f = demo_pack["pdf"]
    info = subprocess.run(["pdfinfo", str(f)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    w, h = (float(x) for x in size.split(":")[1].split("pts")[0].split("x"))
    assert abs(w - 842) < 2 and abs(h - 595) < 2  # A4 landscape
    assert pages >= 1 + 2 * len(demo_report.rows) + 1
    for i in range(1, pages + 1):
        t = subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(f), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "DEMO" in t, i
        assert f"Page {i} of {pages}" in t
        assert "Contains OS data © Crown copyright and database right." in t
    first = subprocess.run(["pdftotext", "-l", "2", str(f), "-"], capture_output=True, text=True).stdout
    for row in demo_report.rows:
        assert f"{row.last12:,}" in first and f"{row.prev12:,}" in first
    # the watermark itself (rotated text, which pdftotext breaks up) on every page: its pale red pixels
    import tempfile

    from PIL import Image

    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(f), f"{d}/p"], check=True)
        images = sorted(Path(d).glob("p-*.png"))
        assert len(images) == pages
        for img in images:
            px = Image.open(img).convert("RGB").getdata()
            pale_red = sum(1 for r, g, b in px if abs(r - 247) < 8 and abs(g - 222) < 10 and abs(b - 222) < 10)
            assert pale_red > 300, (img.name, pale_red)


# ---------------------------------------------------------------------- bad requests
def test_no_data_for_the_period(demo_store_path, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError) as e:
        pack.build_pack("pptx", out, to_month="2030-01")
    assert str(e.value) == "no data loaded for Jan 2030: records run from Jan 2021 to Sep 2026"
    assert not out.exists()


def test_bad_month_and_format():
    with pytest.raises(InputError, match=r"--to '2026-13': give the last month as YYYY-MM"):
        pack.parse_month("2026-13")
    with pytest.raises(InputError, match="unknown format 'xlsx'; use any of pptx, pdf, html, docx"):
        pack.parse_formats("pptx,xlsx")


def test_unwritable_folder(demo_store, demo_report, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(InputError) as e, store.reading(demo_store) as con:
        pack.write_pack(con, demo_report, "pptx", blocker / "out")
    assert str(e.value) == f"{blocker / 'out'}: the output folder cannot be created"


def test_failure_midway_leaves_no_file(demo_store, demo_report, tmp_path, monkeypatch):
    from swp_data.report.pack import html

    def boom(data):
        raise InputError(None, "drawing failed")

    monkeypatch.setattr(html, "render", boom)
    with pytest.raises(InputError, match="drawing failed"), store.reading(demo_store) as con:
        pack.write_pack(con, demo_report, "pptx,html", tmp_path)
    assert list(tmp_path.iterdir()) == []  # the finished PowerPoint is not left either


def test_report_contract_fields_used(demo_report):
    """What the pack reads from the report beyond the contract's wording: guard against drift."""
    assert isinstance(demo_report, performance.PerformanceReport)
    # the annex's three years come from each priority's monthly series: 36 months are needed
    assert performance.SPARK_MONTHS >= 36
    assert all(len(r.monthly) == 36 for r in demo_report.rows)
    assert {"n_lsoa", "population", "crime", "approximate"} <= set(demo_report.impact_areas.columns)
    assert set(demo_report.wards.columns) >= {"ward_code", "ward_name", "priority", "count", "suppressed"}
    assert isinstance(demo_report.rows[0].monthly, pd.DataFrame)


def _unused(con: duckdb.DuckDBPyConnection) -> None:  # pragma: no cover - keeps duckdb import for type hints
    pass


# ---------------------------------------------------------------------- Word annex
def test_docx_sections_and_figures_equal_the_store(demo_store, demo_report, tmp_path):
    import docx

    from swp_data.report.pack.docx import SECTIONS

    with store.reading(demo_store) as con:
        [f] = pack.write_pack(con, demo_report, "docx", tmp_path)
        asb = sql_monthly(con, taxonomy.GROUPINGS["Anti-social behaviour"], TO)
        hate = sql_partner_monthly(con, "hate_crime", TO)
        heath = con.execute(
            "SELECT count(*) FROM crime c JOIN ward w USING (ward_code) WHERE w.ward_name = 'Heath Town' "
            "AND category = 'Anti-social behaviour' AND month BETWEEN DATE '2025-10-01' AND DATE '2026-09-01'"
        ).fetchone()[0]
        unloc = con.execute("SELECT count(*) FROM crime WHERE lsoa21_code IS NULL").fetchone()[0]
        total = con.execute("SELECT count(*) FROM crime").fetchone()[0]
    assert f.name == "swp-performance-2026-09-assessment.docx"
    d = docx.Document(str(f))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == list(SECTIONS)
    body = "\n".join(p.text for p in d.paragraphs)
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in d.tables]

    def table_with(first_header: str) -> list[list[str]]:
        return next(t for t in tables if t[0][0] == first_header and len(t) > 1)

    levels = table_with("Priority")
    assert levels[0][1:4] == ["Oct 2023 to Sep 2024", "Oct 2024 to Sep 2025", "Oct 2025 to Sep 2026"]
    row = next(r for r in levels if r[0] == "Anti-social behaviour")
    assert [c.split(" (")[0] for c in row[1:4]] == [f"{sum(asb[i : i + 12]):,}" for i in (0, 12, 24)]
    row = next(r for r in levels if r[0] == "Hate crime")
    assert [c.split(" (")[0] for c in row[1:4]] == [f"{sum(hate[i : i + 12]):,}" for i in (0, 12, 24)]
    changes = next(t for t in tables if t[0][:3] == ["Priority", "Last 12 months", "Previous 12"])
    asb_change = next(r for r in changes if r[0] == "Anti-social behaviour")
    assert asb_change[1:3] == [f"{sum(asb[24:]):,}", f"{sum(asb[12:24]):,}"]
    wards = table_with("Ward")
    assert len(wards) == 21
    heath_row = next(r for r in wards if r[0] == "Heath Town")
    assert heath_row[wards[0].index("Anti-social behaviour")].startswith(f"{heath:,} (")
    assert "ranked 23 of 296 local authorities" in body and "ranked 24 of 317 local authorities" in body
    survey = next(t for t in tables if t[0][0] == "Survey")
    assert [x for x in next(r for r in survey if r[3] == "No")[3:]] == ["No", "1,064", "48.0%", "DEMO"]
    assert "69 months loaded" in body and "Coverage gaps: none" in body
    assert f"Records without a location: {unloc:,} of {total:,}" in body
    assert d.sections[0].header.paragraphs[0].text == common.DEMO_LINE
    assert config.ATTRIBUTION in d.sections[0].footer.paragraphs[0].text


# ---------------------------------------------------------------------- command line
def test_cli_pack_writes_files(demo_store_path, tmp_path, capsys):
    from swp_data.cli import main

    out = tmp_path / "out"
    assert main(["pack", "--to", "2026-09", "--format", "pptx,docx", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(Path(p).name for p in printed) == [
        "swp-performance-2026-09-assessment.docx",
        "swp-performance-2026-09.pptx",
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(p).name for p in printed)
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o666 & ~umask}  # not private 0600 temp files


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "2030-01"], "error: no data loaded for Jan 2030: records run from Jan 2021 to Sep 2026"),
        (["--to", "2026-9x"], "error: --to '2026-9x': give the last month as YYYY-MM, e.g. 2026-09"),
        (["--format", "pptx,odp"], "error: unknown format 'odp'; use any of pptx, pdf, html, docx"),
    ],
)
def test_cli_pack_bad_request_one_line_no_file(demo_store_path, tmp_path, capsys, args, message):
    from swp_data.cli import main

    out = tmp_path / "out"
    assert main(["pack", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err == message + "\n"
    assert not out.exists()


def test_cli_pack_unwritable_folder(demo_store_path, tmp_path, capsys):
    from swp_data.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["pack", "--format", "pptx", "--out", str(blocker / "pack")]) == 2
    assert capsys.readouterr().err == f"error: {blocker / 'pack'}: the output folder cannot be created\n"
    assert blocker.read_text() == "x"


def test_cli_pack_template_without_layouts(demo_store_path, tmp_path, capsys):
    from swp_data.cli import main

    tpl = _template(tmp_path / "bare.pptx", {"Blank"})
    out = tmp_path / "out"
    assert main(["pack", "--format", "pptx", "--out", str(out), "--template", str(tpl)]) == 2
    assert capsys.readouterr().err == (
        f"error: {tpl}: the template has no slide layout with a title placeholder (a 'Title Only' layout is needed)\n"
    )
    assert list(out.iterdir()) == []


# ---------------------------------------------------------------------- targets and public version
def test_targets_colour_the_rag_in_every_format(demo_store_path, tmp_path):
    import datetime as dt

    import docx

    with store.transaction() as con:
        targets.set_target(con, "asb", "count", 2000, dt.date(2026, 4, 1), dt.date(2027, 3, 31))  # 2,505: red
        targets.set_target(con, "violence", "count", 10_500, dt.date(2026, 4, 1), dt.date(2027, 3, 31))  # amber
        targets.set_target(con, "neighbourhood", "count", 6000, dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    files = {f.suffix: f for f in pack.build_pack("pptx,html,docx", tmp_path, to_month=TO)}
    prs = Presentation(str(files[".pptx"]))
    boxes = {s.shapes.title.text: sh for s in prs.slides for sh in s.shapes if sh.name.startswith("RAG ")}
    assert boxes["Anti-social behaviour"].name == "RAG red"
    assert boxes["Anti-social behaviour"].text_frame.text.startswith(
        "✗ Red: missed. 2,505 against a target of at most 2,000: more than 5% above it."
    )
    assert boxes["Violence"].name == "RAG amber" and boxes["Neighbourhood crime"].name == "RAG green"
    import getpass

    asb = next(s for s in prs.slides if s.shapes.title.text == "Anti-social behaviour")
    assert f"Target set by: {getpass.getuser()}, {dt.date.today():%-d %b %Y}" in all_text(asb)
    assert boxes["Hate crime"].name == "RAG grey"
    assert str(boxes["Anti-social behaviour"].fill.fore_color.rgb) == common.RAG_FILL["red"]
    html_text = files[".html"].read_text(encoding="utf-8")
    assert f"background:#{common.RAG_FILL['amber']}" in html_text and "! Amber: near." in html_text
    body = "\n".join(c.text for t in docx.Document(str(files[".docx"])).tables for r in t.rows for c in r.cells)
    assert "at most 2,000 in 12 months, Apr 2026 to Mar 2027" in body and "Red: missed" in body


def test_public_version_has_no_partner_counts(demo_store_path, tmp_path):
    """pack --public: domestic abuse and hate crime appear only as published (not at all in the pack)."""
    files = {f.suffix: f for f in pack.build_pack("pptx,docx", tmp_path, to_month=TO, public=True)}
    assert files[".pptx"].name == "swp-performance-2026-09-public.pptx"
    prs = Presentation(str(files[".pptx"]))
    assert "Public version: small numbers suppressed" in all_text(prs.slides[0])
    titles = [s.shapes.title.text for s in prs.slides]
    assert "Anti-social behaviour: by ward" in titles
    text = " ".join(all_text(s) for s in prs.slides)
    assert "Domestic abuse" not in text.replace("domestic abuse and hate crime are not in this version", "")
    assert not any(t.startswith(("Ward appendix: Domestic abuse", "Ward appendix: Hate crime")) for t in titles)
    import docx

    body = "\n".join(p.text for p in docx.Document(str(files[".docx"])).paragraphs)
    assert performance.PUBLIC_PARTNER_NOTE in body
    (tmp_path / "full").mkdir()
    full = {f.suffix: f for f in pack.build_pack("pptx", tmp_path / "full", to_month=TO)}
    assert "Domestic abuse" in " ".join(all_text(s) for s in Presentation(str(full[".pptx"])).slides)


def test_hostile_priority_name_in_every_format(demo_store_path, tmp_path):
    """An analyst's own priority named with markup and XML-forbidden characters."""
    import dataclasses

    import docx

    name = '<script>alert("x")</script> & Co $\\bad{$'  # $...$ would be mathtext on a matplotlib map
    with store.transaction() as con:
        priorities.add_priority(con, name, ("Burglary",))
    files = {f.suffix: f for f in pack.build_pack("pptx,html,docx", tmp_path, to_month=TO)}
    prs = Presentation(str(files[".pptx"]))
    assert name in [s.shapes.title.text for s in prs.slides]
    html_text = files[".html"].read_text(encoding="utf-8")
    assert name not in html_text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co $\\bad{$" in html_text
    cells = [c.text for t in docx.Document(str(files[".docx"])).tables for r in t.rows for c in r.cells]
    assert name in cells
    # characters XML 1.0 forbids (a vertical tab from a pasted label) are dropped, not a crash
    with store.reading() as con:
        rep = performance.report(con, TO)
        bad = dataclasses.replace(
            rep.rows[0], priority=dataclasses.replace(rep.rows[0].priority, label="Tab\x0bbed\x00 label")
        )
        rep = dataclasses.replace(rep, rows=[bad])
        out = pack.write_pack(con, rep, "pptx,docx", tmp_path / "ctl")
    assert "Tabbed label" in [s.shapes.title.text for s in Presentation(str(out[0])).slides]


def test_pdf_without_chromium_is_refused_before_any_work(demo_store, demo_report, tmp_path, monkeypatch):
    monkeypatch.setenv("SWP_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(InputError) as e, store.reading(demo_store) as con:
        pack.write_pack(con, demo_report, "pptx,pdf", tmp_path / "out")
    assert str(e.value).endswith(  # the path, or its name when long
        "no-such-browser: chromium is needed to print the PDF and was not found; ask for the other formats"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_cli_pack_without_any_data(store_path, tmp_path, capsys):
    from swp_data.cli import main

    out = tmp_path / "out"
    assert main(["pack", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "error: no figures to report: load police.uk records or partner data first\n"
    assert not out.exists()


def test_pptx_template_layouts_found_by_placeholder_type(demo_store, demo_report, tmp_path):
    """A template whose layouts have the partnership's own names: the title layout is the one with a
    centred title, the content layout the one with a title and the fewest other placeholders."""
    prs = Presentation()
    for layout in prs.slide_layouts:
        layout._element.cSld.set("name", f"Partner {layout.name.lower()}")
    tpl = tmp_path / "renamed.pptx"
    prs.save(str(tpl))
    with store.reading(demo_store) as con:
        [f] = pack.write_pack(con, demo_report, "pptx", tmp_path / "out", template=tpl)
    slides = list(Presentation(str(f)).slides)
    assert slides[0].slide_layout.name == "Partner title slide"
    assert {s.slide_layout.name for s in slides[1:]} == {"Partner title only"}


def test_store_is_free_while_the_files_are_written(demo_store_path, tmp_path, monkeypatch):
    """build_pack reads the store, then writes the files (chromium's print included) without holding
    it, so an import need not wait: a write from inside the writer would refuse under a read."""
    from swp_data.report.pack import docx as docx_writer

    original = docx_writer.write
    seen = []

    def write_and_touch_the_store(data, path):
        with store.transaction() as con:  # RuntimeError if the read of build_pack were still open
            seen.append(con.execute("SELECT count(*) FROM dataset").fetchone()[0])
        original(data, path)

    monkeypatch.setattr(docx_writer, "write", write_and_touch_the_store)
    [f] = pack.build_pack("docx", tmp_path, to_month=TO)
    assert f.exists() and seen and seen[0] > 0
