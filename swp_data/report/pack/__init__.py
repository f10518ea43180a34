"""The meeting pack: the Performance report exported to PowerPoint, PDF, HTML
and a Word strategic assessment annex (no Streamlit here).

:func:`build_pack` is what ``python -m swp_data pack`` runs: it computes the
report (:func:`swp_data.report.performance.report`, ``public=True`` for the public
version) and writes the files. :func:`write_pack` writes the files for a
report already computed (the Performance page's export panel).

No partial file: every file is first written to a hidden temporary file in the
output folder; only when all of them are written are they renamed into place,
and on any failure the temporary files are removed.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import duckdb

from swp_data import config, store
from swp_data.errors import InputError
from swp_data.report import performance
from swp_data.report.pack.common import FORMATS, PackInput, file_stem, parse_formats, parse_month

__all__ = [
    "FORMATS",
    "build_pack",
    "pack_dir",
    "parse_formats",
    "parse_month",
    "prepare",
    "published_packs",
    "write_files",
    "write_pack",
]


def pack_dir() -> Path:
    """Where the public site serves its packs from (``SWP_PACK_DIR``, default
    ``packs`` beside the store): the scheduled ``python -m swp_data pack
    --public --to YYYY-MM --out DIR`` writes them there; no visitor builds one."""
    value = os.environ.get("SWP_PACK_DIR", "").strip()
    return Path(value).expanduser() if value else config.store_path().parent / "packs"


def published_packs(month: str, folder: Path | None = None) -> list[Path]:
    """The public pack's files for ``month`` (YYYY-MM) in :func:`pack_dir`, in FORMATS order."""
    folder = folder or pack_dir()
    out = []
    for fmt in FORMATS:
        p = folder / f"swp-performance-{month}-public.{fmt}"
        if p.is_file() and not p.is_symlink():
            out.append(p)
    return out


def _check_folder(out_dir: Path | str) -> Path:
    if not str(out_dir).strip():
        raise InputError(None, '--out "": give the folder to write the pack in')
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise InputError(out, "the output folder cannot be created") from None
    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise InputError(out, "the output folder cannot be written")
    return out


def prepare(con: duckdb.DuckDBPyConnection, report: performance.PerformanceReport, formats: Sequence[str]) -> PackInput:
    """Everything the writers need besides the report (maps, the annex's tables)."""
    data = PackInput(report=report, generated=dt.datetime.now().strftime("%-d %b %Y %H:%M"))
    if not report.public:  # the plan names people: not in the public version
        from swp_data.actions import plan

        data.actions = [tuple(str(v) for v in r) for r in plan.status_table(con).itertuples(index=False)]
    from swp_data.report.pack.compare import section

    data.compare = section(con)  # how we compare (issue 18)
    if {"pptx", "pdf", "html"} & set(formats):
        from swp_data.report.pack.maps import priority_maps

        data.maps = priority_maps(con, report)
    if "docx" in formats:
        from swp_data.report.pack.assessment import assessment

        data.assessment = assessment(con, report)
    return data


def write_pack(
    con: duckdb.DuckDBPyConnection,
    report: performance.PerformanceReport,
    formats: Sequence[str] | str,
    out_dir: Path | str,
    *,
    template: Path | str | None = None,
) -> list[Path]:
    """Write the pack for ``report`` in ``formats``; returns the files written."""
    fmts = parse_formats(formats)
    _check_request(fmts, out_dir, template)  # before any work
    return write_files(prepare(con, report, fmts), fmts, out_dir, template=template)


def write_files(
    data: PackInput, formats: Sequence[str] | str, out_dir: Path | str, *, template: Path | str | None = None
) -> list[Path]:
    """Write the files from what :func:`prepare` drew from the store, without the store (so the
    caller can release it first); returns the files written."""
    fmts = parse_formats(formats)
    out, tpl = _check_request(fmts, out_dir, template)
    return _write(data, fmts, out, tpl)


def _check_request(fmts: Sequence[str], out_dir: Path | str, template: Path | str | None) -> tuple[Path, Path | None]:
    """The folder, the template and the browser, before any work."""
    out = _check_folder(out_dir)
    tpl = Path(template) if template else None
    if tpl is not None and "pptx" in fmts:
        from swp_data.report.pack.pptx import check_template

        check_template(tpl)
    if "pdf" in fmts:
        from swp_data.report.pack.pdf import chromium

        chromium()  # refused when the browser is missing
    return out, tpl


def _write(data: PackInput, fmts: Sequence[str], out: Path, tpl: Path | None) -> list[Path]:
    """The files, from what :func:`prepare` drew from the store (no store access here)."""
    stem = file_stem(data.report)
    done: list[tuple[Path, Path]] = []  # (temporary, final)
    try:
        html_text: str | None = None
        for f in fmts:
            final = out / f"{stem}{'-assessment' if f == 'docx' else ''}.{f}"
            # a hidden name of our own (not mkstemp: its files are private, 0600, whatever the umask)
            tmp = out / f".{final.name}.{secrets.token_hex(6)}.tmp"
            done.append((tmp, final))
            if f == "pptx":
                from swp_data.report.pack import pptx

                pptx.write(data, tmp, tpl)
            elif f in ("html", "pdf"):
                from swp_data.report.pack import html

                if html_text is None:
                    html_text = html.render(data)
                if f == "html":
                    tmp.write_text(html_text, encoding="utf-8")
                else:
                    from swp_data.report.pack import pdf

                    pdf.write(html_text, tmp, data)
            elif f == "docx":
                from swp_data.report.pack import docx

                docx.write(data, tmp)
        for tmp, final in done:
            os.replace(tmp, final)
    except BaseException:
        for tmp, _ in done:
            tmp.unlink(missing_ok=True)
        raise
    return [final for _, final in done]


def build_pack(
    formats: Sequence[str] | str,
    out_dir: Path | str,
    *,
    to_month: str | None = None,
    public: bool = False,
    template: Path | str | None = None,
    path: Path | None = None,
) -> list[Path]:
    """Compute the report for the period ending ``to_month`` (YYYY-MM; default
    the last month loaded) and write the pack. Raises InputError (one line)
    for a bad request; nothing is written then."""
    fmts = parse_formats(formats)
    month = parse_month(to_month)
    with store.reading(path) as con:
        report = performance.report(con, month, public=public)  # InputError for a period with no data
        out, tpl = _check_request(fmts, out_dir, template)
        data = prepare(con, report, fmts)
    # the store is free again: an import need not wait while chromium prints
    return _write(data, fmts, out, tpl)
