"""Crime queries and metrics for the Trends, Crime map, Data and Overview pages.

Pure functions: every query takes an open DuckDB connection first (pages call
them through ``gateway.q``, which caches on the store version) and does its
counting in SQL; the metrics work on the small frames the queries return.
No Streamlit here.

Conventions
-----------
* ``categories``: a tuple of canonical category names
  (``taxonomy.categories_for(selection)``); ``None`` means every category.
* ``lsoa_codes``: a tuple of LSOA 2021 codes in scope; ``None`` means the whole
  city, *including* any records without an LSOA (city totals).
* Months are the first day of the month (``pd.Timestamp``). "Months loaded" are
  the months that have at least one crime record in the store (any category,
  any place): a loaded month with no record for a category or an area counts
  0; a month not loaded is missing, not 0.
* Rates are per 1,000 Census 2021 usual residents of the areas in scope.
* Change: exact Poisson test (:func:`swp_data.analysis.stats.poisson_change`).
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from swp_data import periods, store, taxonomy
from swp_data.analysis import public as public_site
from swp_data.analysis import stats
from swp_data.store.datasets import PUBLISHED_PREFIX

FREQ_MONTHS = {"month": 1, "quarter": 3, "fy": 12}


# --------------------------------------------------------------------------- helpers
def _cat_filter(categories, params: list, col: str = "category") -> str:
    if categories is None:
        return "TRUE"
    params.append(list(categories))
    return f"list_contains(?, {col})"


def _lsoa_filter(lsoa_codes, params: list, col: str = "lsoa21_code") -> str:
    if lsoa_codes is None:
        return "TRUE"
    params.append(list(lsoa_codes))
    return f"list_contains(?, {col})"


def _month_filter(start, end, params: list, col: str = "month") -> str:
    parts = []
    if start is not None:
        parts.append(f"{col} >= ?")
        params.append(pd.Timestamp(start).date())
    if end is not None:
        parts.append(f"{col} <= ?")
        params.append(pd.Timestamp(end).date())
    return " AND ".join(parts) or "TRUE"


def _has_crime(con) -> bool:
    return store.table_exists(con, "crime")


def category_label(category: str) -> str:
    """A category or grouping as shown in pickers: historic categories say so."""
    if category in taxonomy.GROUPINGS and taxonomy.GROUPINGS[category] != (category,):
        return f"{category} (grouping)"
    if category in taxonomy.HISTORIC_CATEGORIES:
        return f"{category} (historic, before 2013)"
    if category not in taxonomy.CATEGORIES:
        return f"{category} (not a police.uk category)"
    return category


# --------------------------------------------------------------------------- what is loaded
def months_loaded(con: duckdb.DuckDBPyConnection) -> list[pd.Timestamp]:
    """Months with at least one crime record, in order."""
    if not _has_crime(con):
        return []
    rows = con.execute("SELECT DISTINCT month FROM crime ORDER BY month").fetchall()
    return [pd.Timestamp(r[0]) for r in rows]


def last_month(con: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """The latest month loaded (None when no crime records are loaded)."""
    if not _has_crime(con):
        return None
    v = store.one(con, "SELECT max(month) FROM crime")
    return None if v is None else pd.Timestamp(v)


def crime_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    return _has_crime(con) and bool(store.one(con, "SELECT EXISTS (SELECT 1 FROM crime)"))


def unlocated_count(
    con: duckdb.DuckDBPyConnection,
    categories: tuple[str, ...] | None = None,
    start=None,
    end=None,
) -> int:
    """Records kept without a location (from city extracts: see
    :mod:`swp_data.sources.policeuk`): in city totals, in no ward or LSOA."""
    if not _has_crime(con):
        return 0
    params: list = []
    where = f"{_cat_filter(categories, params)} AND {_month_filter(start, end, params)}"
    return int(store.one(con, f"SELECT count(*) FROM crime WHERE lsoa21_code IS NULL AND {where}", params))


def category_options(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Groupings, the 14 canonical categories, then any historic or unknown
    category present in the store."""
    present = []
    if _has_crime(con):
        present = [r[0] for r in con.execute("SELECT DISTINCT category FROM crime ORDER BY 1").fetchall()]
    extra = [c for c in present if c not in taxonomy.CATEGORIES]
    # a grouping of one category of the same name (anti-social behaviour) is listed once, as a grouping
    return list(dict.fromkeys([*taxonomy.GROUPINGS, *taxonomy.CATEGORIES, *extra]))


