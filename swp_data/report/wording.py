"""The performance report in words and tables for people: RAG status as a
word and a symbol (never colour alone), the verdict on a change, the summary
table the page and every export show (no Streamlit here)."""

from __future__ import annotations

import pandas as pd

from swp_data import fmt, periods
from swp_data.analysis import crime
from swp_data.report.performance import PerformanceReport, PriorityFigures
from swp_data.report.targets import RAG, RAG_LABELS, describe_target, is_demo_target

# --------------------------------------------------------------------------- tables for people
RAG_MARKS = {"green": "🟢", "amber": "🟠", "red": "🔴", "grey": "⚪"}


DIRECTION_LABELS = {"up": "▲ Up", "down": "▼ Down", "flat": "► Flat"}


# A shape per status beside the word and the colour (WCAG 1.4.1: never colour alone; the shapes differ
# where the colours do not, for colour-blind readers and grey-scale print).
RAG_SYMBOLS = {"green": "✓", "amber": "!", "red": "✗", "grey": "–"}


def rag_badge(colour: str) -> str:
    """The status as a symbol and words, e.g. "✗ Red: missed" (the pack; the page adds the colour)."""
    return f"{RAG_SYMBOLS.get(colour, RAG_SYMBOLS['grey'])} {rag_label(colour)}"


def rag_label(colour: str) -> str:
    """The status as words (never colour alone), e.g. "Amber: near"."""
    return RAG_LABELS.get(colour, RAG_LABELS["grey"])


def short_verdict(row: PriorityFigures) -> str:
    """Is the change real, in a few words: "Yes (p < 0.001)", "No: normal
    variation (p = 0.41)", "Too few to judge" or "No earlier year"."""
    if row.last12 is None:
        return "No figures"
    if row.prev12 is None:
        return "No earlier year"
    if row.small_numbers or row.p_value is None:
        return "Too few to judge"
    p = fmt.fmt_p(row.p_value, digits=2)
    return f"Yes ({p})" if row.significant else f"No: normal variation ({p})"


def charged_text(c: dict | None) -> str:
    """The share charged or summonsed of a priority's mature cohorts, e.g.
    "8.9% (8.7–9.1%) of offences Apr 2025 to Mar 2026"; "–" without one."""
    if not c or not c.get("crimes"):
        return "–"
    text = (
        f"{100 * c['charged_share']:.1f}% ({100 * c['charged_low']:.1f}–{100 * c['charged_high']:.1f}%) "
        f"of offences {periods.month_span(c['from'], c['to'])}"
    )
    return text + (" (too few to judge)" if c.get("few") else "")


def summary_table(rep: PerformanceReport) -> pd.DataFrame:
    """One row per priority as the page and the exports show it: words and
    formatted numbers, plus ``trend`` (the monthly counts, a list) for a
    sparkline."""
    rows = []
    for r in rep.rows:
        change = "–" if r.change_pct is None else f"{r.change_pct:+.1f}%"
        rows.append(
            {
                "key": r.priority.key,
                "Priority": r.priority.label + (" (DEMO)" if r.is_demo else ""),
                "Status": f"{RAG_MARKS.get(r.rag, '')} {rag_badge(r.rag)}".strip(),
                "Last 12 months": r.last12,
                "Charged or summonsed": charged_text(r.charged),
                "Previous 12 months": r.prev12,
                "Change": change,
                "Is the change real?": short_verdict(r),
                "Verdict": r.verdict,
                "Rate per 1,000": None if r.rate_per_1000 is None else round(r.rate_per_1000, 2),
                "Direction of travel": DIRECTION_LABELS.get(r.direction, r.direction),
                "trend": [None if pd.isna(v) else float(v) for v in r.monthly["count"]],
                "Target": "No target"
                if r.target is None
                else describe_target(r.target) + (" (DEMO target)" if is_demo_target(r.target) else ""),
                "Target set by": "" if r.target is None else f"{r.target.set_by}, {r.target.set_at:%d %b %Y %H:%M}",
                "Status reason": r.rag_reason,
                "Source": "Partner data" if r.priority.source == "partner" else "police.uk",
                "Too few to judge": r.small_numbers,
            }
        )
    out = pd.DataFrame(rows)
    if len(out):
        out["Last 12 months"] = out["Last 12 months"].astype("Int64")
        out["Previous 12 months"] = out["Previous 12 months"].astype("Int64")
    return out


def rolling12(row: PriorityFigures) -> pd.DataFrame:
    """month, rolling_12: the sum of the 12 months ending in each month of the
    priority's series, where all 12 are loaded (what the RAG status compares
    with the target)."""
    return crime.rolling_sum_12(row.monthly.set_index("month")["count"])


def headline(rep: PerformanceReport) -> str:
    """The answer in one or two plain sentences, e.g. "Over Oct 2025 to Sep
    2026, 2 of 5 priorities changed by more than chance: anti-social
    behaviour down 13%, violence up 5%. Against their targets: 3 met, 1 near,
    1 missed." (the page leads with it)."""
    real = [r for r in rep.rows if r.significant and not r.small_numbers and r.change_pct is not None]
    n = len(rep.rows)
    if real:
        moves = ", ".join(
            f"{r.priority.label.lower()} {'up' if (r.change_pct or 0) > 0 else 'down'} {abs(r.change_pct or 0):.0f}%"
            for r in real
        )
        head = f"Over {rep.window}, {len(real)} of {n} priorities changed by more than chance: {moves}."
    else:
        head = f"Over {rep.window}, none of the {n} priorities changed by more than chance on the year before."
    counts = {c: sum(r.rag == c for r in rep.rows) for c in RAG}
    if counts["grey"] == n:
        return head + " No targets are set, so no RAG status shows."
    parts = [f"{counts[c]} {w}" for c, w in (("green", "met"), ("amber", "near"), ("red", "missed")) if counts[c]]
    demo = " (DEMO targets)" if any(is_demo_target(r.target) for r in rep.rows) else ""
    no_target = f"; {counts['grey']} without a target" if counts["grey"] else ""
    return head + f" Against their targets{demo}: {', '.join(parts)}{no_target}."
