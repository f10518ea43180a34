"""Performance against the strategy priorities: the quarterly report's figures,
targets and RAG status (no Streamlit here).

CONTRACT (written before the code; the Performance page and the meeting pack
both build on it, so change it only together with them):

- :func:`report` computes everything the Performance page and every export
  show, for one period end (``to_month``, default the last complete month
  loaded) and one audience (``public=True``: small-number suppression as the
  public pages apply it). Figures are the same statistics the other pages show
  (``swp_data.analysis.stats.poisson_change``, rates per 1,000 Census 2021 residents).
- Targets and RAG thresholds are stored in the store (tables ``target`` and
  ``setting``), changed only by an analyst (``access.require_analyst``), with
  who and when, and each change is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
import pandas as pd

from swp_data import access, config, periods, store, taxonomy
from swp_data.analysis import crime, stats
from swp_data.errors import InputError
from swp_data.sources.partner import clean_text
from swp_data.store import audit

# RAG colours (colour-blind-safe fills are chosen by the page/pack, not here).
RAG = ("green", "amber", "red", "grey")
DEFAULT_AMBER_MARGIN = 0.05  # within 5% of the target: amber


@dataclass(frozen=True)
class Priority:
    """A strategy priority the data can measure."""

    key: str  # stable id, e.g. "asb", "violence", "neighbourhood", "domestic_abuse", "hate_crime", "cat:<category>"
    label: str  # "Anti-social behaviour"
    source: str  # "police_uk" | "partner"
    categories: tuple[str, ...] = ()  # police.uk categories (source police_uk)
    measure: str | None = None  # partner measure name (source partner)
    custom: bool = False  # added by an analyst from the categories


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


@dataclass
class PriorityFigures:
    priority: Priority
    last12: int | None  # count, last 12 months to to_month (None: suppressed or not measurable)
    prev12: int | None  # count, the 12 months before
    rate_per_1000: float | None  # last 12 months per 1,000 residents
    change_pct: float | None
    p_value: float | None
    significant: bool  # exact Poisson test at 95%
    ci: tuple[float, float] | None  # rate ratio interval
    verdict: str  # one sentence as the pages say it (stats.describe_change)
    # direction of travel since the last quarter: the rolling 12 months to to_month against the rolling 12
    # months to 3 months earlier (i.e. the last 3 months against the same 3 a year before: no seasonal
    # swing); "flat" within +/-1%. "up" | "down" | "flat"
    direction: str
    monthly: pd.DataFrame  # columns month (Timestamp, month start), count; 24+ months ending at to_month
    target: Target | None
    rag: str  # one of RAG
    rag_reason: str  # e.g. "1,234 against a target of at most 1,200 (within the 5% margin)"
    small_numbers: bool  # any count under 10 (flag unreliable)
    is_demo: bool  # any figure from demo data


@dataclass
class PerformanceReport:
    to_month: pd.Timestamp  # month start of the last month in the window
    window: str  # "Oct 2025 to Sep 2026"
    previous_window: str  # "Oct 2024 to Sep 2025"
    public: bool
    amber_margin: float  # the RAG threshold in force (e.g. 0.05)
    rows: list[PriorityFigures]
    # Ward appendix: one row per ward and priority: ward_code, ward_name, priority, count, prev_count,
    # rate_per_1000, change_pct, p_value, significant, small (bool), suppressed (bool)
    wards: pd.DataFrame
    # Impact Areas: area_id, name, population_share, crime_share (last 12 months, all crime), is_demo
    impact_areas: pd.DataFrame
    data_status: str  # one line: months loaded, real or demo, records without a location
    is_demo: bool  # any figure in the report from demo data
    sources: list[str] = field(default_factory=list)  # provenance lines for the notes slide
    attribution: str = ""  # config.ATTRIBUTION
    methods: list[str] = field(default_factory=list)  # how the figures are computed, one line each


# --------------------------------------------------------------------------- constants
SPARK_MONTHS = 36  # months in each priority's monthly series (sparklines, pack charts)
DIRECTION_BAND = 0.01  # rolling 12 months within +/-1% of 3 months earlier: "flat"
MARGIN_KEY = "rag_amber_margin"
PUBLIC_SETTER = "an analyst"  # Target.set_by in a public report
KINDS = ("reduction_pct", "count")
SMALL = stats.UNRELIABLE_BELOW  # counts under 10 are flagged unreliable

# The strategy priorities (DESIGN.md) that police.uk records measure, in strategy order.
_POLICE_PRIORITIES: tuple[Priority, ...] = (
    Priority("asb", "Anti-social behaviour", "police_uk", taxonomy.GROUPINGS["Anti-social behaviour"]),
    Priority("violence", "Violence", "police_uk", taxonomy.GROUPINGS["Violence"]),
    Priority("neighbourhood", "Neighbourhood crime", "police_uk", taxonomy.GROUPINGS["Neighbourhood crime"]),
)
# Partner measures that can stand for a priority, best first (only monthly rows are used).
_PARTNER_PRIORITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "domestic_abuse",
        "Domestic abuse",
        ("domestic_abuse_incidents", "domestic_abuse_crimes", "domestic_violence_reports"),
    ),
    ("hate_crime", "Hate crime", ("hate_crime", "hate_crime_reports")),
)
BUILTIN_KEYS = tuple(p.key for p in _POLICE_PRIORITIES) + tuple(k for k, _, _ in _PARTNER_PRIORITIES)

WARD_COLUMNS = [
    "ward_code",
    "ward_name",
    "priority",
    "priority_label",
    "count",
    "prev_count",
    "rate_per_1000",
    "change_pct",
    "ci_low",
    "ci_high",
    "p_value",
    "significant",
    "small",
    "suppressed",
    "verdict",
    "is_demo",
]
IMPACT_COLUMNS = [
    "area_id",
    "name",
    "n_lsoa",
    "population",
    "population_share",
    "crime",
    "crime_share",
    "ratio",
    "approximate",
    "is_demo",
]


# --------------------------------------------------------------------------- small helpers
def _month(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    a, b = periods.fmt_month(start), periods.fmt_month(end)
    return a if a == b else f"{a} to {b}"


def _pct(margin: float) -> str:
    return f"{100 * margin:g}%"


def _day(ts) -> str:
    return "no date" if pd.isna(ts) else f"{ts.day} {periods.MONTH_ABBR[ts.month - 1]} {ts.year}"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _has(con, table: str) -> bool:
    return store.table_exists(con, table)


def _partner_measure(con, candidates: tuple[str, ...]) -> str | None:
    """The first candidate measure with monthly rows in the store."""
    if not _has(con, "partner_series"):
        return None
    have = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT measure FROM partner_series WHERE period_type = 'month' AND list_contains(?, measure)",
            [list(candidates)],
        ).fetchall()
    }
    return next((m for m in candidates if m in have), None)


def _custom_priorities(con) -> list[Priority]:
    if not _has(con, "custom_priority"):
        return []
    rows = con.execute("SELECT key, label, categories FROM custom_priority ORDER BY created_at, key").fetchall()
    return [Priority(k, lab, "police_uk", tuple(cats), custom=True) for k, lab, cats in rows]


# --------------------------------------------------------------------------- priorities
def priorities(con: duckdb.DuckDBPyConnection) -> list[Priority]:
    """The priorities the loaded data can measure, strategy order, then custom ones."""
    out: list[Priority] = []
    police = crime.crime_loaded(con)
    if police:
        out += list(_POLICE_PRIORITIES)
    for key, label, candidates in _PARTNER_PRIORITIES:
        measure = _partner_measure(con, candidates)
        if measure is not None:
            out.append(Priority(key, label, "partner", measure=measure))
    if police:
        out += _custom_priorities(con)
    return out


def _priority(con, key: str) -> Priority:
    for p in priorities(con):
        if p.key == key:
            return p
    known = ", ".join(p.key for p in priorities(con)) or "none: no data loaded"
    raise InputError(None, f"no priority {str(key)[:60]!r} that the loaded data can measure (known: {known})")


# --------------------------------------------------------------------------- monthly series
def _crime_counts(con, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """month, category, demo (from a demo dataset), n: the crime records of
    the months ``start`` to ``end``, in one query (every police.uk figure of
    the report is added up from it)."""
    if not _has(con, "crime"):
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "category": [], "demo": [], "n": []})
    df = con.execute(
        """SELECT c.month, c.category, coalesce(d.is_demo, false) AS demo, c.n
           FROM (SELECT month, category, dataset_id, count(*) AS n FROM crime
                 WHERE month BETWEEN ? AND ? GROUP BY ALL) c
           LEFT JOIN dataset d USING (dataset_id)""",
        [start.date(), end.date()],
    ).df()
    df["month"] = pd.to_datetime(df["month"])
    return df


def _police_monthly(
    counts: pd.DataFrame, categories: tuple[str, ...], start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Series, bool]:
    """Counts per calendar month from ``start`` to ``end`` (0 in a loaded month
    without such a record; NaN: month not loaded) and whether a demo dataset
    contributes (as crime.is_demo_selection)."""
    months = pd.date_range(start, end, freq="MS")
    counts = counts[(counts["month"] >= start) & (counts["month"] <= end)]
    s = pd.Series(np.nan, index=months, dtype="float64")
    s[s.index.isin(counts["month"].unique())] = 0.0
    sub = counts[counts["category"].isin(categories)]
    got = sub.groupby("month")["n"].sum().astype("float64")
    s.loc[got.index] = got.to_numpy()
    return s, bool(sub["demo"].any())


def _partner_monthly(con, measure: str, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Series, bool]:
    """City counts of a partner measure per calendar month (all breakdowns
    added up; NaN: month not held) and whether any of them is demo. Where
    real and demo returns cover the same month, the real one is used."""
    months = pd.date_range(start, end, freq="MS")
    df = crime.partner_series(con, measure, "month", "city")
    s = pd.Series(np.nan, index=months, dtype="float64")
    if df.empty:
        return s, False
    df = df[(df["period_start"] >= start) & (df["period_start"] <= end)]
    g = df.groupby(["period_start", "source"], as_index=False).agg(count=("count", "sum"), is_demo=("is_demo", "any"))
    g = g.sort_values(["period_start", "is_demo"]).drop_duplicates("period_start")
    s.loc[pd.DatetimeIndex(g["period_start"])] = g["count"].to_numpy(dtype="float64")
    return s, bool(g["is_demo"].any())


def _window(s: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[int, int]:
    """(count, months loaded) of a monthly series between two month starts."""
    w = s[(s.index >= start) & (s.index <= end)]
    return int(w.sum(skipna=True)), int(w.notna().sum())


def _direction(s: pd.Series, to: pd.Timestamp) -> str:
    """Rolling 12 months to ``to`` against the rolling 12 to 3 months earlier
    (per month loaded, so a gap does not read as a fall); flat within 1%."""
    now, n_now = _window(s, to - pd.DateOffset(months=11), to)
    before, n_before = _window(s, to - pd.DateOffset(months=14), to - pd.DateOffset(months=3))
    if not n_now or not n_before:
        return "flat"
    a, b = now / n_now, before / n_before
    if b == 0:
        return "flat" if a == 0 else "up"
    r = a / b - 1
    return "up" if r > DIRECTION_BAND else "down" if r < -DIRECTION_BAND else "flat"


# --------------------------------------------------------------------------- settings and targets
def amber_margin(con: duckdb.DuckDBPyConnection) -> float:
    """The RAG amber margin in force (default 5%)."""
    if not _has(con, "setting"):
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
    con.execute("INSERT INTO setting VALUES (?, ?, ?, ?)", [MARGIN_KEY, repr(m), actor.who, _now()])
    audit.record(
        con, "setting", dataset_id=f"setting:{MARGIN_KEY}", detail=f"RAG amber margin {_pct(old)} -> {_pct(m)}"
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
    if not _has(con, "target"):
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
            start, end = _month(a[1]), _month(b[1])
        else:
            kind, d0, _ = periods.parse_period(t)
            if kind != "fy":
                raise ValueError("use a financial year (2025/26) or 12 months (2025-01 to 2025-12)")
            start = _month(d0)
            end = start + pd.DateOffset(months=11)
    except ValueError as e:
        raise InputError(None, f"baseline {t[:40]!r}: {e}") from None
    n = (end.year - start.year) * 12 + end.month - start.month + 1
    if n != 12:
        raise InputError(None, f"baseline {t[:40]!r} covers {n} months; a baseline must cover 12 months")
    label = periods.fy_label(start.year) if start.month == 4 else _span(start, end)
    return label, start, end


def _priority_series(
    con, p: Priority, start: pd.Timestamp, end: pd.Timestamp, counts: pd.DataFrame | None = None
) -> tuple[pd.Series, bool]:
    """A priority's monthly counts and whether any is demo (``counts``: the
    crime records of those months from :func:`_crime_counts`, if at hand)."""
    if p.source == "partner":
        return _partner_monthly(con, p.measure or "", start, end)
    return _police_monthly(_crime_counts(con, start, end) if counts is None else counts, p.categories, start, end)


def _baseline_count(con, p: Priority, label: str) -> tuple[int | None, str]:
    """The priority's count in a baseline period, or None and why not."""
    name, start, end = parse_baseline(label)
    s, _ = _priority_series(con, p, start, end)
    n, months = _window(s, start, end)
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


