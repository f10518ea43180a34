"""The meeting pack as one self-contained HTML file that works offline:
plotly.js included once (plotly's offline bundle), the ward maps embedded as
data: URIs, no request to any other host (a Content-Security-Policy says so to
the browser too). All data text is escaped; chart data travels as JSON with
<, > and & escaped, so no label can close the script. The same file, printed
by chromium, is the PDF (:mod:`swp_data.report.pack.pdf`): print CSS puts each
section on its own A4 landscape page and repeats the DEMO watermark."""

from __future__ import annotations

import base64
import json
from html import escape

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.utils import PlotlyJSONEncoder

from swp_data.report import performance, wording
from swp_data.report.pack import common, compare
from swp_data.report.pack.common import PackInput

CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:"

CSS = """
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 1100px;
       padding: 12px 20px; font-size: 14px; }
h1 { font-size: 26px; margin: 8px 0; } h2 { font-size: 21px; margin: 6px 0 10px 0; }
.banner { background: #fde8e8; border: 2px solid #c00000; color: #7a0000; padding: 6px 10px; font-weight: bold; }
.status { color: #333; }
section { padding: 6px 0 14px 0; border-top: 1px solid #ccc; }
.row { display: flex; gap: 18px; align-items: flex-start; }
.chart { width: 680px; height: 450px; flex: none; }
.facts { flex: 1; }
.facts table td { padding: 2px 4px; vertical-align: top; }
.facts table td:first-child { color: #444; width: 46%; }
.verdict { font-weight: bold; font-size: 16px; margin: 0 0 6px 0; }
.rag { padding: 8px 10px; border-radius: 8px; font-weight: bold; margin-top: 8px; }
table.grid { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.grid th, table.grid td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; }
table.grid th { background: #eef1f5; }
table.grid td.n { text-align: right; }
thead { display: table-header-group; } tr { break-inside: avoid; }
img.map { max-width: 100%; max-height: 150mm; display: block; margin: 0 auto; }
.watermark { position: fixed; top: 40%; left: 0; width: 100%; text-align: center; font-size: 110px;
             font-weight: bold; color: rgba(192, 0, 0, 0.13); transform: rotate(-25deg); pointer-events: none;
             z-index: 1000; }
footer { font-size: 11px; color: #555; border-top: 1px solid #ccc; margin-top: 10px; padding-top: 4px; }
ul.notes li { margin-bottom: 3px; }
@page { size: A4 landscape; margin: 10mm 10mm 14mm 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 12px; }
  section { break-before: page; border-top: none; padding-top: 0; }
  section.first { break-before: auto; }
  section.notes { font-size: 10.5px; } section.notes h3 { margin: 6px 0 2px 0; font-size: 13px; }
  .banner { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .rag, table.grid th { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""

SCRIPT = """
(function () {
  var specs = document.querySelectorAll('script[type="application/json"][data-chart]');
  var jobs = [];
  specs.forEach(function (s) {
    var f = JSON.parse(s.textContent);
    jobs.push(Plotly.newPlot(s.getAttribute('data-chart'), f.data, f.layout,
                             {displaylogo: false, responsive: false}));
  });
  Promise.all(jobs).then(function () { document.documentElement.setAttribute('data-charts', 'ready'); },
                         function () { document.documentElement.setAttribute('data-charts', 'failed'); });
})();
"""


def _json_for_script(obj) -> str:
    text = json.dumps(obj, cls=PlotlyJSONEncoder)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def figure(row: performance.PriorityFigures) -> go.Figure:
    m = row.monthly
    fig = go.Figure(
        go.Scatter(
            x=list(m["month"]),
            y=[None if v != v else v for v in m["count"].astype("float64")],
            mode="lines+markers",
            name=escape(row.priority.label),  # plotly renders tags in text: an analyst's label stays text
            line={"color": "#0072B2", "width": 2},
            hovertemplate="%{x|%b %Y}: %{y:,}<extra></extra>",
        )
    )
    fig.update_layout(
        template="plotly_white",
        width=680,
        height=450,
        margin={"l": 55, "r": 15, "t": 35, "b": 45},
        title={"text": f"{escape(row.priority.label)}: count per month", "font": {"size": 14}},
        xaxis={"tickformat": "%b %Y"},
        yaxis={"title": "count", "rangemode": "tozero"},
        showlegend=False,
    )
    return fig


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], numeric: set[int]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if j in numeric else ''}>{escape(v)}</td>" for j, v in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f'<table class="grid"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def render(data: PackInput) -> str:
    r = data.report
    parts: list[str] = []
    e = escape
    if r.is_demo:
        parts.append(f'<div class="watermark" aria-hidden="true">{e(common.DEMO_MARK)}</div>')
    # title and summary
    summary: list[tuple[str, ...]] = [
        (
            row.priority.label,
            common.fmt_count(row.last12),
            common.fmt_count(row.prev12),
            common.fmt_pct(row.change_pct),
            common.significance(row),
            wording.rag_badge(row.rag),
        )
        for row in r.rows
    ]
    head = [
        f"<h1>{e(common.title(r))}</h1>",
        f"<p>{e(common.subtitle(r))}</p>",
        f'<p class="status">Data status: {e(r.data_status)}</p>',
    ]
    if r.is_demo:
        head.append(f'<p class="banner">{e(common.DEMO_LINE)}</p>')
    if data.generated:
        head.append(f"<p>Prepared {e(data.generated)}</p>")
    head.append(
        _table(("Priority", "Last 12 months", "Previous 12", "Change", "Significance", "Status"), summary, {1, 2, 3})
    )
    parts.append('<section class="first">' + "".join(head) + "</section>")
    # one section per priority, then its map
    charts: list[str] = []
    for i, row in enumerate(r.rows):
        cid = f"chart-{i}"
        facts = common.facts(row, r)
        status = facts.pop()
        rows = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in facts)
        if row.small_numbers:
            rows += '<tr><td colspan="2"><b>Small numbers: a count under 10, so treat with caution</b></td></tr>'
        fill, ink = common.RAG_FILL.get(row.rag, "8C8C8C"), common.RAG_TEXT.get(row.rag, "FFFFFF")
        parts.append(
            f'<section class="priority"><h2>{e(row.priority.label)}</h2><div class="row">'
            f'<div class="chart" id="{cid}" role="img" aria-label="{e(row.priority.label)}: count per month"></div>'
            f'<div class="facts"><p class="verdict">{e(row.verdict)}</p><table>{rows}</table>'
            f'<div class="rag" style="background:#{fill};color:#{ink}">{e(status[1])} '
            f"Significance: {e(common.significance(row))}.</div></div></div></section>"
        )
        charts.append(
            f'<script type="application/json" data-chart="{cid}">{_json_for_script(figure(row).to_plotly_json())}'
            "</script>"
        )
        png = data.maps.get(row.priority.key)
        if png is not None:
            uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            alt = e(f"{row.priority.label}: rate per 1,000 residents by ward")
            parts.append(
                f'<section class="map"><h2>{e(row.priority.label)}: by ward</h2>'
                f'<img class="map" src="{uri}" alt="{alt}"></section>'
            )
    # ward appendix
    for row in r.rows:
        wr = common.ward_rows(r, row.priority.key)
        if wr:
            parts.append(
                f'<section class="wards"><h2>Ward appendix: {e(row.priority.label)}</h2>'
                + _table(common.WARD_COLUMNS, wr, {1, 2, 3, 4})
                + "</section>"
            )
    ia = common.impact_rows(r)
    if ia:
        parts.append(
            f"<section><h2>Impact Areas: share of residents against share of crime ({e(r.window)})</h2>"
            + _table(common.IMPACT_COLUMNS, ia, {1, 2, 3})
            + "</section>"
        )
    if data.actions:
        parts.append(
            "<section><h2>Action plan: status of each action</h2>"
            + _table(common.ACTION_COLUMNS, data.actions, set())
            + "</section>"
        )
    oc = common.outcome_rows(r)
    if oc:
        parts.append(
            "<section><h2>Outcomes: share charged or summonsed (offences at least 6 months old)</h2>"
            + _table(common.OUTCOME_COLUMNS, oc, {2, 3})
            + "</section>"
        )
    c = data.compare
    if c:  # how we compare (issue 18)
        pol = ""
        if c["police_rows"]:
            pol = f"<h3>police.uk, {e(c['police_window'])}</h3>" + _table(
                compare.POLICE_COLUMNS, c["police_rows"], {1, 2, 3}
            )
        parts.append(
            f"<section><h2>{e(c['title'])}</h2><p>{e(c['lead'])}</p><p>{e(c['peers'])}</p>"
            + _table(compare.COLUMNS, c["rows"], {1, 2, 3, 4})
            + pol
            + "</section>"
        )
    notes = "".join(
        f"<h3>{e(k)}</h3><ul class=notes>" + "".join(f"<li>{e(t)}</li>" for t in v) + "</ul>"
        for k, v in common.all_notes(data).items()
    )
    parts.append(
        f'<section class="notes"><h2>Notes: sources, methods, RAG thresholds, attribution</h2>{notes}</section>'
    )
    foot = (f"{common.DEMO_MARK}. " if r.is_demo else "") + r.attribution
    parts.append(f"<footer>{e(foot)}</footer>")
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(common.title(r))}: {e(r.window)}</title><style>{CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        + "".join(parts)
        + "".join(charts)
        + f"<script>{SCRIPT}</script></body></html>"
    )
