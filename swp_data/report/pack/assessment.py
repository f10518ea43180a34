"""The tables of the strategic assessment annex beyond the Performance report
(the Crime and Disorder (Formulation and Implementation of Strategy)
Regulations 2007 ask for levels and patterns, changes since the last
assessment, and the priorities): three years by priority, ward profiles with
deprivation, the city's IMD 2019 and 2025 standing, what residents said, and
the data quality. Read from the store; nothing is computed twice: counts come
from the report's monthly series and ward appendix."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from swp_data import config, fmt, periods, store
from swp_data.analysis import crime
from swp_data.report import performance
from swp_data.report.pack.common import IMPACT_COLUMNS, SUPPRESSED, fmt_count, fmt_rate, impact_rows


def levels(report: performance.PerformanceReport, pop: int) -> pd.DataFrame:
    """Per priority, the three 12-month years to ``to_month``: count, rate, months loaded;
    and the pattern of the last year (highest and lowest month)."""
    to = report.to_month
    years = [(to - pd.DateOffset(months=12 * k + 11), to - pd.DateOffset(months=12 * k)) for k in (2, 1, 0)]
    out = []
    for row in report.rows:
        m = row.monthly.set_index("month")["count"]
        rec: dict[str, object] = {"Priority": row.priority.label}
        for a, b in years:
            w = m[(m.index >= a) & (m.index <= b)]
            n = int(w.notna().sum())
            label = periods.month_span(a, b)
            if n == 0:
                rec[label] = "not loaded"
            else:
                total = float(w.sum())
                part = "" if n == 12 else f" ({n} of 12 months)"
                rec[label] = f"{fmt.fmt_int(total)} ({fmt_rate(total / pop * 1000)} per 1,000){part}"
        last = m[(m.index >= years[-1][0]) & (m.index <= to)].dropna()
        if len(last):
            hi, lo = last.idxmax(), last.idxmin()
            rec["Pattern, last 12 months"] = (
                f"highest {periods.fmt_month(hi)} ({fmt.fmt_int(last[hi])}), "
                f"lowest {periods.fmt_month(lo)} ({fmt.fmt_int(last[lo])})"
            )
        else:
            rec["Pattern, last 12 months"] = "–"
        out.append(rec)
    return pd.DataFrame(out)


def ward_profiles(con: duckdb.DuckDBPyConnection, report: performance.PerformanceReport) -> pd.DataFrame:
    """Ward, residents, IMD 2025 (population-weighted mean score, LSOAs in the most deprived
    10% nationally), and each priority's count and rate for the last 12 months."""
    w = con.execute(
        """SELECT w.ward_code, w.ward_name AS "Ward", w.population AS "Residents",
                  sum(i.imd_score * l.population) / sum(l.population) AS imd,
                  count(*) FILTER (WHERE i.imd_decile = 1) AS d1, count(*) AS n
           FROM ward w JOIN lsoa21 l USING (ward_code) LEFT JOIN imd2025 i USING (lsoa21_code)
           GROUP BY ALL ORDER BY "Ward" """
    ).df()
    w["IMD 2025 score"] = w["imd"].map(lambda v: f"{v:.1f}")
    w["LSOAs in most deprived 10%"] = [f"{a} of {b}" for a, b in zip(w["d1"], w["n"], strict=True)]
    wards = report.wards
    for row in report.rows:
        sub = wards[wards["priority"] == row.priority.key].set_index("ward_code") if len(wards) else None
        if sub is None or sub.empty:
            continue
        vals = []
        for code in w["ward_code"]:
            if code not in sub.index:
                vals.append("–")
                continue
            r = sub.loc[code]
            if bool(r["suppressed"]) or pd.isna(r["count"]):
                vals.append(SUPPRESSED)
            else:
                vals.append(f"{fmt_count(r['count'])} ({fmt_rate(r['rate_per_1000'])})")
        w[row.priority.label] = vals
    w["Residents"] = w["Residents"].map(fmt.fmt_int)
    return w.drop(columns=["ward_code", "imd", "d1", "n"])