def describe_target(target: Target) -> str:
    """e.g. "5% fewer than in 2025-26 (at most 1,172 in 12 months), Apr 2026 to Mar 2027"."""
    limit = target_limit(target)
    when = _span(pd.Timestamp(target.start), pd.Timestamp(target.end))
    if target.kind == "count":
        return f"at most {periods.fmt_int(target.value)} in 12 months, {when}"
    v = target.value
    what = (
        f"{v:g}% fewer than in {target.baseline_label}"
        if v >= 0
        else f"at most {-v:g}% more than in {target.baseline_label}"
    )
    lim = "" if limit is None else f" (at most {periods.fmt_int(math.floor(limit + 1e-9))} in 12 months)"
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
    p = _priority(con, priority)
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
        base, why = _baseline_count(con, p, baseline or "")
        if base is None:
            raise InputError(None, why)
    elif v < 0 or not v.is_integer():
        raise InputError(None, f"a count target must be a whole number of 0 or more, not {v:g}")
    t = Target(p.key, kind, v, label, base, s.date(), e.date(), actor.who, _now())
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


def add_priority(con: duckdb.DuckDBPyConnection, label: str, categories: tuple[str, ...]) -> Priority:
    """An analyst's own priority from police.uk categories (analyst only; audited)."""
    actor = access.require_analyst("adding a priority")
    name = clean_text(str(label or ""))
    if not name:
        raise InputError(None, "a priority needs a name")
    if len(name) > 80:
        raise InputError(None, f"the priority's name is {len(name)} characters long (at most 80)")
    cats = tuple(dict.fromkeys(categories or ()))
    if not cats:
        raise InputError(None, f"the priority {name!r} needs at least one police.uk category")
    allowed = set(taxonomy.CATEGORIES) | set(taxonomy.HISTORIC_CATEGORIES)
    bad = [c for c in cats if c not in allowed]
    if bad:
        raise InputError(None, f"{str(bad[0])[:60]!r} is not a police.uk category")
    key = "cat:" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "priority")
    taken = {p.label.casefold() for p in [*_POLICE_PRIORITIES, *_custom_priorities(con)]}
    taken |= {lab.casefold() for _, lab, _ in _PARTNER_PRIORITIES}
    if name.casefold() in taken or key in {p.key for p in _custom_priorities(con)}:
        raise InputError(None, f"a priority called {name!r} already exists: choose another name")
    store.ensure_data_tables(con)
    con.execute("INSERT INTO custom_priority VALUES (?, ?, ?, ?, ?)", [key, name, list(cats), actor.who, _now()])
    audit.record(con, "setting", dataset_id=f"priority:{key}", detail=f"priority added: {name} ({', '.join(cats)})")
    return Priority(key, name, "police_uk", cats, custom=True)