def population(con: duckdb.DuckDBPyConnection, lsoa_codes: tuple[str, ...] | None = None) -> int:
    """Census 2021 usual residents of the LSOAs in scope (the city for None)."""
    params: list = []
    where = _lsoa_filter(lsoa_codes, params)
    return int(store.one(con, f"SELECT coalesce(sum(population), 0) FROM lsoa21 WHERE {where}", params))


# --------------------------------------------------------------------------- series
def monthly_counts(
    con: duckdb.DuckDBPyConnection,
    categories: tuple[str, ...] | None = None,
    lsoa_codes: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """month, category, count: every month loaded x every category asked for
    (every category in the store for None), zeros where nothing was recorded.

    ``lsoa_codes=None`` counts every record (city totals, records without an
    LSOA included); otherwise only records placed in those LSOAs.
    """
    cols = ["month", "category", "count"]
    if not _has_crime(con):
        return pd.DataFrame(columns=cols)
    params: list = []
    if categories is None:
        cats_sql = "SELECT DISTINCT category FROM crime"
    else:
        cats_sql = "SELECT unnest(?::VARCHAR[]) AS category"
        params.append(list(categories))
    where_params: list = []
    where = _cat_filter(categories, where_params) + " AND " + _lsoa_filter(lsoa_codes, where_params)
    df = con.execute(
        f"""
        WITH m AS (SELECT DISTINCT month FROM crime),
             c AS ({cats_sql}),
             n AS (SELECT month, category, count(*) AS n FROM crime WHERE {where} GROUP BY ALL)
        SELECT m.month, c.category, coalesce(n.n, 0)::BIGINT AS count
        FROM m CROSS JOIN c LEFT JOIN n ON n.month = m.month AND n.category = c.category
        ORDER BY m.month, c.category
        """,
        params + where_params,
    ).df()
    df["month"] = pd.to_datetime(df["month"])
    return df[cols]


def total_by_month(monthly: pd.DataFrame) -> pd.DataFrame:
    """month, count: the categories of :func:`monthly_counts` added up."""
    if monthly.empty:
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "count": pd.Series(dtype="int64")})
    return monthly.groupby("month", as_index=False)["count"].sum()


def aggregate(monthly: pd.DataFrame, freq: str, by: list[str] | None = None) -> pd.DataFrame:
    """Monthly counts (columns month, count, and ``by``) to months, calendar
    quarters or financial years (:func:`periods.period_start`).

    Returns period_start, period (label), ``by``, count, months (months of the
    period loaded) and complete (all of its months loaded). An incomplete
    period's count covers only its loaded months; its label says "partial".
    """
    by = list(by or [])
    need = FREQ_MONTHS[periods._check_freq(freq)]
    out_cols = ["period_start", "period", *by, "count", "months", "complete"]
    if monthly.empty:
        return pd.DataFrame(columns=out_cols)
    d = monthly.assign(period_start=periods.period_start(monthly["month"], freq))
    g = d.groupby(["period_start", *by], as_index=False).agg(count=("count", "sum"), months=("month", "nunique"))
    g["complete"] = g["months"] >= need
    g["period"] = [
        periods.period_label(s, freq) + ("" if c else f" (partial: {m} of {need} months)")
        for s, c, m in zip(g["period_start"], g["complete"], g["months"], strict=True)
    ]
    g["count"] = g["count"].astype("int64")
    return g.sort_values(["period_start", *by]).reset_index(drop=True)[out_cols]


def with_gaps(series: pd.DataFrame, freq: str, by: list[str] | None = None) -> pd.DataFrame:
    """For charts: monthly rows (of :func:`aggregate`) plus empty rows (NaN
    count and rate) for the months between that are not loaded, so that a line
    breaks there instead of joining two distant months."""
    by = list(by or [])
    if freq != "month" or series.empty:
        return series.copy()
    full = pd.date_range(series["period_start"].min(), series["period_start"].max(), freq="MS")
    missing = full.difference(pd.DatetimeIndex(series["period_start"]))
    if missing.empty:
        return series.copy()
    keys = series[by].drop_duplicates() if by else pd.DataFrame(index=[0])
    gap = keys.merge(pd.DataFrame({"period_start": missing}), how="cross")
    gap["period"] = [periods.fmt_month(m) + " (not loaded)" for m in gap["period_start"]]
    gap["complete"] = False
    gap["months"] = 0
    out = pd.concat([series, gap], ignore_index=True)
    return out.sort_values(["period_start", *by]).reset_index(drop=True)


def add_rates(df: pd.DataFrame, pop: float, count_col: str = "count") -> pd.DataFrame:
    """A copy with ``rate_per_1000`` = count / population x 1,000."""
    out = df.copy()
    out["rate_per_1000"] = stats.rate_per_1000(out[count_col].astype("float64"), pd.Series(float(pop), index=out.index))
    return out


