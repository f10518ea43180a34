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
  who and when, and each change is written to the audit trail: that is
  :mod:`swp_data.report.targets`. The priorities and their monthly series are
  :mod:`swp_data.report.priorities`; the report in words and tables for people
  is :mod:`swp_data.report.wording`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
import pandas as pd

from swp_data import config, periods
from swp_data.analysis import crime, outcomes, stats
from swp_data.errors import InputError
from swp_data.report.priorities import Priority, crime_counts, has_table, month_start, priorities, priority_series
from swp_data.report.targets import (
    Target,
    amber_margin,
    baseline_count,
    describe_target,
    is_demo_target,
    pct_text,
    rag_status,
    rag_thresholds_text,
    targets,
)


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
    # direction of travel: the direction of the change shown (the last 12 months against the 12 before,
    # per month loaded); "flat" within +/-1%, so a "-0.1%" change never reads "up". "up" | "down" | "flat"
    direction: str
    monthly: pd.DataFrame  # columns month (Timestamp, month start), count; 24+ months ending at to_month
    target: Target | None
    rag: str  # one of RAG
    rag_reason: str  # e.g. "1,234 against a target of at most 1,200 (within the 5% margin)"
    small_numbers: bool  # any count under 10 (flag unreliable)
    is_demo: bool  # any figure from demo data
    # share charged or summonsed of the priority's mature cohorts (swp_data.analysis.outcomes.priority_charged:
    # from, to, crimes, charged, charged_share, charged_low, charged_high, few...); None: not police.uk, or ASB
    charged: dict | None = None


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
DIRECTION_BAND = 0.01  # last 12 months within +/-1% of the 12 before: "flat"
PUBLIC_SETTER = "an analyst"  # Target.set_by in a public report
#: the public site's one policy for partner data (swp_data.analysis.public.NOTE), as this report applies it
PUBLIC_PARTNER_NOTE = (
    "domestic abuse and hate crime are not in this version: the public site shows them only as the "
    "partnership publishes them, for the whole city by financial year (Trends page)."
)
SMALL = stats.UNRELIABLE_BELOW  # counts under 10 are flagged unreliable


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


def _direction(s: pd.Series, to: pd.Timestamp) -> str:
    """The direction of the change shown beside it: the last 12 months to
    ``to`` against the 12 before (per month loaded, so a gap does not read as
    a fall); flat within 1% either way, so "-0.1%" never sits beside "Up"."""
    now, n_now = crime.window_sum(s, to - pd.DateOffset(months=11), to)
    before, n_before = crime.window_sum(s, to - pd.DateOffset(months=23), to - pd.DateOffset(months=12))
    if not n_now or not n_before:
        return "flat"
    a, b = now / n_now, before / n_before
    if b == 0:
        return "flat" if a == 0 else "up"
    r = a / b - 1
    return "up" if r > DIRECTION_BAND else "down" if r < -DIRECTION_BAND else "flat"


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
    span = periods.month_span(have[0], have[-1])
    if to_month is None or (isinstance(to_month, str) and not to_month.strip()):
        return have[-1]
    try:
        if isinstance(to_month, str):
            kind, d0, _ = periods.parse_period(to_month.strip())
            if kind != "month":
                raise ValueError("give a month, e.g. 2026-09")
            m = month_start(d0)
        else:
            m = month_start(to_month)
    except (ValueError, TypeError) as e:
        raise InputError(None, f"period {str(to_month)[:40]!r}: {e}") from None
    if m not in have:
        raise InputError(None, f"no data loaded for {periods.fmt_month(m)}: records run from {span}")
    return m