def remove_priority(con: duckdb.DuckDBPyConnection, key: str) -> bool:
    """Remove an analyst's own priority and its target (analyst only; audited);
    False if there is none. The strategy priorities cannot be removed."""
    access.require_analyst("removing a priority")
    if key in BUILTIN_KEYS:
        raise InputError(None, f"{key!r} is a strategy priority: only priorities added by an analyst can be removed")
    found = next((p for p in _custom_priorities(con) if p.key == key), None)
    if found is None:
        return False
    con.execute("DELETE FROM custom_priority WHERE key = ?", [key])
    if _has(con, "target"):
        con.execute("DELETE FROM target WHERE priority = ?", [key])
    audit.record(con, "setting", dataset_id=f"priority:{key}", detail=f"priority removed: {found.label}")
    return True


# --------------------------------------------------------------------------- RAG
def rag_thresholds_text(margin: float) -> str:
    """The thresholds as stated on the page and in every export."""
    m = _pct(margin)
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
    head = f"{periods.fmt_int(a)} against a target of at most {periods.fmt_int(math.floor(limit + 1e-9))}"
    eps = 1e-9 * max(1.0, abs(limit))
    if a <= limit + eps:
        return "green", f"{head}: met"
    if a <= limit * (1 + margin) + eps:
        return "amber", f"{head}: above it, within the {_pct(margin)} margin"
    return "red", f"{head}: more than {_pct(margin)} above it"