def impact_profiles(report: performance.PerformanceReport) -> pd.DataFrame:
    """Impact Areas: LSOAs, residents, crime, shares (percentages) and the ratio."""
    ia = report.impact_areas
    rows = impact_rows(report)
    if not rows:
        return pd.DataFrame()
    out = pd.DataFrame(rows, columns=list(IMPACT_COLUMNS))
    if "n_lsoa" in ia:
        out.insert(1, "LSOAs", ia["n_lsoa"].map(fmt.fmt_int).to_numpy())
    if "population" in ia:
        out.insert(2, "Residents", ia["population"].map(fmt.fmt_int).to_numpy())
    if "crime" in ia:
        out.insert(4, f"Crime, {report.window}", ia["crime"].map(fmt.fmt_int).to_numpy())
    return out


def deprivation(con: duckdb.DuckDBPyConnection) -> dict:
    """The city's standing among English local authorities and its LSOAs by national decile."""
    code = config.CITY_LAD
    r25 = con.execute(
        """SELECT imd_average_score, imd_rank_of_average_score,
                  imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally, (SELECT count(*) FROM imd2025_lad)
           FROM imd2025_lad WHERE ltla24_code = ?""",
        [code],
    ).fetchone()
    r19 = con.execute(
        """SELECT a.Score, (SELECT count(*) + 1 FROM imd2019_lad b WHERE b.Score > a.Score), a.Proportion,
                  (SELECT count(*) FROM imd2019_lad)
           FROM imd2019_lad a WHERE ltla19_code = ?""",
        [code],
    ).fetchone()
    dec = con.execute(
        """SELECT d AS "National decile (1 = most deprived 10%)",
                  (SELECT count(*) FROM imd2019 WHERE imd_decile = d) AS "IMD 2019 (LSOA 2011)",
                  (SELECT count(*) FROM imd2025 WHERE imd_decile = d) AS "IMD 2025 (LSOA 2021)"
           FROM range(1, 11) t(d) ORDER BY d"""
    ).df()
    lines = []
    if r19:
        lines.append(
            f"IMD 2019: average score {r19[0]:.1f}, ranked {int(r19[1])} of {int(r19[3])} local authorities "
            f"(1 = most deprived); {r19[2] * 100:.1f}% of its LSOAs in the most deprived 10% nationally."
        )
    if r25:
        lines.append(
            f"IMD 2025: average score {r25[0]:.1f}, ranked {int(r25[1])} of {int(r25[3])} local authorities; "
            f"{r25[2] * 100:.1f}% of its LSOAs in the most deprived 10% nationally."
        )
    lines.append(
        "LSOA boundaries changed in 2021 (158 LSOAs in 2011, 161 in 2021), so the decile counts below compare "
        "the city's small areas as each edition defined them."
    )
    return {"lines": lines, "deciles": dec}


