"""AppTest: the meeting pack panel on the Performance page (build, download
buttons, one-line refusals without a server path)."""

from __future__ import annotations

import io

from pptx import Presentation

from swp_data.errors import InputError
from tests.app.conftest import no_errors

PAGE = "pages/performance.py"


def _downloads(at):
    return [e for e in at.get("download_button") if str(e.key).startswith("pack:")]


def _files(at, prefix: str):
    [key] = [k for k in at.session_state if str(k).startswith(prefix) and isinstance(at.session_state[k], list)]
    return at.session_state[key]


def test_build_pptx_and_docx_then_download(demo_app):
    at = demo_app(PAGE)
    no_errors(at)
    assert at.multiselect(key="pack_formats").value == ["pptx", "pdf", "html", "docx"]
    at.multiselect(key="pack_formats").set_value(["pptx", "docx"]).run()
    assert _downloads(at) == []
    assert len(at.get("file_uploader")) == 1  # the partnership's own template
    at.button(key="pack_build").click().run(timeout=120)
    no_errors(at)
    files = _files(at, "pack:2026-09:partnership:")
    assert [n for n, _ in files] == ["swp-performance-2026-09.pptx", "swp-performance-2026-09-assessment.docx"]
    prs = Presentation(io.BytesIO(files[0][1]))
    assert prs.slides[0].shapes.title.text == "Safer Wolverhampton Partnership: performance report"
    assert len(_downloads(at)) == 2
    assert any("marked DEMO DATA" in c.value for c in at.caption)
    # a target set on the page changes the figures: the pack built before is no longer offered
    at.selectbox(key="perf_t_priority").set_value("asb")
    at.radio(key="perf_t_kind").set_value("count").run()
    at.number_input(key="perf_t_count").set_value(100000)
    at.button(key="perf_t_set").click().run()
    no_errors(at)
    assert _downloads(at) == []


def test_public_site_serves_the_published_pack_and_builds_nothing(demo_app, monkeypatch, tmp_path):
    """SWP_MODE=public: no build button (no anonymous visitor starts a browser); the files the
    scheduled command wrote are offered, and nothing when none are published yet."""
    from ui import pack_panel

    monkeypatch.setenv("SWP_MODE", "public")  # the server's mode: there is no switch on the page
    monkeypatch.setenv("SWP_PACK_DIR", str(tmp_path))
    built: list[object] = []
    monkeypatch.setattr(pack_panel, "write_files", lambda *a, **k: built.append(a) or [])
    at = demo_app(PAGE)
    no_errors(at)
    assert not [b for b in at.button if b.key == "pack_build"] and not at.get("file_uploader")
    assert any("has not been published yet" in c.value for c in at.caption)
    (tmp_path / "swp-performance-2026-09-public.pptx").write_bytes(b"pptx bytes")
    (tmp_path / "swp-performance-2026-09-public.html").write_bytes(b"<html></html>")
    (tmp_path / "swp-performance-2026-08-public.pdf").write_bytes(b"another month")
    at = demo_app(PAGE)
    no_errors(at)
    names = [str(e.key) for e in at.get("download_button") if str(e.key).startswith("pack_pub:")]
    assert names == ["pack_pub:swp-performance-2026-09-public.pptx", "pack_pub:swp-performance-2026-09-public.html"]
    assert built == []


def test_refusal_is_one_line_without_a_server_path(demo_app, monkeypatch):
    from ui import pack_panel

    def refuse(*a, **k):
        raise InputError("/srv/secret/place/template.pptx", "the template has no slide layout with a title placeholder")

    monkeypatch.setattr(pack_panel, "write_files", refuse)
    at = demo_app(PAGE)
    at.multiselect(key="pack_formats").set_value(["pptx"]).run()
    at.button(key="pack_build").click().run()
    assert not at.exception
    [err] = [e.value for e in at.error]
    assert err.startswith("The pack was not built: the template has no slide layout with a title placeholder")
    assert "/srv" not in err
    assert _downloads(at) == []