RAG_LABELS = {"green": "Green: met", "amber": "Amber: near", "red": "Red: missed", "grey": "Grey: no target"}
# A shape per status beside the word and the colour (WCAG 1.4.1: never colour alone; the shapes differ
# where the colours do not, for colour-blind readers and grey-scale print).
RAG_SYMBOLS = {"green": "✓", "amber": "!", "red": "✗", "grey": "–"}


def rag_badge(colour: str) -> str:
    """The status as a symbol and words, e.g. "✗ Red: missed" (the pack; the page adds the colour)."""
    return f"{RAG_SYMBOLS.get(colour, RAG_SYMBOLS['grey'])} {RAG_LABELS.get(colour, RAG_LABELS['grey'])}"


# --------------------------------------------------------------------------- the report
def _resolve_to_month(con, to_month, prios: list[Priority]) -> pd.Timestamp:
    loaded = crime.months_loaded(con)
    partner_months: list[pd.Timestamp] = []
    if not loaded:
        for p in prios:
            if p.source == "partner":
                rows = con.execute(
                    "SELECT DISTINCT period_start FROM partner_series WHERE measure = ? AND period_type = 'month'",
                    [p.measure],
                ).fetchall()
                partner_months += [pd.Timestamp(r[0]) for r in rows]
    have = sorted(set(loaded or partner_months))
    if not have:
        raise InputError(None, "no figures to report: load police.uk records or partner data first")
    span = _span(have[0], have[-1])
    if to_month is None or (isinstance(to_month, str) and not to_month.strip()):
        return have[-1]
    try:
        if isinstance(to_month, str):
            kind, d0, _ = periods.parse_period(to_month.strip())
            if kind != "month":
                raise ValueError("give a month, e.g. 2026-09")
            m = _month(d0)
        else:
            m = _month(to_month)
    except (ValueError, TypeError) as e:
        raise InputError(None, f"period {str(to_month)[:40]!r}: {e}") from None
    if m not in have:
        raise InputError(None, f"no data loaded for {periods.fmt_month(m)}: records run from {span}")
    return m


