"""The meeting pack's export buttons on the Performance page: choose formats
(and, optionally, the partnership's own PowerPoint template), build, then one
download button per file. The files come from swp_data.report.pack for the report
the page shows, so the pack carries the page's figures, period and audience
(public mode applies the same suppression)."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

import streamlit as st

from swp_data import access, store
from swp_data.errors import InputError
from swp_data.fmt import md
from swp_data.report.pack import FORMATS, prepare, published_packs, write_files
from ui import auth

_log = logging.getLogger(__name__)

LABELS = {
    "pptx": "PowerPoint (.pptx)",
    "pdf": "PDF, A4 landscape",
    "html": "HTML, one file that works offline",
    "docx": "Strategic assessment annex (Word .docx)",
}
MAX_TEMPLATE_BYTES = 50 * 2**20  # a slide template is a few MB; refuse anything far larger
MIME = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
    "html": "text/html",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _build(report, formats: list[str], template) -> list[tuple[str, bytes]]:
    with tempfile.TemporaryDirectory(prefix="swp-pack-") as d:
        tpl = None
        if template is not None:
            if template.size > MAX_TEMPLATE_BYTES:
                raise InputError(None, f"the template is larger than {MAX_TEMPLATE_BYTES // 2**20} MB")
            tpl = Path(d) / "template.pptx"
            tpl.write_bytes(template.getvalue())
        with store.reading() as con:
            data = prepare(con, report, formats)
        # the store is released while the files are written (chromium prints the PDF)
        files = write_files(data, formats, Path(d) / "out", template=tpl)
        return [(f.name, f.read_bytes()) for f in files]


def _fingerprint(report) -> str:
    """Changes whenever the report's figures, targets or thresholds do: a pack built for
    another state of the page is not offered for download."""
    state = [(r.priority.key, r.priority.label, r.last12, r.prev12, r.rag, r.rag_reason) for r in report.rows]
    text = repr((state, report.amber_margin, report.data_status, len(report.wards)))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def render_published(report) -> None:
    """The public site: the pack for the month as published (files the scheduled
    command wrote, :func:`swp_data.report.pack.published_packs`); no visitor
    builds one (no browser is started for an anonymous click)."""
    month = f"{report.to_month:%Y-%m}"
    files = published_packs(month)
    if not files:
        st.caption(
            f"The public pack for {report.window} has not been published yet. It is written once a month by "
            f"`python -m swp_data pack --public --to {month} --out DIR` (the folder in SWP_PACK_DIR)."
        )
        return
    st.caption(f"The pack for {report.window} (public version: small numbers suppressed), as published.")
    cols = st.columns(len(files))
    for col, path in zip(cols, files, strict=True):
        ext = path.suffix.lstrip(".")
        col.download_button(
            f"Download {ext.upper()}",
            path.read_bytes(),
            file_name=path.name,
            mime=MIME.get(ext, "application/octet-stream"),
            key=f"pack_pub:{path.name}",
            help=path.name,
        )


def render(report, public: bool) -> None:
    """Draw the export panel for ``report`` (a swp_data.report.performance.PerformanceReport)."""
    if public and access.mode() == "public":  # the public site serves files; nobody builds
        render_published(report)
        return
    key = f"pack:{report.to_month:%Y-%m}:{'public' if public else 'partnership'}:{_fingerprint(report)}"
    for old in [k for k in st.session_state if str(k).startswith("pack:") and k != key]:
        if isinstance(st.session_state[old], list):
            del st.session_state[old]  # files built for another period or state of the figures
    st.caption(
        f"The pack for {report.window}"
        + (" (public version: small numbers suppressed)" if public else "")
        + ": the figures above, a chart and a ward map per priority, the ward appendix and the notes. "
        "Also from the command line: `python -m swp_data pack --to "
        f"{report.to_month:%Y-%m} --format pptx,pdf,html,docx --out DIR`" + (" --public" if public else "") + "."
    )
    formats = st.multiselect(
        "Formats", list(FORMATS), default=list(FORMATS), format_func=lambda f: LABELS.get(f, f), key="pack_formats"
    )
    template = None
    # the public version uses the default design; only analysts upload files (auth: viewers upload nothing)
    if "pptx" in formats and not public and auth.may_change():
        template = st.file_uploader(
            "Your own PowerPoint template (optional; its 'Title Slide' and 'Title Only' layouts are used)",
            type=["pptx"],
            key="pack_template",
        )
    if st.button("Build the pack", type="primary", disabled=not formats, key="pack_build"):
        with st.spinner("Building the pack (the PDF takes a few seconds)..."):
            try:
                st.session_state[key] = _build(report, formats, template)
            except InputError as e:
                where = f"{md(template.name)}: " if template is not None and e.file else ""
                st.error(f"The pack was not built: {where}{md(e.problem)}")
                st.session_state.pop(key, None)
            except Exception:  # noqa: BLE001 - no traceback or server path in the browser: the server log has it
                _log.exception("the meeting pack was not built")
                st.error("The pack could not be built. The command line (`python -m swp_data pack`) says why.")
                st.session_state.pop(key, None)
    files = st.session_state.get(key) or []
    if files:
        cols = st.columns(len(files))
        for col, (name, data) in zip(cols, files, strict=True):
            ext = name.rsplit(".", 1)[-1]
            col.download_button(
                f"Download {ext.upper()}",
                data,
                file_name=name,
                mime=MIME.get(ext, "application/octet-stream"),
                key=f"{key}:{name}",
                help=name,
            )
        if report.is_demo:
            st.caption("Every file is marked DEMO DATA: some figures come from the demo dataset.")