def residents(con: duckdb.DuckDBPyConnection, report: performance.PerformanceReport) -> dict:
    """Survey answers, consultation shares and community meetings, each with its data status."""
    out: dict[str, pd.DataFrame] = {}
    if store.table_exists(con, "engagement_survey"):
        s = con.execute(
            """SELECT s.survey AS "Survey", s.period AS "Period", s.question AS "Question", s.answer AS "Answer",
                      sum(s.responses) AS n, bool_or(coalesce(d.is_demo, false)) AS demo
               FROM engagement_survey s LEFT JOIN dataset d USING (dataset_id) GROUP BY ALL ORDER BY ALL"""
        ).df()
        if len(s):
            tot = s.groupby(["Survey", "Period", "Question"])["n"].transform("sum")
            s["Responses"] = s["n"].map(fmt.fmt_int)
            s["Share"] = (s["n"] / tot * 100).map(lambda v: f"{v:.1f}%")
            s["Data"] = np.where(s["demo"], "DEMO", "real")
            out["survey"] = s.drop(columns=["n", "demo"])
    if store.table_exists(con, "engagement_consultation"):
        c = con.execute(
            """SELECT c.consultation AS "Consultation", c.period AS "Period",
                      CASE c.geography_level WHEN 'ward' THEN coalesce(w.ward_name, c.geography_code)
                           ELSE c.geography_code END AS "Where respondents live",
                      c.share AS share, coalesce(d.is_demo, false) AS demo
               FROM engagement_consultation c LEFT JOIN dataset d USING (dataset_id)
               LEFT JOIN ward w ON c.geography_level = 'ward' AND w.ward_code = c.geography_code
               ORDER BY 1, 2, 3"""
        ).df()
        if len(c):
            c["Share of respondents"] = c["share"].map(lambda v: "–" if pd.isna(v) else f"{v:.1f}%")
            c["Data"] = np.where(c["demo"], "DEMO", "real")
            out["consultation"] = c.drop(columns=["share", "demo"])
    if store.table_exists(con, "engagement_meeting"):
        to = report.to_month + pd.offsets.MonthEnd(0)
        start = report.to_month - pd.DateOffset(months=11)
        m = con.execute(
            """SELECT m.kind AS "Kind", count(*) AS n, sum(m.attendees) AS a,
                      bool_or(coalesce(d.is_demo, false)) AS demo
               FROM engagement_meeting m LEFT JOIN dataset d USING (dataset_id)
               WHERE m.date BETWEEN ? AND ? GROUP BY ALL ORDER BY 1""",
            [start.date(), to.date()],
        ).df()
        if len(m):
            m["Meetings"] = m["n"].map(fmt.fmt_int)
            m["Attendees"] = m["a"].map(fmt.fmt_int)
            m["Data"] = np.where(m["demo"], "DEMO", "real")
            out["meetings"] = m.drop(columns=["n", "a", "demo"])
    return out


def data_quality(con: duckdb.DuckDBPyConnection, report: performance.PerformanceReport) -> dict:
    months = crime.months_loaded(con)
    lines = []
    if months:
        every = pd.date_range(months[0], months[-1], freq="MS")
        gaps = [m for m in every if m not in set(months)]
        lines.append(f"Police.uk records: {periods.month_span(months[0], months[-1])}, {len(months)} months loaded.")
        if gaps:
            shown = ", ".join(periods.fmt_month(g) for g in gaps[:24]) + (" …" if len(gaps) > 24 else "")
            lines.append(f"Coverage gaps: {len(gaps)} months not loaded inside that span ({shown}).")
        else:
            lines.append("Coverage gaps: none; every month in that span is loaded.")
        total = int(store.one(con, "SELECT count(*) FROM crime"))
        unloc = crime.unlocated_count(con)
        lines.append(
            f"Records without a location: {unloc:,} of {total:,} ({unloc / total * 100 if total else 0:.2f}%); "
            "they count in city totals but in no ward or LSOA."
        )
    else:
        lines.append("No police.uk records are loaded.")
    lines.append(
        "This annex uses DEMO data: synthetic figures, not real records."
        if report.is_demo
        else "Every figure in this annex comes from real data."
    )
    ds = con.execute(
        """SELECT name AS "Dataset", kind AS "Kind", CASE WHEN is_demo THEN 'DEMO' ELSE 'real' END AS "Data",
                  period_start, period_end, row_count FROM dataset WHERE kind <> 'reference' ORDER BY kind, name"""
    ).df()
    ds["Period"] = [
        periods.month_span(pd.Timestamp(a), pd.Timestamp(b)) if pd.notna(a) and pd.notna(b) else "–"
        for a, b in zip(ds["period_start"], ds["period_end"], strict=True)
    ]
    ds["Rows"] = ds["row_count"].map(fmt.fmt_int)
    return {"lines": lines, "datasets": ds.drop(columns=["period_start", "period_end", "row_count"])}


def assessment(con: duckdb.DuckDBPyConnection, report: performance.PerformanceReport) -> dict:
    pop = crime.population(con)
    return {
        "levels": levels(report, pop),
        "wards": ward_profiles(con, report),
        "impact": impact_profiles(report),
        "deprivation": deprivation(con),
        "residents": residents(con, report),
        "quality": data_quality(con, report),
    }