def _figures(p: Priority, s: pd.Series, demo: bool, to: pd.Timestamp, pop: int, tgt, margin) -> PriorityFigures:
    cur_start = to - pd.DateOffset(months=11)
    prev_start, prev_end = to - pd.DateOffset(months=23), to - pd.DateOffset(months=12)
    cur, n_cur = _window(s, cur_start, to)
    prev, n_prev = _window(s, prev_start, prev_end)
    spark_start = max(to - pd.DateOffset(months=SPARK_MONTHS - 1), s.first_valid_index() or to)
    monthly = s[(s.index >= spark_start) & (s.index <= to)]
    monthly = pd.DataFrame({"month": monthly.index, "count": monthly.to_numpy()}).reset_index(drop=True)
    last12 = cur if n_cur else None
    res = None
    if n_cur and n_prev:
        res = stats.poisson_change(cur, prev, exposure_current=n_cur, exposure_previous=n_prev)
    if last12 is None:
        verdict = f"No {p.label.lower()} figures for {_span(cur_start, to)}"
    elif res is None:
        verdict = "No earlier year loaded to compare with"
    else:
        verdict = stats.describe_change(res)
        if n_cur < 12 or n_prev < 12:
            verdict += f" ({n_cur} and {n_prev} of 12 months loaded)"
    if tgt is None:
        colour, reason = rag_status(last12, None, margin)
    elif not (pd.Timestamp(tgt.start) <= to + pd.offsets.MonthEnd(0) and to <= pd.Timestamp(tgt.end)):
        colour, reason = "grey", f"Target not in force in {periods.fmt_month(to)} ({describe_target(tgt)})"
    elif last12 is not None and n_cur < 12:
        colour, reason = "grey", f"Only {n_cur} of the last 12 months are loaded: no figure to compare with the target"
    else:
        colour, reason = rag_status(last12, tgt, margin)
    small = any(v is not None and v < SMALL for v in (last12, prev if n_prev else None))
    return PriorityFigures(
        priority=p,
        last12=last12,
        prev12=prev if n_prev else None,
        rate_per_1000=None if last12 is None else float(stats.rate_per_1000(last12, pop)),
        change_pct=None if res is None or not math.isfinite(res.pct_change) else float(res.pct_change),
        p_value=None if res is None or not math.isfinite(res.p_value) else float(res.p_value),
        significant=bool(res is not None and res.significant),
        ci=None if res is None else (float(res.ci_low), float(res.ci_high)),
        verdict=verdict,
        direction=_direction(s, to),
        monthly=monthly,
        target=tgt,
        rag=colour,
        rag_reason=reason,
        small_numbers=small,
        is_demo=demo,
    )


def _ward_frame(con, prios: list[Priority], to: pd.Timestamp, public: bool, counts: pd.DataFrame) -> pd.DataFrame:
    cur_start = to - pd.DateOffset(months=11)
    prev_start = to - pd.DateOffset(months=23)
    wards = con.execute("SELECT ward_code, ward_name, population FROM ward ORDER BY ward_name").df()
    parts = []
    police = [p for p in prios if p.source == "police_uk"]
    if police:
        n = con.execute(
            "SELECT ward_code, category, month >= ? AS cur, count(*) AS n FROM crime "
            "WHERE month BETWEEN ? AND ? AND ward_code IS NOT NULL GROUP BY ALL",
            [cur_start.date(), prev_start.date(), to.date()],
        ).df()
        n_cur = int(counts.loc[(counts["month"] >= cur_start) & (counts["month"] <= to), "month"].nunique())
        n_prev = int(counts.loc[(counts["month"] >= prev_start) & (counts["month"] < cur_start), "month"].nunique())
        for p in police:
            sub = n[n["category"].isin(p.categories)]
            cur = sub[sub["cur"]].groupby("ward_code")["n"].sum()
            prev = sub[~sub["cur"]].groupby("ward_code")["n"].sum()
            sel = counts[(counts["month"] >= prev_start) & counts["category"].isin(p.categories)]
            demo = bool(sel["demo"].any())
            parts.append(_ward_rows(wards, p, cur, prev, n_cur, n_prev, demo, False))
    for p in prios:
        if p.source != "partner":
            continue
        got = _partner_wards(con, p.measure or "", cur_start, prev_start, to)
        if got is None:
            continue
        cur, prev, n_cur, n_prev, demo = got
        parts.append(_ward_rows(wards, p, cur, prev, n_cur, n_prev, demo, public))
    if not parts:
        return pd.DataFrame(columns=WARD_COLUMNS)
    return pd.concat(parts, ignore_index=True)[WARD_COLUMNS]


