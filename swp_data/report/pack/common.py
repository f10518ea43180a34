"""What every export says, worded once: figures, verdicts, RAG labels, the
ward appendix table, the data status and the notes. The PowerPoint, HTML/PDF
and Word writers lay these out; none of them computes a statistic."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from swp_data import fmt, periods
from swp_data.errors import InputError
from swp_data.report import performance, targets, wording

FORMATS = ("pptx", "pdf", "html", "docx")
DEMO_MARK = "DEMO DATA"
DEMO_LINE = "DEMO DATA: synthetic figures for demonstration, not real crime records"
SUPPRESSED = "suppressed"
ACTION_COLUMNS = ("Priority", "Action", "Lead", "Place", "Due", "Status")  # swp_data.actions.plan.status_table

# Colour-blind-safe RAG fills (Okabe-Ito-like); the text label always goes with the colour.
RAG_FILL = {"green": "1B7837", "amber": "E69F00", "red": "B2182B", "grey": "8C8C8C"}
RAG_TEXT = {"green": "FFFFFF", "amber": "000000", "red": "FFFFFF", "grey": "FFFFFF"}


def rag_thresholds(margin: float) -> str:
    return targets.rag_thresholds_text(margin)


def fmt_pct(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if math.isinf(v):
        return "up from 0"
    return f"{v:+.1f}%"


def fmt_rate(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:,.2f}"


def fmt_p(p: float | None) -> str:
    return fmt.fmt_p(p, prefix=False, digits=3)


def fmt_count(v) -> str:
    """A count as "1,234"; "–" when there is no figure (months not loaded). Withheld ward figures
    are said "suppressed" by :func:`ward_rows`, from the report's ``suppressed`` flag."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return fmt.fmt_int(v)


def significance(row: performance.PriorityFigures) -> str:
    if row.last12 is None or row.prev12 is None:
        return "not tested"
    if row.small_numbers:
        return "too few to judge (a count under 10)"
    return "a real change (95% confidence)" if row.significant else "within normal variation"


def target_text(t: targets.Target | None) -> str:
    return "No target set" if t is None else targets.describe_target(t)


DIRECTION = {"up": "Up", "down": "Down", "flat": "Level"}


def facts(row: performance.PriorityFigures, report: performance.PerformanceReport) -> list[tuple[str, str]]:
    """(label, value) lines for one priority, in the order every export shows them."""
    ci = "–" if row.ci is None else f"{row.ci[0]:.2f} to {row.ci[1]:.2f}" if math.isfinite(row.ci[1]) else "–"
    return [
        (f"Last 12 months ({report.window})", fmt_count(row.last12)),
        *(
            [("Charged or summonsed (offences at least 6 months old)", wording.charged_text(row.charged))]
            if row.priority.source == "police_uk"
            else []
        ),
        (f"Previous 12 months ({report.previous_window})", fmt_count(row.prev12)),
        ("Rate per 1,000 residents", fmt_rate(row.rate_per_1000)),
        ("Change", fmt_pct(row.change_pct)),
        ("Rate ratio, 95% interval", ci),
        ("p-value (exact Poisson test)", fmt_p(row.p_value)),
        ("Significance", significance(row)),
        (
            "Direction of travel (of the change, level within 1%)",
            DIRECTION.get(row.direction, row.direction),
        ),
        ("Target", target_text(row.target)),
        *(
            [("Target set by", f"{xml_safe(row.target.set_by)}, {row.target.set_at:%-d %b %Y}")]
            if row.target is not None
            else []
        ),
        ("Status", status_text(row)),
    ]


def status_text(row: performance.PriorityFigures) -> str:
    """The RAG label and, when a target exists, why."""
    label = wording.rag_badge(row.rag)
    if row.target is None or not row.rag_reason:
        return f"{label}."
    return f"{label}. {row.rag_reason.rstrip('.')}."


def monthly_points(row: performance.PriorityFigures) -> tuple[list[str], list[float | None]]:
    """Chart categories ("Jan 2025") and values (None where suppressed)."""
    m = row.monthly
    labels = [periods.fmt_month(x) for x in m["month"]]
    values = [None if pd.isna(v) else float(v) for v in m["count"]]
    return labels, values


WARD_COLUMNS = ("Ward", "Count", "Previous", "Per 1,000", "Change", "Significance")


def ward_rows(report: performance.PerformanceReport, key: str) -> list[tuple[str, ...]]:
    """The ward appendix for one priority as display text, ward name order."""
    w = report.wards
    if w is None or w.empty:
        return []
    w = w[w["priority"] == key].sort_values("ward_name")
    out: list[tuple[str, ...]] = []
    for r in w.itertuples(index=False):
        if bool(getattr(r, "suppressed", False)):
            out.append((str(r.ward_name), SUPPRESSED, SUPPRESSED, "–", "–", "suppressed (small numbers)"))
            continue
        if r.p_value is None or pd.isna(r.p_value):
            sig = "not tested"
        elif bool(r.small):
            sig = "too few to judge"
        elif bool(r.significant):
            sig = f"real change (p {fmt_p(r.p_value)})"
        else:
            sig = "normal variation"
        out.append(
            (
                str(r.ward_name),
                fmt_count(r.count),
                fmt_count(r.prev_count),
                fmt_rate(r.rate_per_1000),
                fmt_pct(r.change_pct),
                sig,
            )
        )
    return out