def _figures(p: Priority, s: pd.Series, demo: bool, to: pd.Timestamp, pop: int, tgt, margin) -> PriorityFigures:
    cur_start = to - pd.DateOffset(months=11)
    prev_start, prev_end = to - pd.DateOffset(months=23), to - pd.DateOffset(months=12)
    cur, n_cur = crime.window_sum(s, cur_start, to)
    prev, n_prev = crime.window_sum(s, prev_start, prev_end)
    spark_start = max(to - pd.DateOffset(months=SPARK_MONTHS - 1), s.first_valid_index() or to)
    monthly = s[(s.index >= spark_start) & (s.index <= to)]
    monthly = pd.DataFrame({"month": monthly.index, "count": monthly.to_numpy()}).reset_index(drop=True)
    last12 = cur if n_cur else None
    res = None
    if n_cur and n_prev:
        res = stats.poisson_change(cur, prev, exposure_current=n_cur, exposure_previous=n_prev)
    if last12 is None:
        verdict = f"No {p.label.lower()} figures for {periods.month_span(cur_start, to)}"
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

    if not has_table(con, "impact_area"):
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
    if any(p.source == "police_uk" for p in prios) and has_table(con, "crime"):
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
            when = f", {periods.month_span(pd.Timestamp(r.period_start), pd.Timestamp(r.period_end))}"
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
        "Direction of travel: the direction of the change shown (the last 12 months against the 12 before, "
        f"so no seasonal swing); level when the change is within {pct_text(DIRECTION_BAND)} either way.",
        "Targets are annual levels set by an analyst (a count, or a percentage fewer than a 12-month "
        f"baseline); the last 12 months to {periods.fmt_month(to)} are compared with them while they are in force.",
        "RAG thresholds: " + rag_thresholds_text(margin),
        "Impact Areas: share of the city's residents against share of its recorded crime (all crime "
        "excluding anti-social behaviour, records with a location, the last 12 months).",
    ]
    if public:
        out.append(f"Public version: {PUBLIC_PARTNER_NOTE}")
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
    if public:  # partner returns only as published (whole city, financial years: the Trends page), never monthly
        prios = [p for p in prios if p.source != "partner"]
    to = _resolve_to_month(con, to_month, prios)
    margin = amber_margin(con)
    tg = targets(con)
    pop = crime.population(con)
    start = to - pd.DateOffset(months=max(SPARK_MONTHS, 24) - 1)
    counts = crime_counts(con, start, to)
    rows = []
    for p in prios:
        s, demo = priority_series(con, p, start, to, counts)
        t = tg.get(p.key)
        if t is not None and t.kind == "reduction_pct" and t.baseline_label:
            base, _ = baseline_count(con, p, t.baseline_label)
            t = replace(t, baseline_count=base)
        if t is not None and public and not is_demo_target(t):
            t = replace(t, set_by=PUBLIC_SETTER)  # no analyst's name or email in public material
        fig = _figures(p, s, demo, to, pop, t, margin)
        if p.source == "police_uk":
            fig.charged = outcomes.priority_charged(con, p.categories, to)
        rows.append(fig)
    wards = _ward_frame(con, prios, to, public, counts)
    last12_demo = bool(counts.loc[counts["month"] > to - pd.DateOffset(months=12), "demo"].any())
    impact = _impact_areas(con, to, last12_demo) if len(counts) else pd.DataFrame(columns=IMPACT_COLUMNS)
    is_demo = any(r.is_demo for r in rows) or bool(impact["is_demo"].any())
    months = crime.months_loaded(con)
    if months:
        status = f"Crime records {periods.month_span(months[0], months[-1])} ({len(months)} months loaded)"
        unloc = crime.unlocated_count(con, start=to - pd.DateOffset(months=11), end=to)
        status += f"; {unloc:,} records in the last 12 months without a location (city totals only)"
    else:
        status = "No police.uk records loaded"
    status += "; DEMO data: figures are synthetic" if is_demo else "; real data"
    return PerformanceReport(
        to_month=to,
        window=periods.month_span(to - pd.DateOffset(months=11), to),
        previous_window=periods.month_span(to - pd.DateOffset(months=23), to - pd.DateOffset(months=12)),
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


def last_complete_fy(con: duckdb.DuckDBPyConnection, to_month: str | pd.Timestamp | None = None) -> str | None:
    """The latest financial year whose 12 months of crime records are all
    loaded, up to ``to_month`` (a default baseline for a reduction target)."""
    months = set(crime.months_loaded(con))
    if not months:
        return None
    last = month_start(to_month) if to_month is not None else max(months)
    year = last.year if last.month >= 3 else last.year - 1  # FY ending in March of `year`
    for y in range(year, year - 20, -1):
        fy = pd.date_range(pd.Timestamp(year=y - 1, month=4, day=1), periods=12, freq="MS")
        if fy[-1] <= last and all(m in months for m in fy):
            return periods.fy_label(y - 1)
    return None