def _ward_rows(wards, p: Priority, cur, prev, n_cur: int, n_prev: int, demo: bool, withhold: bool) -> pd.DataFrame:
    d = wards[["ward_code", "ward_name"]].copy()
    d["priority"], d["priority_label"] = p.key, p.label
    c = d["ward_code"].map(cur).fillna(0).astype("int64") if n_cur else pd.Series(pd.NA, index=d.index)
    v = d["ward_code"].map(prev).fillna(0).astype("int64") if n_prev else pd.Series(pd.NA, index=d.index)
    d["count"], d["prev_count"] = c.astype("Int64"), v.astype("Int64")
    d["rate_per_1000"] = stats.rate_per_1000(d["count"].astype("float64"), wards["population"].astype("float64"))
    res = [
        stats.poisson_change(int(a), int(b), n_cur, n_prev) if n_cur and n_prev and not withhold else None
        for a, b in zip(d["count"].fillna(0), d["prev_count"].fillna(0), strict=True)
    ]
    fin = lambda x: float(x) if x is not None and math.isfinite(x) else np.nan  # noqa: E731
    d["change_pct"] = [fin(r.pct_change) if r else np.nan for r in res]
    d["ci_low"] = [fin(r.ci_low) if r else np.nan for r in res]
    d["ci_high"] = [fin(r.ci_high) if r else np.nan for r in res]
    d["p_value"] = [fin(r.p_value) if r else np.nan for r in res]
    d["significant"] = [bool(r.significant) if r else False for r in res]
    d["small"] = (d["count"].fillna(SMALL) < SMALL) | (d["prev_count"].fillna(SMALL) < SMALL)
    d["verdict"] = [stats.describe_change(r) if r else "No earlier year loaded to compare with" for r in res]
    d["suppressed"] = withhold
    d["is_demo"] = demo
    if withhold:
        d[["count", "prev_count"]] = pd.NA
        d[["rate_per_1000", "change_pct", "ci_low", "ci_high", "p_value"]] = np.nan
        d["significant"], d["small"] = False, False
        d["verdict"] = "Not published below city level (public version)"
    d["small"] = d["small"].astype(bool)
    return d


def _partner_wards(con, measure: str, cur_start, prev_start, to):
    """Ward counts of a partner measure in the two windows (ward rows, else
    LSOA rows added up to wards), or None when it is not held by ward."""
    df = con.execute(
        """
        WITH r AS (
            SELECT CASE WHEN p.geography_level = 'ward' THEN p.geography_code ELSE l.ward_code END AS ward_code,
                   p.geography_level AS lvl, p.period_start, p.count, coalesce(d.is_demo, false) AS is_demo
            FROM partner_series p LEFT JOIN dataset d USING (dataset_id)
            LEFT JOIN lsoa21 l ON p.geography_level = 'lsoa' AND l.lsoa21_code = p.geography_code
            WHERE p.measure = ? AND p.period_type = 'month' AND p.geography_level IN ('ward', 'lsoa')
              AND p.period_start BETWEEN ? AND ?
        ),
        lv AS (SELECT period_start, min(CASE lvl WHEN 'ward' THEN 1 ELSE 2 END) AS lv FROM r GROUP BY 1)
        SELECT r.ward_code, r.period_start, sum(r.count) AS n, bool_or(r.is_demo) AS is_demo
        FROM r JOIN lv USING (period_start)
        WHERE CASE r.lvl WHEN 'ward' THEN 1 ELSE 2 END = lv.lv AND r.ward_code IS NOT NULL
        GROUP BY ALL
        """,
        [measure, prev_start.date(), to.date()],
    ).df()
    if df.empty:
        return None
    df["period_start"] = pd.to_datetime(df["period_start"])
    is_cur = df["period_start"] >= cur_start
    cur = df[is_cur].groupby("ward_code")["n"].sum()
    prev = df[~is_cur].groupby("ward_code")["n"].sum()
    n_cur = int(df.loc[is_cur, "period_start"].nunique())
    n_prev = int(df.loc[~is_cur, "period_start"].nunique())
    return cur, prev, n_cur, n_prev, bool(df["is_demo"].any())


