"""Targets and RAG status: each priority's target (a reduction on a baseline
year, or a count), the amber margin, and the rules that turn a count and a
target into Green, Amber, Red or Grey. Stored in the store (tables ``target``
and ``setting``), changed only by an analyst, with who and when, each change
in the audit trail (no Streamlit here)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from swp_data import access, fmt, periods, store
from swp_data.analysis import crime
from swp_data.errors import InputError
from swp_data.report.priorities import Priority, has_table, month_start, now, priority_by_key, priority_series
from swp_data.store import audit

# RAG colours (colour-blind-safe fills are chosen by the page/pack, not here).
RAG = ("green", "amber", "red", "grey")


DEFAULT_AMBER_MARGIN = 0.05  # within 5% of the target: amber


@dataclass(frozen=True)
class Target:
    priority: str  # Priority.key
    kind: str  # "reduction_pct" (e.g. 5 = 5% fewer than the baseline) | "count" (at most N in the period)
    value: float
    baseline_label: str | None  # e.g. "2025/26" for reduction_pct (financial year or "Jan 2025 to Dec 2025")
    baseline_count: int | None  # the baseline's count, resolved when the target is set or computed
    start: dt.date
    end: dt.date
    set_by: str
    set_at: dt.datetime


MARGIN_KEY = "rag_amber_margin"
# Targets the demo dataset sets (swp_data.demo.targets) are stored with this as their setter, and shown as DEMO.
DEMO_SETTER = "DEMO target, for demonstration"


KINDS = ("reduction_pct", "count")


def pct_text(margin: float) -> str:
    return f"{100 * margin:g}%"


def _day(ts) -> str:
    return "no date" if pd.isna(ts) else f"{ts.day} {periods.MONTH_ABBR[ts.month - 1]} {ts.year}"


# --------------------------------------------------------------------------- settings and targets
def amber_margin(con: duckdb.DuckDBPyConnection) -> float:
    """The RAG amber margin in force (default 5%)."""
    if not has_table(con, "setting"):
        return DEFAULT_AMBER_MARGIN
    r = con.execute("SELECT value FROM setting WHERE key = ?", [MARGIN_KEY]).fetchone()
    try:
        return DEFAULT_AMBER_MARGIN if r is None else float(r[0])
    except ValueError:
        return DEFAULT_AMBER_MARGIN


def set_amber_margin(con: duckdb.DuckDBPyConnection, margin: float) -> None:
    """Analyst only; audited. 0 <= margin < 1."""
    actor = access.require_analyst("changing the RAG thresholds")
    try:
        m = float(margin)
    except (TypeError, ValueError):
        raise InputError(None, f"the amber margin must be a number, not {str(margin)[:40]!r}") from None
    if not (math.isfinite(m) and 0 <= m < 1):
        raise InputError(None, f"the amber margin must be from 0% to under 100%, not {100 * m:g}%")
    old = amber_margin(con)
    store.ensure_data_tables(con)
    con.execute("DELETE FROM setting WHERE key = ?", [MARGIN_KEY])
    con.execute("INSERT INTO setting VALUES (?, ?, ?, ?)", [MARGIN_KEY, repr(m), actor.who, now()])
    audit.record(
        con, "setting", dataset_id=f"setting:{MARGIN_KEY}", detail=f"RAG amber margin {pct_text(old)} -> {pct_text(m)}"
    )


def _row_target(row) -> Target:
    priority, kind, value, label, count, start, end, who, at = row
    return Target(
        priority=priority,
        kind=kind,
        value=float(value),
        baseline_label=label,
        baseline_count=None if count is None else int(count),
        start=pd.Timestamp(start).date(),
        end=pd.Timestamp(end).date(),
        set_by=who,
        set_at=pd.Timestamp(at).to_pydatetime(),
    )


def targets(con: duckdb.DuckDBPyConnection) -> dict[str, Target]:
    """Every stored target, by priority key."""
    if not has_table(con, "target"):
        return {}
    rows = con.execute(
        "SELECT priority, kind, value, baseline_label, baseline_count, start_date, end_date, set_by, set_at "
        "FROM target ORDER BY priority"
    ).fetchall()
    return {r[0]: _row_target(r) for r in rows}


def parse_baseline(text: str) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """A baseline period of 12 months: a financial year ("2025/26", "2025-26",
    "FY2025-26") or "YYYY-MM to YYYY-MM". Returns (label, first month, last
    month); InputError otherwise."""
    t = str(text or "").strip()
    if not t:
        raise InputError(None, "a reduction target needs a baseline period, e.g. 2025/26")
    parts = re.split(r"\s+to\s+|\s*\.\.\s*", t, flags=re.IGNORECASE)
    try:
        if len(parts) == 2:
            a, b = (periods.parse_period(x) for x in parts)
            if a[0] != "month" or b[0] != "month":
                raise ValueError("write two months, e.g. 2025-01 to 2025-12")
            start, end = month_start(a[1]), month_start(b[1])
        else:
            kind, d0, _ = periods.parse_period(t)
            if kind != "fy":
                raise ValueError("use a financial year (2025/26) or 12 months (2025-01 to 2025-12)")
            start = month_start(d0)
            end = start + pd.DateOffset(months=11)
    except ValueError as e:
        raise InputError(None, f"baseline {t[:40]!r}: {e}") from None
    n = (end.year - start.year) * 12 + end.month - start.month + 1
    if n != 12:
        raise InputError(None, f"baseline {t[:40]!r} covers {n} months; a baseline must cover 12 months")
    label = periods.fy_label(start.year) if start.month == 4 else periods.month_span(start, end)
    return label, start, end


def baseline_count(con, p: Priority, label: str) -> tuple[int | None, str]:
    """The priority's count in a baseline period, or None and why not."""
    name, start, end = parse_baseline(label)
    s, _ = priority_series(con, p, start, end)
    n, months = crime.window_sum(s, start, end)
    if months < 12:
        return None, f"the baseline {name} is not fully loaded for {p.label} ({months} of 12 months)"
    return n, ""


