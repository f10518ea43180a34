"""Browser: the Performance page's meeting pack panel builds every format and
the download buttons hand over real files."""

from __future__ import annotations

import zipfile

import pytest

from tests.e2e.conftest import assert_no_exception, goto, shot, wait_idle

pytestmark = pytest.mark.e2e


def test_build_and_download_the_pack(page, tmp_path):
    goto(page, "performance")
    page.get_by_role("heading", name="Performance").first.wait_for()
    build = page.get_by_role("button", name="Build the pack")
    build.scroll_into_view_if_needed()
    build.click()
    page.get_by_role("button", name="Download PDF").wait_for(timeout=120_000)
    wait_idle(page)
    assert_no_exception(page)
    shot(page, "pack-panel")
    got = {}
    for ext in ("PPTX", "PDF", "HTML", "DOCX"):
        with page.expect_download() as info:
            page.get_by_role("button", name=f"Download {ext}").click()
        d = info.value
        path = tmp_path / d.suggested_filename
        d.save_as(path)
        got[ext] = path
    assert got["PPTX"].name == "swp-performance-2026-09.pptx"
    assert got["DOCX"].name == "swp-performance-2026-09-assessment.docx"
    assert zipfile.is_zipfile(got["PPTX"]) and zipfile.is_zipfile(got["DOCX"])
    assert got["PDF"].read_bytes().startswith(b"%PDF-")
    html = got["HTML"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "DEMO DATA" in html