def _impact_areas(con, to: pd.Timestamp, crime_demo: bool) -> pd.DataFrame:
    """Each Impact Area's share of residents against its share of recorded
    crime (all crime excluding ASB, the 12 months to ``to``)."""
    from swp_data.analysis.crime_window import ALL_CRIME
    from swp_data.places.area_compare import share_table
    from swp_data.places.impact_areas import area_codes, list_areas

    if not _has(con, "impact_area"):
        return pd.DataFrame(columns=IMPACT_COLUMNS)
    areas = list_areas(con)
    if areas.empty:
        return pd.DataFrame(columns=IMPACT_COLUMNS)
    start = to - pd.DateOffset(months=11)
    counts = con.execute(
        "SELECT lsoa21_code, category, count(*) AS n FROM crime WHERE month BETWEEN ? AND ? "
        "AND lsoa21_code IS NOT NULL GROUP BY ALL",
        [start.date(), to.date()],
    ).df()
    pop = con.execute("SELECT lsoa21_code, population FROM lsoa21").df()
    pop = pop.set_index("lsoa21_code")["population"].astype("float64")
    rows = []
    members = {a: area_codes(con, a) for a in areas["area_id"]}
    entries = [
        (r.area_id, r.name, members[r.area_id], bool(r.approximate), bool(r.is_demo)) for r in areas.itertuples()
    ]
    if len(entries) > 1:
        union = sorted({c for codes in members.values() for c in codes})
        entries.append(
            (None, "All Impact Areas together", union, any(e[3] for e in entries), any(e[4] for e in entries))
        )
    for area_id, name, codes, approx, demo in entries:
        t = share_table(counts, pop, codes, [ALL_CRIME]).iloc[0]
        rows.append(
            {
                "area_id": area_id,
                "name": name,
                "n_lsoa": len(codes),
                "population": int(pop[pop.index.isin(set(codes))].sum()),
                "population_share": float(t["population_share"]),
                "crime": int(t["inside"]),
                "crime_share": float(t["crime_share"]),
                "ratio": float(t["ratio"]),
                "approximate": approx,
                "is_demo": demo or crime_demo,
            }
        )
    return pd.DataFrame(rows, columns=IMPACT_COLUMNS)


def _sources(con, prios: list[Priority]) -> list[str]:
    ds = con.execute("SELECT * FROM dataset ORDER BY kind, dataset_id").df()
    used = set()
    if any(p.source == "police_uk" for p in prios) and _has(con, "crime"):
        used |= {r[0] for r in con.execute("SELECT DISTINCT dataset_id FROM crime").fetchall()}
    measures = [p.measure for p in prios if p.source == "partner"]
    if measures:
        used |= {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT dataset_id FROM partner_series WHERE list_contains(?, measure)", [measures]
            ).fetchall()
        }
    out = []
    for r in ds[ds["dataset_id"].isin(used) | (ds["kind"] == "impact_area")].itertuples():
        status = "DEMO" if r.is_demo else "real"
        when = ""
        if pd.notna(r.period_start) and pd.notna(r.period_end):
            when = f", {_span(pd.Timestamp(r.period_start), pd.Timestamp(r.period_end))}"
        out.append(f"{r.name} ({status}{when}; {int(r.row_count):,} rows). Licence: {r.licence}")
    out.append("Residents: ONS Census 2021 usual residents by LSOA 2021 (OGL v3).")
    return out


def _methods(margin: float, pop: int, public: bool, to: pd.Timestamp) -> list[str]:
    out = [
        "Counts: police.uk street-level records (crimes and anti-social behaviour) placed in the City of "
        "Wolverhampton, by the month recorded; domestic abuse and hate crime from the partners' returns "
        "(police.uk does not identify them), all breakdowns added up.",
        "Violence: police.uk does not separate public place violence; the violence grouping (violence and "
        "sexual offences, possession of weapons, robbery) stands in for it. Neighbourhood crime: burglary, "
        "robbery, theft from the person, vehicle crime.",
        "Change: the last 12 months against the 12 before, exact Poisson test (conditional; statsmodels "
        "test_poisson_2indep) with the interval of the rate ratio; a change is called real only at 95% "
        "confidence. Months not loaded are left out and the comparison scaled by the months loaded.",
        f"Counts under {SMALL} are flagged as too few to judge.",
        f"Rates per 1,000 Census 2021 usual residents (the city: {pop:,}; each ward: its own residents).",
        "Direction of travel: the rolling 12 months against the rolling 12 months to 3 months earlier "
        f"(the last quarter against the same quarter a year before, so no seasonal swing); flat within "
        f"{_pct(DIRECTION_BAND)}.",
        "Targets are annual levels set by an analyst (a count, or a percentage fewer than a 12-month "
        f"baseline); the last 12 months to {periods.fmt_month(to)} are compared with them while they are in force.",
        "RAG thresholds: " + rag_thresholds_text(margin),
        "Impact Areas: share of the city's residents against share of its recorded crime (all crime "
        "excluding anti-social behaviour, records with a location, the last 12 months).",
    ]
    if public:
        out.append(
            "Public version: partner figures (domestic abuse, hate crime) are shown for the whole city only; "
            "their ward figures are withheld."
        )
    return out