def complete_months(monthly_total: pd.DataFrame) -> pd.Series:
    """Counts on every calendar month from the first to the last loaded (index
    month start); months not loaded are NaN (not 0)."""
    if monthly_total.empty:
        return pd.Series(dtype="float64")
    s = monthly_total.set_index("month")["count"].astype("float64")
    full = pd.date_range(s.index.min(), s.index.max(), freq="MS")
    return s.reindex(full).rename_axis("month")


def trend_view(
    con: duckdb.DuckDBPyConnection,
    categories: tuple[str, ...] | None,
    lsoa_codes: tuple[str, ...] | None,
    freq: str,
    split: bool,
) -> dict:
    """Everything the Trends page computes from one selection, in one call
    (so that a page caches it once per store version and selection rather
    than redoing a dozen small steps on every run):

    - ``population``: residents of the LSOAs in scope;
    - ``series``: by ``freq`` (and by category when ``split``, categories
      with no records dropped), with rates (:func:`add_rates`);
    - ``same_period`` and ``last12``: :func:`same_period_change` and
      :func:`last12_change` of the total (None where the months are missing);
    - ``rolling``: :func:`rolling_12`; ``stl``: :func:`stl` (or None).
    """
    pop = population(con, lsoa_codes)
    monthly = monthly_counts(con, categories, lsoa_codes)
    total = total_by_month(monthly)
    by = ["category"] if split else []
    series = aggregate(monthly if split else total, freq, by=by)
    if split:
        series = series[series.groupby("category")["count"].transform("sum") > 0]
    return {
        "population": pop,
        "series": add_rates(series, pop),
        "same_period": same_period_change(total, freq),
        "last12": last12_change(total),
        "rolling": rolling_12(total),
        "stl": stl(total),
    }


def rolling_12(monthly_total: pd.DataFrame) -> pd.DataFrame:
    """month, rolling_12: the sum of the 12 months ending in each month, where
    all 12 are loaded."""
    return rolling_sum_12(complete_months(monthly_total))


def rolling_sum_12(s: pd.Series) -> pd.DataFrame:
    """month, rolling_12 of a monthly series indexed by month (NaN: a month not
    loaded): the sum of the 12 months ending in each month, where all 12 are."""
    r = s.astype("float64").rolling(12, min_periods=12).sum()
    return pd.DataFrame({"month": r.index, "rolling_12": r.to_numpy()}).dropna().reset_index(drop=True)


def stl(monthly_total: pd.DataFrame) -> pd.DataFrame | None:
    """STL (period 12) of the monthly total when 24+ consecutive months are
    loaded at the end of the series; None otherwise."""
    s = complete_months(monthly_total)
    if s.empty:
        return None
    # the longest run of loaded months that ends at the latest month
    gaps = s.isna()
    if gaps.any():
        s = s[s.index > s.index[gaps.to_numpy()].max()]
    if len(s) < stats.STL_MIN_MONTHS:
        return None
    return stats.stl_decompose(s)