def target_limit(target: Target) -> float | None:
    """The count a target allows over 12 months (None: baseline unknown)."""
    if target.kind == "count":
        return float(target.value)
    if target.baseline_count is None:
        return None
    return target.baseline_count * (1 - target.value / 100.0)


def is_demo_target(target: Target | None) -> bool:
    """Whether a target was set by the demo dataset (never a real commitment)."""
    return target is not None and target.set_by == DEMO_SETTER


def describe_target(target: Target) -> str:
    """e.g. "5% fewer than in 2025-26 (at most 1,172 in 12 months), Apr 2026 to Mar 2027"."""
    limit = target_limit(target)
    when = periods.month_span(pd.Timestamp(target.start), pd.Timestamp(target.end))
    if target.kind == "count":
        return f"at most {fmt.fmt_int(target.value)} in 12 months, {when}"
    v = target.value
    what = (
        f"{v:g}% fewer than in {target.baseline_label}"
        if v >= 0
        else f"at most {-v:g}% more than in {target.baseline_label}"
    )
    lim = "" if limit is None else f" (at most {fmt.fmt_int(math.floor(limit + 1e-9))} in 12 months)"
    return f"{what}{lim}, {when}"


def set_target(
    con: duckdb.DuckDBPyConnection,
    priority: str,
    kind: str,
    value: float,
    start: dt.date,
    end: dt.date,
    baseline: str | None = None,
) -> Target:
    """Create or replace a priority's target (analyst only; audited).

    ``kind="reduction_pct"``: ``value`` percent fewer than in ``baseline`` (a
    financial year or 12 months, fully loaded; a negative value allows a
    rise of at most that much); ``kind="count"``: at most ``value`` in 12
    months. Targets are annual levels: the RAG compares the rolling 12
    months with them while the target is in force (``start`` to ``end``).
    """
    actor = access.require_analyst("setting a target")
    p = priority_by_key(con, priority)
    if kind not in KINDS:
        raise InputError(None, f"unknown kind of target {str(kind)[:40]!r}: use {' or '.join(KINDS)}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(None, f"the target value must be a number, not {str(value)[:40]!r}") from None
    if not math.isfinite(v):
        raise InputError(None, "the target value must be a number")
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if pd.isna(s) or pd.isna(e) or e < s:
        raise InputError(None, f"the target's end ({_day(e)}) must not be before its start ({_day(s)})")
    label: str | None = None
    base: int | None = None
    if kind == "reduction_pct":
        if not -100 < v < 100:
            raise InputError(None, f"a reduction must be between -100% and 100%, not {v:g}%")
        label = parse_baseline(baseline or "")[0]
        base, why = baseline_count(con, p, baseline or "")
        if base is None:
            raise InputError(None, why)
    elif v < 0 or not v.is_integer():
        raise InputError(None, f"a count target must be a whole number of 0 or more, not {v:g}")
    t = Target(p.key, kind, v, label, base, s.date(), e.date(), actor.who, now())
    store.ensure_data_tables(con)
    old = targets(con).get(p.key)
    con.execute("DELETE FROM target WHERE priority = ?", [p.key])
    con.execute(
        "INSERT INTO target VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [t.priority, t.kind, t.value, t.baseline_label, t.baseline_count, t.start, t.end, t.set_by, t.set_at],
    )
    verb = "changed" if old else "set"
    audit.record(
        con, "target", dataset_id=f"target:{p.key}", detail=f"{p.label}: target {verb} to {describe_target(t)}"
    )
    return t


def remove_target(con: duckdb.DuckDBPyConnection, priority: str) -> bool:
    """Remove a priority's target (analyst only; audited); False if it had none."""
    access.require_analyst("removing a target")
    old = targets(con).get(priority)
    if old is None:
        return False
    con.execute("DELETE FROM target WHERE priority = ?", [priority])
    audit.record(con, "target", dataset_id=f"target:{priority}", detail=f"target removed (was {describe_target(old)})")
    return True


# --------------------------------------------------------------------------- RAG
def rag_thresholds_text(margin: float) -> str:
    """The thresholds as stated on the page and in every export."""
    m = pct_text(margin)
    return (
        f"Green: at or below the target. Amber: above the target by up to {m}. "
        f"Red: more than {m} above the target. Grey: no target in force, or no figure to compare. "
        "The colour compares the last 12 months with the target; the change verdict beside it says "
        "whether the change is more than chance (95% confidence)."
    )


def rag_status(actual: int | None, target: Target | None, margin: float = DEFAULT_AMBER_MARGIN) -> tuple[str, str]:
    """(colour, reason): green met, amber within ``margin`` of the target, red
    worse, grey no target or nothing to compare."""
    if target is None:
        return "grey", "No target set"
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return "grey", "No figure to compare with the target"
    limit = target_limit(target)
    if limit is None:
        return "grey", f"The baseline {target.baseline_label} is not loaded: no figure to compare with"
    a = int(actual)
    head = f"{fmt.fmt_int(a)} against a target of at most {fmt.fmt_int(math.floor(limit + 1e-9))}"
    eps = 1e-9 * max(1.0, abs(limit))
    if a <= limit + eps:
        return "green", f"{head}: met"
    if a <= limit * (1 + margin) + eps:
        return "amber", f"{head}: above it, within the {pct_text(margin)} margin"
    return "red", f"{head}: more than {pct_text(margin)} above it"


RAG_LABELS = {"green": "Green: met", "amber": "Amber: near", "red": "Red: missed", "grey": "Grey: no target"}