def report(
    con: duckdb.DuckDBPyConnection,
    to_month: str | pd.Timestamp | None = None,
    *,
    public: bool = False,
) -> PerformanceReport:
    """Everything the Performance page and the pack show. Raises InputError
    (one line) for a period with no data.

    Each priority's ``monthly`` has one row per calendar month of the
    ``SPARK_MONTHS`` months to ``to_month`` (from the first month held, if
    later); ``count`` is NaN for a month not loaded."""
    prios = priorities(con)
    to = _resolve_to_month(con, to_month, prios)
    margin = amber_margin(con)
    tg = targets(con)
    pop = crime.population(con)
    start = to - pd.DateOffset(months=max(SPARK_MONTHS, 24) - 1)
    counts = _crime_counts(con, start, to)
    rows = []
    for p in prios:
        s, demo = _priority_series(con, p, start, to, counts)
        t = tg.get(p.key)
        if t is not None and t.kind == "reduction_pct" and t.baseline_label:
            base, _ = _baseline_count(con, p, t.baseline_label)
            t = replace(t, baseline_count=base)
        if t is not None and public:
            t = replace(t, set_by=PUBLIC_SETTER)  # no analyst's name or email in public material
        rows.append(_figures(p, s, demo, to, pop, t, margin))
    wards = _ward_frame(con, prios, to, public, counts)
    last12_demo = bool(counts.loc[counts["month"] > to - pd.DateOffset(months=12), "demo"].any())
    impact = _impact_areas(con, to, last12_demo) if len(counts) else pd.DataFrame(columns=IMPACT_COLUMNS)
    is_demo = any(r.is_demo for r in rows) or bool(impact["is_demo"].any())
    months = crime.months_loaded(con)
    if months:
        status = f"Crime records {_span(months[0], months[-1])} ({len(months)} months loaded)"
        unloc = crime.unlocated_count(con, start=to - pd.DateOffset(months=11), end=to)
        status += f"; {unloc:,} records in the last 12 months without a location (city totals only)"
    else:
        status = "No police.uk records loaded"
    status += "; DEMO data: figures are synthetic" if is_demo else "; real data"
    return PerformanceReport(
        to_month=to,
        window=_span(to - pd.DateOffset(months=11), to),
        previous_window=_span(to - pd.DateOffset(months=23), to - pd.DateOffset(months=12)),
        public=public,
        amber_margin=margin,
        rows=rows,
        wards=wards,
        impact_areas=impact,
        data_status=status,
        is_demo=is_demo,
        sources=_sources(con, prios),
        attribution=config.ATTRIBUTION,
        methods=_methods(margin, pop, public, to),
    )


# --------------------------------------------------------------------------- tables for people
RAG_MARKS = {"green": "🟢", "amber": "🟠", "red": "🔴", "grey": "⚪"}
DIRECTION_LABELS = {"up": "▲ Up", "down": "▼ Down", "flat": "► Flat"}


def rag_label(colour: str) -> str:
    """The status as words (never colour alone), e.g. "Amber: near"."""
    return RAG_LABELS.get(colour, colour)


def short_verdict(row: PriorityFigures) -> str:
    """Is the change real, in a few words: "Yes (p < 0.001)", "No: normal
    variation (p = 0.41)", "Too few to judge" or "No earlier year"."""
    if row.last12 is None:
        return "No figures"
    if row.prev12 is None:
        return "No earlier year"
    if row.small_numbers or row.p_value is None:
        return "Too few to judge"
    p = "p < 0.001" if row.p_value < 0.001 else f"p = {row.p_value:.2f}"
    return f"Yes ({p})" if row.significant else f"No: normal variation ({p})"


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
                "Previous 12 months": r.prev12,
                "Change": change,
                "Is the change real?": short_verdict(r),
                "Verdict": r.verdict,
                "Rate per 1,000": None if r.rate_per_1000 is None else round(r.rate_per_1000, 2),
                "Direction of travel": DIRECTION_LABELS.get(r.direction, r.direction),
                "trend": [None if pd.isna(v) else float(v) for v in r.monthly["count"]],
                "Target": "No target" if r.target is None else describe_target(r.target),
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
    s = row.monthly.set_index("month")["count"].astype("float64")
    r = s.rolling(12, min_periods=12).sum()
    return pd.DataFrame({"month": r.index, "rolling_12": r.to_numpy()}).dropna().reset_index(drop=True)


def last_complete_fy(con: duckdb.DuckDBPyConnection, to_month: str | pd.Timestamp | None = None) -> str | None:
    """The latest financial year whose 12 months of crime records are all
    loaded, up to ``to_month`` (a default baseline for a reduction target)."""
    months = set(crime.months_loaded(con))
    if not months:
        return None
    last = _month(to_month) if to_month is not None else max(months)
    year = last.year if last.month >= 3 else last.year - 1  # FY ending in March of `year`
    for y in range(year, year - 20, -1):
        fy = pd.date_range(pd.Timestamp(year=y - 1, month=4, day=1), periods=12, freq="MS")
        if fy[-1] <= last and all(m in months for m in fy):
            return periods.fy_label(y - 1)
    return None
