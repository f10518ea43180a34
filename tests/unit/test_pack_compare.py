"""The meeting pack's "how we compare" section in all four formats (issue 18)."""

from __future__ import annotations

import subprocess

import docx
import pytest
from pptx import Presentation

from swp_data import store
from swp_data.report import pack, performance
from swp_data.report.pack import compare
from swp_data.report.pack.docx import SECTIONS
from tests.unit.test_pack import all_text
from tests.unit.test_peer_police import twelve_months  # noqa: F401 - a fixture


@pytest.fixture(scope="module")
def files(demo_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack-compare")
    with store.reading(demo_store) as con:
        rep = performance.report(con, None)
        return {f.suffix[1:]: f for f in pack.write_pack(con, rep, "pptx,html,pdf,docx", out)}


def test_pptx_has_the_section_and_its_notes(files):
    prs = Presentation(str(files["pptx"]))
    slide = next(s for s in prs.slides if s.shapes.title.text == compare.TITLE)
    text = all_text(slide)
    assert "Wolverhampton is higher than its most similar places on 4" in text
    assert "Walsall (0.90)" in text
    assert "Violence with injury" in text and "significantly higher" in text
    assert "DEMO watermark" in {sh.name for sh in slide.shapes}  # the pack holds demo figures elsewhere
    notes = "\n".join(all_text(s) for s in prs.slides if s.shapes.title.text.startswith("Notes"))
    assert "Not the Home Office's most similar group" in notes


def test_html_pdf_docx_have_the_section(files):
    html = files["html"].read_text(encoding="utf-8")
    assert f"<h2>{compare.TITLE}</h2>" in html and "Most similar places (match 0-1): Walsall" in html
    pdf = subprocess.run(["pdftotext", str(files["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "How we compare" in pdf and "Violence with injury" in pdf
    d = docx.Document(str(files["docx"]))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == list(SECTIONS) and "8. How we compare" in headings[7]
    cells = {c.text for t in d.tables for r in t.rows for c in r.cells}
    assert {"Indicator (IoD2025)", "Anti-social behaviour", "significantly lower"} <= cells


@pytest.mark.usefixtures("twelve_months")
def test_police_rows_when_peers_are_loaded(store_path):
    with store.reading() as con:
        c = compare.section(con)
    assert c is not None and c["police_window"] == "Jan 2025 to Dec 2025"
    violence = next(r for r in c["police_rows"] if r[0] == "Violence")
    assert violence[3] == "2" and violence[4] == "3 of 3" and violence[5] == "significantly lower"