# --------------------------------------------------------------------------- change
def window_sum(s: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[int, int]:
    """(count, months loaded) of a monthly series (NaN: a month not loaded)
    between two month starts."""
    w = s[(s.index >= start) & (s.index <= end)]
    return int(w.sum(skipna=True)), int(w.notna().sum())


def same_period_change(monthly_total: pd.DataFrame, freq: str) -> dict | None:
    """The latest period (month, quarter or financial year) against the same
    period a year before, by the exact Poisson test.

    When the latest quarter or financial year is not complete, its loaded
    months are compared with the same months a year earlier ("so far").
    Returns None when those earlier months are not all loaded.
    """
    s = complete_months(monthly_total)
    if s.empty:
        return None
    last = s.index.max()
    start = periods.period_start(pd.Series([last]), freq).iloc[0]
    cur_months = s[(s.index >= start) & s.notna()].index
    prev_months = cur_months - pd.DateOffset(years=1)
    if not all(m in s.index and pd.notna(s.get(m)) for m in prev_months):
        return None
    cur = int(s.loc[cur_months].sum())
    prev = int(s.loc[prev_months].sum())
    need = FREQ_MONTHS[freq]
    partial = len(cur_months) < need
    if freq == "month":
        cur_label, prev_label = periods.fmt_month(last), periods.fmt_month(prev_months[0])
    elif not partial:
        cur_label, prev_label = periods.period_label(start, freq), periods.period_label(prev_months[0], freq)
    else:
        what = "quarter" if freq == "quarter" else periods.period_label(start, freq)
        cur_label = f"{periods.month_span(cur_months[0], cur_months[-1])} ({what} so far)"
        prev_label = periods.month_span(prev_months[0], prev_months[-1])
    res = stats.poisson_change(cur, prev)
    return {
        "current_label": cur_label,
        "previous_label": prev_label,
        "months": len(cur_months),
        "partial": partial,
        "result": res,
        "text": stats.describe_change(res),
    }


def last12_change(monthly_total: pd.DataFrame, end: pd.Timestamp | None = None) -> dict | None:
    """The 12 months ending at ``end`` (the latest month loaded by default)
    against the 12 months before. Months not loaded are left out and the
    comparison is scaled by the months loaded in each window (exposure).
    None when either window has no month loaded."""
    s = complete_months(monthly_total)
    if s.empty:
        return None
    end = pd.Timestamp(end) if end is not None else s.index.max()
    c_start = end - pd.DateOffset(months=11)
    p_end, p_start = end - pd.DateOffset(months=12), end - pd.DateOffset(months=23)
    cur, n_cur = window_sum(s, c_start, end)
    prev, n_prev = window_sum(s, p_start, p_end)
    if n_cur == 0 or n_prev == 0:
        return None
    res = stats.poisson_change(cur, prev, exposure_current=n_cur, exposure_previous=n_prev)
    return {
        "current_label": periods.month_span(c_start, end),
        "previous_label": periods.month_span(p_start, p_end),
        "months_current": n_cur,
        "months_previous": n_prev,
        "result": res,
        "text": stats.describe_change(res),
    }


def headline(con: duckdb.DuckDBPyConnection) -> dict:
    """What the Overview shows: per strategy grouping, the last 12 months
    against the previous 12 (exact Poisson test), and data freshness.

    Returns ``{"last_month", "first_month", "months_loaded", "is_demo",
    "loaded_at", "current_label", "previous_label", "rows"}`` where ``rows``
    is a list of ``{"grouping", "current", "previous", "change"
    (ChangeResult or None), "text", "months_current", "months_previous"}``
    in ``taxonomy.GROUPINGS`` order. With no crime loaded, ``last_month`` is
    None and ``rows`` is empty.
    """
    months = months_loaded(con)
    out: dict = {
        "last_month": None,
        "first_month": None,
        "months_loaded": len(months),
        "is_demo": False,
        "loaded_at": None,
        "current_label": "",
        "previous_label": "",
        "rows": [],
    }
    if not months:
        return out
    last = months[-1]
    out.update(last_month=last, first_month=months[0], is_demo=is_demo_selection(con, "crime"))
    la = store.one(con, "SELECT max(loaded_at) FROM dataset WHERE kind = 'police_uk'")
    out["loaded_at"] = None if la is None else pd.Timestamp(la)
    start = last - pd.DateOffset(months=23)
    by_cat = con.execute(
        "SELECT month, category, count(*) AS count FROM crime WHERE month >= ? GROUP BY ALL",
        [start.date()],
    ).df()
    by_cat["month"] = pd.to_datetime(by_cat["month"])
    loaded = pd.DataFrame({"month": [m for m in months if m >= start]})
    for g, cats in taxonomy.GROUPINGS.items():
        tot = by_cat[by_cat["category"].isin(cats)].groupby("month")["count"].sum()
        mt = loaded.assign(count=loaded["month"].map(tot).fillna(0).astype("int64"))
        ch = last12_change(mt, last)
        if ch is None:  # no earlier months: the current 12 only
            cur = int(mt.loc[mt["month"] > last - pd.DateOffset(months=12), "count"].sum())
            row = {
                "grouping": g,
                "current": cur,
                "previous": None,
                "change": None,
                "text": "No earlier year loaded to compare with",
                "months_current": None,
                "months_previous": 0,
            }
        else:
            r = ch["result"]
            row = {
                "grouping": g,
                "current": r.current,
                "previous": r.previous,
                "change": r,
                "text": ch["text"],
                "months_current": ch["months_current"],
                "months_previous": ch["months_previous"],
            }
            out["current_label"], out["previous_label"] = ch["current_label"], ch["previous_label"]
        out["rows"].append(row)
    if not out["current_label"]:
        out["current_label"] = periods.month_span(last - pd.DateOffset(months=11), last)
    return out


# --------------------------------------------------------------------------- areas
def _areas(con, level: str) -> pd.DataFrame:
    if level == "ward":
        return con.execute("SELECT ward_code AS code, ward_name AS name, population FROM ward ORDER BY ward_name").df()
    return con.execute(
        "SELECT lsoa21_code AS code, lsoa21_name || ' (' || ward_name || ')' AS name, population "
        "FROM lsoa21 ORDER BY lsoa21_code"
    ).df()


def area_counts(
    con: duckdb.DuckDBPyConnection,
    categories: tuple[str, ...] | None,
    start,
    end,
    level: str = "lsoa",
) -> pd.DataFrame:
    """code, name, population, count, rate_per_1000 for every LSOA (or ward) of
    the city, counting records from month ``start`` to ``end`` inclusive."""
    col = "ward_code" if level == "ward" else "lsoa21_code"
    params: list = []
    where = _cat_filter(categories, params) + " AND " + _month_filter(start, end, params)
    n = (
        con.execute(
            f"SELECT {col} AS code, count(*) AS count FROM crime WHERE {where} AND {col} IS NOT NULL GROUP BY 1", params
        ).df()
        if _has_crime(con)
        else pd.DataFrame(columns=["code", "count"])
    )
    a = _areas(con, level).merge(n, on="code", how="left")
    a["count"] = a["count"].fillna(0).astype("int64")
    a["rate_per_1000"] = stats.rate_per_1000(a["count"], a["population"])
    return a


def area_change(
    con: duckdb.DuckDBPyConnection,
    categories: tuple[str, ...] | None,
    end,
    level: str = "lsoa",
) -> pd.DataFrame:
    """Per area: the 12 months ending at ``end`` against the 12 before.

    code, name, population, current, previous, ratio, pct_change, ci_low,
    ci_high, p_value, significant, unreliable (either count under 10).
    """
    end = pd.Timestamp(end)
    cur = area_counts(con, categories, end - pd.DateOffset(months=11), end, level)
    prev = area_counts(con, categories, end - pd.DateOffset(months=23), end - pd.DateOffset(months=12), level)
    d = cur[["code", "name", "population"]].assign(
        current=cur["count"].to_numpy(), previous=prev.set_index("code").loc[cur["code"], "count"].to_numpy()
    )
    res = [stats.poisson_change(c, p) for c, p in zip(d["current"], d["previous"], strict=True)]
    d["ratio"] = [r.ratio for r in res]
    d["pct_change"] = [r.pct_change for r in res]
    d["ci_low"] = [r.ci_low for r in res]
    d["ci_high"] = [r.ci_high for r in res]
    d["p_value"] = [r.p_value for r in res]
    d["significant"] = [r.significant for r in res]
    d["unreliable"] = [r.unreliable for r in res]
    # an infinite ratio (from 0) cannot be coloured: leave it out of the scale
    d.loc[~np.isfinite(d["ratio"]), ["ratio", "pct_change"]] = np.nan
    return d


def hotspots(
    con: duckdb.DuckDBPyConnection,
    categories: tuple[str, ...] | None,
    start,
    end,
    permutations: int = 999,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots of LSOA rates per 1,000 residents.

    The rates are empirical Bayes smoothed (:func:`stats.empirical_bayes_rates`)
    before the test, so LSOAs with few residents do not make hotspots out of a
    handful of records. Queen contiguity on the full LSOA shapes and a false
    discovery rate correction (:func:`geo.hotspots.gi_star`).

    code, name, population, count, rate_per_1000, eb_rate, z, p_sim, p_fdr,
    hotspot; ``attrs["weights"]`` describes the contiguity used.
    """
    from geo.boundaries import from_frame
    from geo.hotspots import gi_star

    a = area_counts(con, categories, start, end, "lsoa")
    a["eb_rate"] = stats.empirical_bayes_rates(a["count"], a["population"])
    g = from_frame(con.execute("SELECT lsoa21_code AS code, geom FROM lsoa21 ORDER BY lsoa21_code").df())
    g = g.merge(a[["code", "eb_rate"]], on="code", how="left")
    res = gi_star(g, "eb_rate", "code", alpha=alpha, permutations=permutations)
    out = a.merge(res[["id", "z", "p_sim", "p_fdr", "hotspot"]].rename(columns={"id": "code"}), on="code", how="left")
    out.attrs["weights"] = res.attrs.get("weights", "")
    return out


def points(
    con: duckdb.DuckDBPyConnection,
    categories: tuple[str, ...] | None,
    start,
    end,
    limit: int = 2000,
    lsoa_codes: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, int]:
    """Records with coordinates for a map layer: (frame, total with coordinates).

    The frame has lat, lon, category, month ("Jan 2025"), location, outcome,
    at most ``limit`` rows: a reproducible sample (ordered by a hash of the
    record) when there are more. Text is escaped by geo/maps when drawn.
    """
    cols = ["lat", "lon", "category", "month", "location", "outcome"]
    if not _has_crime(con):
        return pd.DataFrame(columns=cols), 0
    params: list = []
    where = (
        _cat_filter(categories, params)
        + " AND "
        + _month_filter(start, end, params)
        + " AND "
        + _lsoa_filter(lsoa_codes, params)
        + " AND lat IS NOT NULL AND lon IS NOT NULL"
    )
    total = int(store.one(con, f"SELECT count(*) FROM crime WHERE {where}", params))
    df = con.execute(
        f"""SELECT lat, lon, category, month, location, coalesce(outcome, '') AS outcome FROM crime
            WHERE {where}
            ORDER BY hash(coalesce(crime_id, ''), month, lat, lon, category, coalesce(location, ''),
                          coalesce(outcome, ''))
            LIMIT ?""",
        params + [int(limit)],
    ).df()
    df["month"] = [periods.fmt_month(m) for m in df["month"]]
    return df[cols], total


def area_profile(
    con: duckdb.DuckDBPyConnection,
    code: str,
    categories: tuple[str, ...] | None,
    end,
) -> dict:
    """A clicked area (LSOA or ward code): its monthly series for the
    selection (24 months to ``end``), and its top categories over the 12
    months to ``end`` with rates against the city's.

    ``{"level", "name", "population", "monthly": month/count, "top": category,
    count, rate_per_1000, city_rate_per_1000, times_city}``
    """
    level = "ward" if code.startswith("E05") else "lsoa"
    col = "ward_code" if level == "ward" else "lsoa21_code"
    a = _areas(con, level)
    row = a[a["code"] == code]
    if row.empty:
        raise KeyError(code)
    pop = int(row["population"].iloc[0])
    end = pd.Timestamp(end)
    start24, start12 = end - pd.DateOffset(months=23), end - pd.DateOffset(months=11)
    params: list = [code]
    where = _cat_filter(categories, params) + " AND " + _month_filter(start24, end, params)
    n = con.execute(f"SELECT month, count(*) AS count FROM crime WHERE {col} = ? AND {where} GROUP BY 1", params).df()
    n["month"] = pd.to_datetime(n["month"])
    loaded = [m for m in months_loaded(con) if start24 <= m <= end]
    monthly = pd.DataFrame({"month": loaded})
    monthly["count"] = monthly["month"].map(n.set_index("month")["count"]).fillna(0).astype("int64")
    top = con.execute(
        f"""SELECT category, count(*) FILTER (WHERE {col} = ?) AS count, count(*) AS city_count
            FROM crime WHERE month BETWEEN ? AND ? GROUP BY 1""",
        [code, start12.date(), end.date()],
    ).df()
    city_pop = population(con)
    top["rate_per_1000"] = stats.rate_per_1000(top["count"], pd.Series(float(pop), index=top.index))
    top["city_rate_per_1000"] = stats.rate_per_1000(top["city_count"], pd.Series(float(city_pop), index=top.index))
    top["times_city"] = top["rate_per_1000"] / top["city_rate_per_1000"]
    top = top[top["count"] > 0].sort_values(["count", "category"], ascending=[False, True]).reset_index(drop=True)
    return {
        "level": level,
        "name": row["name"].iloc[0],
        "population": pop,
        "monthly": monthly,
        "top": top[["category", "count", "rate_per_1000", "city_rate_per_1000", "times_city"]],
        "period": periods.month_span(start12, end),
    }


# --------------------------------------------------------------------------- partner series
_FREQ_ORDER = {"month": 0, "quarter": 1, "fy": 2}


def partner_measures(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """measure, breakdown, period_type, geography_level, rows, first, last, is_demo."""
    if not store.table_exists(con, "partner_series"):
        return pd.DataFrame(
            columns=["measure", "breakdown", "period_type", "geography_level", "rows", "first", "last", "is_demo"]
        )
    return con.execute(
        """SELECT p.measure, p.breakdown, p.period_type, p.geography_level, count(*) AS rows,
                  min(p.period_start) AS first, max(p.period_end) AS last,
                  bool_or(coalesce(d.is_demo, false)) AS is_demo
           FROM partner_series p LEFT JOIN dataset d USING (dataset_id) GROUP BY ALL ORDER BY ALL"""
    ).df()


def partner_series(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    freq: str = "fy",
    geography: str = "city",
    codes: tuple[str, ...] | None = None,
    public: bool = False,
) -> pd.DataFrame:
    """A partner (or published) measure for an area, by period and breakdown.

    geography:
      * ``"city"``: the city's figure for each (breakdown, period): the city
        rows where given, else the sum of the ward rows, else of the LSOA rows
        (never two levels added together);
      * ``"ward"``: the ward rows of the ward codes in ``codes`` (else the sum
        of the LSOA rows inside them);
      * ``"lsoa"``: the LSOA rows of the LSOA codes in ``codes``.

    Rows are added up to ``freq`` (month < quarter < financial year); rows of a
    coarser period type than ``freq`` are left out (a financial-year total
    cannot be split into months). One row per (period, breakdown, source):
    period_start, period, breakdown, source ("Published (real)", "Partner
    data (DEMO)" or "Partner data (real)"), is_demo, count, months (months of
    the period covered) and complete.

    ``public=True`` below city level applies small-number suppression
    (:func:`stats.suppress_small`, threshold 5, secondary suppression within
    each period): suppressed counts are NaN and ``suppressed`` is True.
    """
    periods._check_freq(freq)
    cols = ["period_start", "period", "breakdown", "source", "is_demo", "count", "months", "complete"]
    empty = pd.DataFrame(columns=[*cols, "suppressed"])
    if not store.table_exists(con, "partner_series"):
        return empty
    allowed = [t for t, o in _FREQ_ORDER.items() if o <= _FREQ_ORDER[freq]]
    params: list = [measure, allowed]
    if geography == "city":
        geo_sql = "TRUE"
    elif geography == "ward":
        geo_sql = (
            "((p.geography_level = 'ward' AND list_contains(?, p.geography_code)) OR "
            "(p.geography_level = 'lsoa' AND p.geography_code IN "
            "(SELECT lsoa21_code FROM lsoa21 WHERE list_contains(?, ward_code))))"
        )
        params += [list(codes or ()), list(codes or ())]
    elif geography == "lsoa":
        geo_sql = "(p.geography_level = 'lsoa' AND list_contains(?, p.geography_code))"
        params.append(list(codes or ()))
    else:
        raise ValueError(f"unknown geography {geography!r}")
    raw = con.execute(
        f"""
        WITH r AS (
            SELECT p.breakdown, p.period_type, p.period_start, p.period_end, p.geography_level,
                   p.count, p.dataset_id, coalesce(d.is_demo, false) AS is_demo
            FROM partner_series p LEFT JOIN dataset d USING (dataset_id)
            WHERE p.measure = ? AND list_contains(?, p.period_type) AND {geo_sql}
        ),
        lv AS (  -- per key, the coarsest geography level present (city < ward < lsoa)
            SELECT breakdown, period_type, period_start,
                   min(CASE geography_level WHEN 'city' THEN 0 WHEN 'ward' THEN 1 ELSE 2 END) AS lv
            FROM r GROUP BY ALL
        )
        SELECT r.breakdown, r.period_type, r.period_start, r.period_end, sum(r.count) AS count,
               bool_or(r.is_demo) AS is_demo, bool_and(starts_with(r.dataset_id, '{PUBLISHED_PREFIX}')) AS published
        FROM r JOIN lv USING (breakdown, period_type, period_start)
        WHERE CASE r.geography_level WHEN 'city' THEN 0 WHEN 'ward' THEN 1 ELSE 2 END = lv.lv
        GROUP BY ALL
        """,
        params,
    ).df()
    if raw.empty:
        return empty
    raw["period_start"] = pd.to_datetime(raw["period_start"])
    raw["period_end"] = pd.to_datetime(raw["period_end"])
    raw["source"] = np.where(
        raw["published"], "Published (real)", np.where(raw["is_demo"], "Partner data (DEMO)", "Partner data (real)")
    )
    raw["n_months"] = (
        (raw["period_end"].dt.year - raw["period_start"].dt.year) * 12
        + raw["period_end"].dt.month
        - raw["period_start"].dt.month
        + 1
    )
    raw["bucket"] = periods.period_start(raw["period_start"], freq)
    g = raw.groupby(["bucket", "breakdown", "source"], as_index=False).agg(
        count=("count", "sum"), months=("n_months", "sum"), is_demo=("is_demo", "any")
    )
    # several sources may cover one period (e.g. the published figure and demo partner
    # months): months are counted per source, so each row's completeness is its own.
    need = FREQ_MONTHS[freq]
    g["complete"] = g["months"] >= need
    g = g.rename(columns={"bucket": "period_start"})
    g["period"] = [
        periods.period_label(s, freq) + ("" if c else " (partial)")
        for s, c in zip(g["period_start"], g["complete"], strict=True)
    ]
    g["count"] = g["count"].astype("float64")
    g = g.sort_values(["period_start", "source", "breakdown"]).reset_index(drop=True)[cols]
    if public and geography != "city":
        g = stats.suppress_small(g, "count", threshold=5, group_cols=["period_start", "source"])
    else:
        g["suppressed"] = False
    return g


# --------------------------------------------------------------------------- provenance
def is_demo_selection(
    con: duckdb.DuckDBPyConnection,
    kind: str = "crime",
    *,
    categories: tuple[str, ...] | None = None,
    start=None,
    end=None,
    measures: tuple[str, ...] | None = None,
) -> bool:
    """Whether any demo dataset contributes rows to a selection of crime
    records (``kind="crime"``: categories, months) or partner series
    (``kind="partner"``: measures, period starts)."""
    params: list = []
    if kind == "crime":
        if not _has_crime(con):
            return False
        where = _cat_filter(categories, params) + " AND " + _month_filter(start, end, params)
        table = "crime"
    elif kind == "partner":
        if not store.table_exists(con, "partner_series"):
            return False
        where = _cat_filter(measures, params, "measure") + " AND " + _month_filter(start, end, params, "period_start")
        table = "partner_series"
    else:
        raise ValueError(f"unknown kind {kind!r}")
    v = store.one(
        con,
        f"""SELECT coalesce(bool_or(d.is_demo), false) FROM (SELECT DISTINCT dataset_id FROM {table} WHERE {where}) t
            JOIN dataset d USING (dataset_id)""",
        params,
    )
    return bool(v)


def fmt_ci(res: stats.ChangeResult) -> str:
    """ "rate ratio 1.12 (95% CI 1.05 to 1.19)"."""

    def f(x):
        return "∞" if math.isinf(x) else f"{x:.2f}"

    if math.isnan(res.ratio):
        return "no records in either period"
    level = f"{(1 - res.alpha) * 100:g}%"
    return f"rate ratio {f(res.ratio)} ({level} CI {f(res.ci_low)} to {f(res.ci_high)})"


__all__ = [
    "months_loaded",
    "last_month",
    "crime_loaded",
    "category_options",
    "category_label",
    "population",
    "monthly_counts",
    "total_by_month",
    "aggregate",
    "with_gaps",
    "add_rates",
    "complete_months",
    "rolling_12",
    "stl",
    "same_period_change",
    "last12_change",
    "headline",
    "area_counts",
    "area_change",
    "hotspots",
    "points",
    "area_profile",
    "partner_measures",
    "partner_series",
    "is_demo_selection",
    "fmt_ci",
]


def partner_panel(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    published_measure: str,
    freq: str,
    geography: str,
    codes: tuple[str, ...] | None,
    public: bool,
) -> dict:
    """What the Trends page shows for one partner measure (domestic abuse or
    hate crime), in one cacheable call:

    - ``part``: :func:`partner_series` of ``measure`` by ``freq`` for the area,
      or for the whole city when the partner data are not held for an area
      that small (``fell_back`` says so); in public mode only the figures the
      partnership publishes (:func:`swp_data.analysis.public.published_partner`);
    - ``geography``: the geography used (``"city"`` after a fall-back);
    - ``published``: the partnership's published series of
      ``published_measure`` by financial year (city only; empty otherwise);
    - ``years``: published and partner figures by financial year, with the
      strands summed (``"all (sum of strands)"``) where the published series is
      a total and the partner data only has strands, and ``axis`` the year's
      label (``*`` when only some of its months are loaded), sorted.
    """

    def series(m: str, f: str, g: str, c: tuple[str, ...] | None) -> pd.DataFrame:
        out = partner_series(con, m, f, g, c, public)
        return public_site.published_partner(out) if public else out

    part = series(measure, freq, geography, codes)
    fell_back = part.empty and geography != "city"
    if fell_back:
        geography, codes = "city", None
        part = series(measure, freq, "city", None)
    pub = partner_series(con, published_measure, "fy", "city") if geography == "city" else part.iloc[0:0]
    fy = series(measure, "fy", geography, codes)
    years = pd.concat([pub, fy], ignore_index=True)
    if len(pub) and "all" in set(pub["breakdown"]) and len(fy) and "all" not in set(fy["breakdown"]):
        tot = fy.groupby(["period_start", "period", "source"], as_index=False).agg(
            count=("count", lambda s: s.sum(min_count=len(s))),
            is_demo=("is_demo", "any"),
            months=("months", "max"),
            complete=("complete", "all"),
            suppressed=("suppressed", "any"),
        )
        years = pd.concat([years, tot.assign(breakdown="all (sum of strands)")], ignore_index=True)
    years = years.sort_values(["period_start", "source", "breakdown"])
    years["axis"] = [
        periods.period_label(p, "fy") + ("" if c else "*")
        for p, c in zip(years["period_start"], years["complete"], strict=True)
    ]
    return {"part": part, "geography": geography, "fell_back": fell_back, "published": pub, "years": years}