IMPACT_COLUMNS = ("Impact Area", "Share of residents", "Share of crime", "Crime share / resident share")


OUTCOME_COLUMNS = ("Priority", "Months of offence", "Crimes", "Charged or summonsed", "95% interval")


def outcome_rows(report: performance.PerformanceReport) -> list[tuple[str, ...]]:
    """What happened next, per police.uk priority with outcomes: the share
    charged or summonsed of its offences at least 6 months old."""
    out: list[tuple[str, ...]] = []
    for row in report.rows:
        c = row.charged
        if not c or not c.get("crimes"):
            continue
        share = f"{100 * c['charged_share']:.1f}%" + (" (too few to judge)" if c.get("few") else "")
        out.append(
            (
                row.priority.label + (" (DEMO)" if row.is_demo else ""),
                f"{c['from']:%b %Y} to {c['to']:%b %Y}",
                f"{c['crimes']:,}",
                share,
                f"{100 * c['charged_low']:.1f}–{100 * c['charged_high']:.1f}%",
            )
        )
    return out


def impact_rows(report: performance.PerformanceReport) -> list[tuple[str, ...]]:
    ia = report.impact_areas
    if ia is None or ia.empty:
        return []
    out: list[tuple[str, ...]] = []
    for r in ia.itertuples(index=False):
        # shares are percentages (places.share_table)
        ratio = r.crime_share / r.population_share if r.population_share else float("nan")
        name = str(r.name)
        if bool(getattr(r, "approximate", False)) and bool(r.is_demo):
            name += " (approximate, for demonstration)"
        elif bool(r.is_demo):
            name += " (demo)"
        elif bool(getattr(r, "approximate", False)):
            name += " (approximate)"
        out.append((name, f"{r.population_share:.1f}%", f"{r.crime_share:.1f}%", f"{ratio:.2f}"))
    return out


def title(report: performance.PerformanceReport) -> str:
    return "Safer Wolverhampton Partnership: performance report"


def subtitle(report: performance.PerformanceReport) -> str:
    audience = "Public version: small numbers suppressed" if report.public else "Partnership version"
    return f"{report.window}, against {report.previous_window}. {audience}."


def notes(report: performance.PerformanceReport) -> dict[str, list[str]]:
    """The notes section: sources, methods, RAG thresholds, attribution."""
    return {
        "Data status": [report.data_status] + ([DEMO_LINE] if report.is_demo else []),
        "Sources": list(report.sources) or ["See the Data page for the provenance of every dataset."],
        "Methods": [m for m in report.methods if not m.startswith("RAG thresholds")],
        "RAG thresholds": [rag_thresholds(report.amber_margin)],
        "Attribution": [report.attribution],
    }


def all_notes(data: PackInput) -> dict[str, list[str]]:
    """The notes, with "how we compare"'s methods when the pack has that section."""
    out = notes(data.report)
    if data.compare:
        out["How we compare"] = list(data.compare["notes"])
    return out


def file_stem(report: performance.PerformanceReport) -> str:
    return f"swp-performance-{report.to_month:%Y-%m}" + ("-public" if report.public else "")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: object) -> str:
    """Text a .pptx or .docx can hold: characters XML 1.0 forbids are dropped."""
    return _NOT_XML.sub("", str(text))


def parse_month(text: str | None) -> pd.Timestamp | None:
    if text is None or text == "":
        return None
    ts = periods.parse_month(text)
    if ts is None or ts.year < 2000:
        raise InputError(None, f"--to {text[:20]!r}: give the last month as YYYY-MM, e.g. 2026-09")
    return ts


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for f in (i.strip().lower() for i in items):
        if not f:
            continue
        if f not in FORMATS:
            raise InputError(None, f"unknown format {f!r}; use any of {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise InputError(None, f"no format given; use any of {', '.join(FORMATS)}")
    return tuple(out)


@dataclass
class PackInput:
    """A report and what the writers draw from the store besides it."""

    report: performance.PerformanceReport
    maps: dict[str, bytes] = field(default_factory=dict)  # priority key -> ward choropleth PNG
    assessment: dict | None = None  # the DOCX annex's extra tables (swp_data.report.pack.assessment)
    compare: dict | None = None  # "how we compare" (swp_data.report.pack.compare)
    generated: str = ""  # "30 Nov 2026 05:10"
    actions: list[tuple[str, ...]] = field(default_factory=list)  # the action plan's status table (ACTION_COLUMNS)
