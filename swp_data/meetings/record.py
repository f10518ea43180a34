"""The meeting's record: the agenda, what was decided and the actions, as
one HTML file (works offline) or a Word document (no Streamlit here).

Every text from people (titles, talking points, notes, owners) is escaped
in the HTML; Word holds it as plain text runs. The record says whether the
store holds demo data (the views the meeting looked at showed it).
Files are named ``swp-meeting-<agenda id>-<meeting date or today>.<ext>``,
beside the quarterly pack's ``swp-performance-YYYY-MM.*`` in the same folder.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import duckdb
import pandas as pd

from swp_data import config
from swp_data.errors import InputError
from swp_data.meetings.agendas import Agenda, agenda
from swp_data.meetings.notes import notes
from swp_data.store import one

FORMATS = ("html", "docx")


def _demo(con) -> bool:
    return bool(one(con, "SELECT count(*) FROM dataset WHERE is_demo"))


def _date(a: Agenda) -> dt.date:
    return a.meeting_date or dt.date.today()


def file_stem(a: Agenda) -> str:
    return f"swp-meeting-{a.agenda_id}-{_date(a):%Y-%m-%d}"


def _due(v) -> str:
    return "" if v is None or pd.isna(v) else f"{pd.Timestamp(v):%d %b %Y}"


def _plan(v) -> str:
    return "" if v is None or pd.isna(v) else f"action plan #{int(v)}"


def record_html(con: duckdb.DuckDBPyConnection, agenda_id: int) -> str:
    """The record as one self-contained HTML document."""
    a = agenda(con, agenda_id)
    ns = notes(con, agenda_id)
    demo = _demo(con)
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(a.title)}: record of the meeting</title>",
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;color:#1a1a1a;line-height:1.45}"
        "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}.demo{border:2px solid #8a1c1c;color:#8a1c1c;"
        "padding:.4em .8em;font-weight:bold}table{border-collapse:collapse;width:100%}th,td{border:1px solid #767676;"
        "padding:.3em .5em;text-align:left;vertical-align:top}.meta{color:#4a4a4a}</style></head><body>",
        f"<h1>{e(a.title)}</h1>",
        f'<p class="meta">Record of the meeting of {_date(a):%d %b %Y}. Agenda last changed by {e(a.updated_by)}, '
        f"{a.updated_at:%d %b %Y %H:%M}. Written {dt.datetime.now():%d %b %Y %H:%M}.</p>",
    ]
    if demo:
        out.append('<p class="demo">DEMO DATA: the views discussed showed synthetic figures (not real records).</p>')
    for it in a.items:
        out.append(f"<h2>{it.position}. {e(it.title)}</h2>")
        out.append(f'<p class="meta">View: <code>{e(it.link)}</code></p>')
        if it.talking_points:
            out.append("<p>" + e(it.talking_points).replace("\n", "<br>") + "</p>")
        mine = ns[ns["item_id"] == it.item_id]
        dec = mine[mine["kind"] == "decision"]
        act = mine[mine["kind"] == "action"]
        if len(dec):
            out.append("<h3>Decided</h3><ul>")
            out += [
                f"<li>{e(r.text)} <span class='meta'>({e(r.recorded_by)}, {r.recorded_at:%H:%M})</span></li>"
                for r in dec.itertuples()
            ]
            out.append("</ul>")
        if len(act):
            out.append("<h3>Actions</h3><table><thead><tr><th scope='col'>Action</th><th scope='col'>Owner</th>")
            out.append("<th scope='col'>Due</th><th scope='col'>Action plan</th></tr></thead><tbody>")
            out += [
                f"<tr><td>{e(r.text)}</td><td>{e(r.owner or '')}</td><td>{_due(r.due)}</td>"
                f"<td>{_plan(r.plan_action_id)}</td></tr>"
                for r in act.itertuples()
            ]
            out.append("</tbody></table>")
        if not len(mine):
            out.append('<p class="meta">Nothing recorded.</p>')
    out.append(f'<p class="meta">{e(config.ATTRIBUTION)}</p></body></html>')
    return "\n".join(out)


def record_docx(con: duckdb.DuckDBPyConnection, agenda_id: int, path: Path) -> Path:
    """The record as a Word document at ``path``."""
    from docx import Document

    a = agenda(con, agenda_id)
    ns = notes(con, agenda_id)
    demo = _demo(con)
    doc = Document()
    if demo:
        doc.sections[0].header.paragraphs[0].text = "DEMO DATA: the views discussed showed synthetic figures"
    doc.add_heading(a.title, level=0)
    doc.add_paragraph(f"Record of the meeting of {_date(a):%d %b %Y}. Written {dt.datetime.now():%d %b %Y %H:%M}.")
    for it in a.items:
        doc.add_heading(f"{it.position}. {it.title}", level=1)
        doc.add_paragraph(f"View: {it.link}")
        if it.talking_points:
            doc.add_paragraph(it.talking_points)
        mine = ns[ns["item_id"] == it.item_id]
        for r in mine[mine["kind"] == "decision"].itertuples():
            doc.add_paragraph(f"Decided: {r.text} ({r.recorded_by}, {r.recorded_at:%H:%M})", style="List Bullet")
        act = mine[mine["kind"] == "action"]
        if len(act):
            t = doc.add_table(rows=1, cols=4)
            t.style = "Table Grid"
            for cell, head in zip(t.rows[0].cells, ("Action", "Owner", "Due", "Action plan"), strict=True):
                cell.text = head
            for r in act.itertuples():
                cells = t.add_row().cells
                for cell, v in zip(cells, (r.text, r.owner or "", _due(r.due), _plan(r.plan_action_id)), strict=True):
                    cell.text = str(v)
        if not len(mine):
            doc.add_paragraph("Nothing recorded.")
    doc.add_paragraph(config.ATTRIBUTION)
    doc.save(str(path) if isinstance(path, str | Path) else path)  # a file, or a buffer (a download)
    return path


def export(con: duckdb.DuckDBPyConnection, agenda_id: int, out_dir: Path, formats=FORMATS) -> list[Path]:
    """Write the record in ``formats`` to ``out_dir`` (created if missing);
    returns the files. A bad format or an unwritable folder: one line, no file."""
    fmts = [f.strip().lower() for f in formats if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise InputError(None, f"unknown format {(bad or [''])[0][:20]!r}: use {', '.join(FORMATS)}")
    a = agenda(con, agenda_id)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(str(out), f"cannot create the folder ({type(e).__name__})") from None
    stem = file_stem(a)
    written: list[Path] = []
    try:
        if "html" in fmts:
            p = out / f"{stem}.html"
            p.write_text(record_html(con, agenda_id), encoding="utf-8")
            written.append(p)
        if "docx" in fmts:
            written.append(record_docx(con, agenda_id, out / f"{stem}.docx"))
    except OSError as e:
        for p in written:
            p.unlink(missing_ok=True)
        raise InputError(str(out), f"cannot write the record ({type(e).__name__})") from None
    return written


def docx_bytes(con: duckdb.DuckDBPyConnection, agenda_id: int) -> bytes:
    """The Word record as bytes (a download)."""
    import io

    buf = io.BytesIO()
    record_docx(con, agenda_id, buf)  # type: ignore[arg-type]
    return buf.getvalue()


__all__ = ["FORMATS", "docx_bytes", "export", "file_stem", "record_docx", "record_html"]
