"""The latest 12 months of crime records (and the 12 before) counted by LSOA
and category, and the crime measures (strategy groupings, then categories)
that the place analyses share.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from swp_data import taxonomy

# Crime measures used throughout: strategy groupings, then categories.
ALL_CRIME = "All crime (excluding ASB)"
DEFAULT_SELECTION = ALL_CRIME


def crime_window(con: duckdb.DuckDBPyConnection, months: int = 12) -> dict | None:
    """The latest ``months`` months of loaded crime records and the
    ``months`` before them: last, start, prev_start, prev_end (Timestamps),
    n_months (months loaded), has_previous (all previous months loaded).
    None without crime records."""
    r = con.execute("SELECT max(month), min(month), count(DISTINCT month) FROM crime").fetchall()[0]
    if r[0] is None:
        return None
    last, first = pd.Timestamp(r[0]), pd.Timestamp(r[1])
    start = last - pd.DateOffset(months=months - 1)
    prev_end = start - pd.DateOffset(months=1)
    prev_start = start - pd.DateOffset(months=months)
    return {
        "last": last,
        "start": start,
        "prev_start": prev_start,
        "prev_end": prev_end,
        "first": first,
        "n_months": int(r[2]),
        "months": months,
        "has_previous": bool(first <= prev_start),
    }


def window_label(w: dict | None, previous: bool = False) -> str:
    if not w:
        return "no crime records loaded"
    a, b = (w["prev_start"], w["prev_end"]) if previous else (w["start"], w["last"])
    return f"{a:%b %Y} to {b:%b %Y}"


def window_counts(con: duckdb.DuckDBPyConnection, previous: bool = False) -> pd.DataFrame:
    """Records by LSOA and category in the latest 12 months (or the 12
    before): lsoa21_code, category, n. Records with no LSOA are left out."""
    w = crime_window(con)
    if w is None:
        return pd.DataFrame(
            {
                "lsoa21_code": pd.Series(dtype="string"),
                "category": pd.Series(dtype="string"),
                "n": pd.Series(dtype="int64"),
            }
        )
    a, b = (w["prev_start"], w["prev_end"]) if previous else (w["start"], w["last"])
    df = con.execute(
        "SELECT lsoa21_code, category, count(*) AS n FROM crime WHERE month BETWEEN ? AND ? "
        "AND lsoa21_code IS NOT NULL GROUP BY ALL ORDER BY 1, 2",
        [a.date(), b.date()],
    ).df()
    df["n"] = df["n"].astype("int64")
    return df


def measures() -> list[str]:
    """Strategy groupings, then the canonical categories (for selectors)."""
    return list(taxonomy.GROUPINGS) + [c for c in taxonomy.CATEGORIES if c not in taxonomy.GROUPINGS]


def measure_text(measure: str) -> str:
    """A measure name inside a sentence: "all crime (excluding ASB)", "violence"."""
    return measure[:1].lower() + measure[1:]


def sum_selection(counts: pd.DataFrame, selection: str) -> pd.Series:
    """Count per LSOA of one grouping or category from lsoa21_code/category/n."""
    cats = taxonomy.categories_for(selection)
    sub = counts[counts["category"].isin(cats)]
    return sub.groupby("lsoa21_code")["n"].sum()


def harm_per_lsoa(counts: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.Series:
    """Harm-weighted count per LSOA: sum of count x harm weight
    (taxonomy.HARM_WEIGHTS; categories without a weight count 0)."""
    weights = weights or taxonomy.HARM_WEIGHTS
    w = counts["category"].map(lambda c: weights.get(c, 0.0)).astype("float64")
    return (counts["n"] * w).groupby(counts["lsoa21_code"]).sum()


def lsoa_population(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """Census 2021 residents by LSOA 2021 code (the whole city)."""
    df = con.execute("SELECT lsoa21_code, population FROM lsoa21 ORDER BY 1").df()
    return df.set_index("lsoa21_code")["population"].astype("float64")
