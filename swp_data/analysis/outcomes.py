"""What happened next: police.uk outcomes by priority, place and month of
offence (no Streamlit here).

Each crime's **latest outcome** is the last of its outcome history (the
outcomes files, table ``crime_outcome``: the latest month, and within a month
the later row of its file); a crime with no history keeps the "Last outcome
category" of its street record; none at all is "no outcome recorded".
Anti-social behaviour has no Crime ID and no outcome: it is never counted.

Figures are by **month of offence** (a cohort). A cohort's **age** is the
number of months from its month to the last month of outcomes loaded (the
last outcomes file, or the last street month when no outcomes file is
loaded): recent cohorts have not had time to reach an outcome, so their
shares charged are low for that reason alone. A cohort is **mature** at
:data:`MATURE_MONTHS` months or more. A change is judged only between cohorts
of the same age (:func:`same_age`): the earlier cohort is taken as it stood
that many months after its offences, from its outcome history.

Shares (charged or summonsed; suspect identified) have Wilson 95% intervals
(``proportion_confint(method="wilson")``); counts under
:data:`~swp_data.analysis.stats.UNRELIABLE_BELOW` are flagged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint, test_proportions_2indep

from swp_data import store, taxonomy
from swp_data.analysis.stats import UNRELIABLE_BELOW
from swp_data.taxonomy import outcomes as ot

MATURE_MONTHS = 6
DEFAULT_MEASURE = "All crime (excluding ASB)"
ASB = "Anti-social behaviour"
CITY_CODE = "E08000031"


def measures() -> list[str]:
    """Strategy groupings (without ASB) then categories: what ``measure`` may name."""
    groups = [g for g in taxonomy.GROUPINGS if g not in (ASB, "All crime and ASB")]
    cats = [c for c in (*taxonomy.CATEGORIES, *taxonomy.HISTORIC_CATEGORIES) if c != ASB]
    return groups + cats


def measure_categories(measure: str) -> tuple[str, ...]:
    """The categories of a measure (ASB left out); ValueError for an unknown name."""
    for m in measures():
        if m.lower() == str(measure).strip().lower():
            return tuple(c for c in taxonomy.categories_for(m) if c != ASB)
    raise ValueError(f"unknown measure {measure!r}; one of: " + ", ".join(measures()))


def canonical_measure(measure: str) -> str:
    measure_categories(measure)
    return next(m for m in measures() if m.lower() == str(measure).strip().lower())


def wilson(k, n) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95% interval (0-1) of k in n, element-wise; NaN where n is 0."""
    k = np.atleast_1d(np.asarray(k, dtype="float64"))
    n = np.atleast_1d(np.asarray(n, dtype="float64"))
    lo = np.full(k.shape, np.nan)
    hi = np.full(k.shape, np.nan)
    ok = n > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(k[ok], n[ok], alpha=0.05, method="wilson")
    return lo, hi


def _has_history(con) -> bool:
    return store.table_exists(con, "crime_outcome")


def as_of(con: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """The month outcomes are known to: the last outcomes month loaded, else the last street month."""
    last = None
    if _has_history(con):
        last = store.one(con, "SELECT max(month) FROM crime_outcome")
    if last is None:
        last = store.one(con, f"SELECT max(month) FROM crime WHERE category <> '{ASB}'")
    return pd.Timestamp(last) if last is not None else None


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def crimes(
    con: duckdb.DuckDBPyConnection,
    lsoa_codes: tuple[str, ...] | None = None,
    categories: tuple[str, ...] | None = None,
    start=None,
    end=None,
    at_age: int | None = None,
) -> pd.DataFrame:
    """One row per crime (ASB excluded) in scope: month (of offence),
    category, lsoa21_code, ward_code, outcome (latest, as police.uk wrote it;
    '' for none), group, first_month (first outcome in the history, or NaT),
    months_to_first. ``at_age``: each crime's outcome as it stood that many
    months after its offence month (history only)."""
    params: list = []
    where = [f"c.category <> '{ASB}'"]
    if categories:
        where.append("c.category IN (SELECT unnest(?))")
        params.append(list(categories))
    if lsoa_codes is not None:
        where.append("c.lsoa21_code IN (SELECT unnest(?))")
        params.append(list(lsoa_codes))
    if start is not None:
        where.append("c.month >= ?")
        params.append(pd.Timestamp(start).date())
    if end is not None:
        where.append("c.month <= ?")
        params.append(pd.Timestamp(end).date())
    if _has_history(con) and at_age is None:
        hist = """
            LEFT JOIN (
                SELECT force, crime_id, arg_max(outcome, epoch(month) * 100000 + seq) AS last_outcome,
                       min(month) AS first_month
                FROM crime_outcome GROUP BY 1, 2) h ON h.crime_id = c.crime_id AND h.force = c.force"""
        last, first = "coalesce(h.last_outcome, c.outcome)", "h.first_month"
    elif _has_history(con) and at_age is not None:
        hist = f"""
            LEFT JOIN (
                SELECT o.force, o.crime_id,
                       arg_max(o.outcome, epoch(o.month) * 100000 + o.seq) AS last_outcome,
                       min(o.month) AS first_month
                FROM crime_outcome o JOIN crime c ON c.crime_id = o.crime_id AND c.force = o.force
                WHERE o.month <= c.month + INTERVAL {int(at_age)} MONTH AND {" AND ".join(where)}
                GROUP BY 1, 2) h ON h.crime_id = c.crime_id AND h.force = c.force"""
        params = params + params
        last, first = "h.last_outcome", "h.first_month"
    else:
        hist, last, first = "", "c.outcome" if at_age is None else "NULL", "NULL"
    sql = f"""
        SELECT c.month, c.category, c.lsoa21_code, c.ward_code, coalesce({last}, '') AS outcome,
               CAST({first} AS DATE) AS first_month
        FROM crime c {hist}
        WHERE {" AND ".join(where)}"""
    df = con.execute(sql, params).df()
    df["month"] = pd.to_datetime(df["month"])
    df["first_month"] = pd.to_datetime(df["first_month"])
    df["group"] = df["outcome"].map(ot.group_of)
    fm = df["first_month"]
    df["months_to_first"] = (fm.dt.year - df["month"].dt.year) * 12 + (fm.dt.month - df["month"].dt.month)
    return df


def _shares(n: int, k_charged: int, k_suspect: int) -> dict:
    lo_c, hi_c = wilson(k_charged, n)
    lo_s, hi_s = wilson(k_suspect, n)
    return {
        "crimes": int(n),
        "charged": int(k_charged),
        "charged_share": k_charged / n if n else np.nan,
        "charged_low": float(lo_c[0]),
        "charged_high": float(hi_c[0]),
        "suspect": int(k_suspect),
        "suspect_share": k_suspect / n if n else np.nan,
        "suspect_low": float(lo_s[0]),
        "suspect_high": float(hi_s[0]),
        "few": bool(n < UNRELIABLE_BELOW),
    }


def summarise(df: pd.DataFrame) -> dict:
    """Charged and suspect-identified shares (with Wilson intervals) of a set of crimes."""
    n = len(df)
    return _shares(n, int((df["group"] == ot.CHARGED).sum()), int(df["group"].isin(ot.SUSPECT_GROUPS).sum()))


def by_cohort(df: pd.DataFrame, asof: pd.Timestamp | None) -> pd.DataFrame:
    """Per month of offence: crimes, the count in each group, the two shares
    with intervals, the cohort's age (months) and whether it is mature."""
    if df.empty:
        return pd.DataFrame(columns=["month", "crimes", *ot.GROUPS, "age", "mature"])
    counts = df.pivot_table(index="month", columns="group", values="category", aggfunc="size", fill_value=0)
    counts = counts.reindex(columns=list(ot.GROUPS), fill_value=0)
    rows = []
    for month, r in counts.iterrows():
        n = int(r.sum())
        rec = {"month": month, **{g: int(r[g]) for g in ot.GROUPS}}
        rec.update(_shares(n, int(r[ot.CHARGED]), int(sum(r[g] for g in ot.SUSPECT_GROUPS))))
        age = _months_between(month, asof) if asof is not None else 0
        rec["age"] = age
        rec["mature"] = age >= MATURE_MONTHS
        rows.append(rec)
    return pd.DataFrame(rows)


def outcome_mix(df: pd.DataFrame) -> pd.DataFrame:
    """Latest outcome names as written (no outcome: ''), their group and count (largest first)."""
    if df.empty:
        return pd.DataFrame(columns=["outcome", "group", "count"])
    out = df.groupby("outcome", as_index=False).size().rename(columns={"size": "count"})
    out["group"] = out["outcome"].map(ot.group_of)
    return out[["outcome", "group", "count"]].sort_values(
        ["count", "outcome"], ascending=[False, True], ignore_index=True
    )


def group_mix(df: pd.DataFrame) -> pd.DataFrame:
    """Every group (in order) with its count, share of the crimes and Wilson interval."""
    n = len(df)
    counts = df["group"].value_counts() if n else pd.Series(dtype="int64")
    k = np.array([int(counts.get(g, 0)) for g in ot.GROUPS])
    lo, hi = wilson(k, np.full(len(k), n))
    return pd.DataFrame(
        {
            "group": list(ot.GROUPS),
            "count": k,
            "share": k / n if n else np.full(len(k), np.nan),
            "ci_low": lo,
            "ci_high": hi,
        }
    )


def delays(df: pd.DataFrame) -> pd.DataFrame:
    """Months from offence to first outcome: crimes per delay (history only)."""
    d = df["months_to_first"].dropna().astype(int)
    if d.empty:
        return pd.DataFrame(columns=["months", "crimes", "cumulative_share"])
    out = d.value_counts().sort_index().rename_axis("months").reset_index(name="crimes")
    out["cumulative_share"] = out["crimes"].cumsum() / len(df)
    return out


def delay_summary(df: pd.DataFrame) -> dict | None:
    """Median and quartiles of months to first outcome, and how many crimes have one."""
    d = df["months_to_first"].dropna()
    if d.empty:
        return None
    return {
        "with_outcome": int(len(d)),
        "crimes": int(len(df)),
        "median": float(d.median()),
        "q1": float(d.quantile(0.25)),
        "q3": float(d.quantile(0.75)),
    }


def _areas(con) -> pd.DataFrame:
    """Every ward and Impact Area with its LSOAs: kind, code, name, lsoa21_code."""
    wards = con.execute(
        "SELECT 'ward' AS kind, ward_code AS code, ward_name AS name, lsoa21_code FROM lsoa21 ORDER BY ward_name"
    ).df()
    if store.table_exists(con, "impact_area"):
        ia = con.execute(
            "SELECT 'impact' AS kind, a.area_id AS code, a.name, l.lsoa21_code "
            "FROM impact_area a JOIN impact_area_lsoa l USING (area_id)"
        ).df()
        wards = pd.concat([wards, ia], ignore_index=True)
    return wards


def by_area(df: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """The city then each ward and Impact Area: crimes and the two shares with
    intervals; whether the area's interval lies wholly above or below the
    city's share (``against_city``: higher, lower or similar)."""
    city = {"kind": "city", "code": CITY_CODE, "name": "Wolverhampton", **summarise(df)}
    rows = [city]
    for (kind, code, name), g in areas.groupby(["kind", "code", "name"], sort=False):
        sub = df[df["lsoa21_code"].isin(set(g["lsoa21_code"]))]
        rows.append({"kind": kind, "code": code, "name": name, **summarise(sub)})
    out = pd.DataFrame(rows)
    cs = city["charged_share"]
    out["against_city"] = np.where(
        out["charged_low"] > cs, "higher", np.where(out["charged_high"] < cs, "lower", "similar")
    )
    out.loc[(out["kind"] == "city") | out["charged_share"].isna(), "against_city"] = ""
    return out


@dataclasses.dataclass
class SameAge:
    """Two cohorts at the same age: the later one and the one a year earlier."""

    age: int
    later: pd.Timestamp
    earlier: pd.Timestamp
    later_shares: dict
    earlier_shares: dict
    p_value: float
    verdict: str


def same_age(
    con: duckdb.DuckDBPyConnection,
    lsoa_codes: tuple[str, ...] | None,
    categories: tuple[str, ...] | None,
    month,
    age: int,
    months_back: int = 12,
) -> SameAge | None:
    """The share charged of the offences of ``month`` as they stood ``age``
    months on, against the offences ``months_back`` months earlier at the
    same age (from the outcome history); None without history or crimes."""
    if not _has_history(con) or not store.one(con, "SELECT count(*) FROM crime_outcome"):
        return None
    m = pd.Timestamp(month)
    e = m - pd.DateOffset(months=months_back)
    a = crimes(con, lsoa_codes, categories, m, m, at_age=age)
    b = crimes(con, lsoa_codes, categories, e, e, at_age=age)
    if a.empty or b.empty:
        return None
    sa, sb = summarise(a), summarise(b)
    if sa["charged"] + sb["charged"] == 0:
        p = 1.0
    else:
        p = float(test_proportions_2indep(sa["charged"], sa["crimes"], sb["charged"], sb["crimes"]).pvalue)
    if sa["few"] or sb["few"]:
        verdict = "too few crimes to judge"
    elif p < 0.05:
        verdict = "higher" if sa["charged_share"] > sb["charged_share"] else "lower"
        verdict = f"{verdict} than a year earlier at the same age (95% confidence)"
    else:
        verdict = "no real change from a year earlier at the same age"
    return SameAge(age, m, e, sa, sb, p, verdict)


def resolve_area(con: duckdb.DuckDBPyConnection, area: str | None) -> tuple[str, str, tuple[str, ...] | None]:
    """(kind, label, LSOA codes) of a city/ward/Impact Area code or name
    (case-insensitive); the city's codes are None. ValueError when unknown."""
    text = str(area or "").strip()
    if not text or text.lower() in ("city", CITY_CODE.lower(), "wolverhampton"):
        return "city", "Wolverhampton", None
    areas = _areas(con)
    hit = areas[(areas["code"].str.lower() == text.lower()) | (areas["name"].str.lower() == text.lower())]
    if hit.empty:
        raise ValueError(f"no ward or Impact Area {text[:60]!r}: give a ward code or name, an Impact Area, or city")
    kind, code, name = hit.iloc[0][["kind", "code", "name"]]
    codes = tuple(sorted(hit[(hit["kind"] == kind) & (hit["code"] == code)]["lsoa21_code"]))
    return str(kind), f"{name} ({code})" if kind == "ward" else str(name), codes


def _month(text: str | None, what: str) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        d = dt.datetime.strptime(str(text).strip(), "%Y-%m")
    except ValueError:
        raise ValueError(f"--{what} {str(text)[:20]!r} is not a month like 2024-01") from None
    return pd.Timestamp(d)


def summary_json(
    con: duckdb.DuckDBPyConnection,
    area: str | None = None,
    measure: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> dict:
    """The ``python -m swp_data outcomes --json`` object: area, from, to,
    crimes, outcomes (outcome, group, count) and groups (group, count, share,
    ci_low, ci_high). Months of offence; ASB excluded."""
    _, label, codes = resolve_area(con, area)
    cats = measure_categories(measure or DEFAULT_MEASURE)
    s, e = _month(start, "from"), _month(end, "to")
    if s is not None and e is not None and s > e:
        raise ValueError("--from is after --to")
    df = crimes(con, codes, cats, s, e)
    lo = df["month"].min() if len(df) else s
    hi = df["month"].max() if len(df) else e
    mix = outcome_mix(df)
    groups = group_mix(df)

    def num(x):
        return None if pd.isna(x) else round(float(x), 6)

    return {
        "area": label,
        "from": f"{lo:%Y-%m}" if lo is not None and pd.notna(lo) else None,
        "to": f"{hi:%Y-%m}" if hi is not None and pd.notna(hi) else None,
        "crimes": int(len(df)),
        "outcomes": [
            {"outcome": str(r.outcome), "group": str(r.group), "count": int(r.count)} for r in mix.itertuples()
        ],
        "groups": [
            {
                "group": str(r.group),
                "count": int(r.count),
                "share": num(r.share),
                "ci_low": num(r.ci_low),
                "ci_high": num(r.ci_high),
            }
            for r in groups.itertuples()
        ],
    }


def summary_text(d: dict, measure: str | None = None) -> str:
    what = canonical_measure(measure or DEFAULT_MEASURE)
    lines = [
        f"Outcomes of {what} in {d['area']}, offences {d['from'] or '-'} to {d['to'] or '-'}: "
        f"{d['crimes']:,} crimes (anti-social behaviour has no outcomes)",
    ]
    for g in d["groups"]:
        share = (
            "" if g["share"] is None else f"{100 * g['share']:5.1f}% ({100 * g['ci_low']:.1f}-{100 * g['ci_high']:.1f})"
        )
        lines.append(f"  {g['group']:<40} {g['count']:>9,}  {share}")
    return "\n".join(lines)


@dataclasses.dataclass
class View:
    """Everything the Outcomes page shows for one selection."""

    crimes: int
    asof: pd.Timestamp | None
    has_history: bool
    cohorts: pd.DataFrame
    mix: pd.DataFrame
    groups: pd.DataFrame
    mature: dict
    delays: pd.DataFrame
    delay_summary: dict | None
    areas: pd.DataFrame
    same_age: SameAge | None


def view(
    con: duckdb.DuckDBPyConnection,
    lsoa_codes: tuple[str, ...] | None,
    measure: str,
    start=None,
    end=None,
) -> View:
    """The page's figures (one query gateway call): cohorts, mixes, the
    mature cohorts' shares, delays, the city against each ward and Impact
    Area (mature cohorts), and the latest mature cohort against the one a
    year earlier at the same age."""
    cats = measure_categories(measure)
    asof = as_of(con)
    df = crimes(con, lsoa_codes, cats, start, end)
    cohorts = by_cohort(df, asof)
    mature_months = set(cohorts.loc[cohorts["mature"], "month"]) if len(cohorts) else set()
    mdf = df[df["month"].isin(mature_months)]
    hist = _has_history(con) and bool(store.one(con, "SELECT count(*) FROM crime_outcome"))
    city_df = df if lsoa_codes is None else crimes(con, None, cats, start, end)
    city_mature = city_df[city_df["month"].isin(mature_months)] if mature_months else city_df.iloc[0:0]
    sa = None
    if hist and mature_months:
        latest = max(mature_months)
        sa = same_age(con, lsoa_codes, cats, latest, _months_between(latest, asof))
    return View(
        crimes=len(df),
        asof=asof,
        has_history=hist,
        cohorts=cohorts,
        mix=outcome_mix(df),
        groups=group_mix(df),
        mature=summarise(mdf),
        delays=delays(df),
        delay_summary=delay_summary(df),
        areas=by_area(city_mature, _areas(con)),
        same_age=sa,
    )


def priority_charged(
    con: duckdb.DuckDBPyConnection, categories: tuple[str, ...], end=None, months: int = 12
) -> dict | None:
    """The share charged or summonsed of a priority's mature cohorts: the
    ``months`` months of offences ending MATURE_MONTHS before the last month
    of outcomes (or ``end``); None when nothing is loaded."""
    cats = tuple(c for c in categories if c != ASB)
    if not cats:
        return None
    asof = as_of(con)
    if asof is None:
        return None
    last = pd.Timestamp(end) if end is not None else asof
    hi = min(last, asof) - pd.DateOffset(months=MATURE_MONTHS)
    lo = hi - pd.DateOffset(months=months - 1)
    df = crimes(con, None, cats, lo, hi)
    if df.empty:
        return None
    return {"from": lo, "to": hi, **summarise(df)}
