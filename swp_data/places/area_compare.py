"""An Impact Area against the city and against similar places
(docs/architecture.md, page 5): shares of population and crime, inside against
the rest of the city
(monthly series and the change test), its LSOAs ranked, its deprivation
profile and comparators among similar LSOAs outside it (:func:`comparators`).

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from swp_data import taxonomy
from swp_data.analysis import reference, stats
from swp_data.analysis.crime_window import (
    DEFAULT_SELECTION,
    crime_window,
    harm_per_lsoa,
    lsoa_population,
    measures,
    sum_selection,
    window_counts,
    window_label,
)
from swp_data.places import clustering
from swp_data.places.impact_areas import city_lsoas


# ----------------------------------------------------------------- shares of population and crime
def share_table(
    counts: pd.DataFrame, population: pd.Series, codes: Iterable[str], selections: Iterable[str] | None = None
) -> pd.DataFrame:
    """Share of the city's population against share of its recorded crime.

    ``counts``: lsoa21_code, category, n (a period's records); ``population``:
    residents by LSOA code (the whole city); ``codes``: the area's LSOAs.
    One row per measure (grouping or category, default :func:`measures`):
    measure, kind ('grouping'|'category'), inside, city, crime_share (% of the
    city's records that are inside), population_share (% of residents inside),
    ratio (crime_share / population_share: 1 = its fair share),
    rate_inside and rate_rest (per 1,000 residents).
    """
    codes = set(codes)
    pop_in = float(population[population.index.isin(codes)].sum())
    pop_all = float(population.sum())
    pop_share = 100.0 * pop_in / pop_all if pop_all else np.nan
    rows = []
    for m in list(selections) if selections is not None else measures():
        per = sum_selection(counts, m)
        inside = int(per[per.index.isin(codes)].sum())
        city = int(per.sum())
        crime_share = 100.0 * inside / city if city else np.nan
        rows.append(
            {
                "measure": m,
                "kind": "grouping" if m in taxonomy.GROUPINGS else "category",
                "inside": inside,
                "city": city,
                "crime_share": crime_share,
                "population_share": pop_share,
                "ratio": crime_share / pop_share if pop_share and not np.isnan(crime_share) else np.nan,
                "rate_inside": stats.rate_per_1000(inside, pop_in),
                "rate_rest": stats.rate_per_1000(city - inside, pop_all - pop_in),
            }
        )
    return pd.DataFrame(rows)


def area_shares(con: duckdb.DuckDBPyConnection, codes: tuple[str, ...]) -> pd.DataFrame:
    """:func:`share_table` on the latest 12 months of loaded records
    (``attrs['window']`` names the months)."""
    out = share_table(window_counts(con), lsoa_population(con), codes)
    out.attrs["window"] = window_label(crime_window(con))
    return out


# ----------------------------------------------------------------- inside against the rest
def inside_vs_rest_monthly(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION
) -> pd.DataFrame:
    """Monthly records inside the area and in the rest of the city: month,
    where ('Inside the area' | 'Rest of the city'), count, population,
    rate_per_1000 (records per 1,000 residents in the month). Every month from
    the first to the last loaded appears (0 where none)."""
    cats = list(taxonomy.categories_for(selection))
    df = con.execute(
        "SELECT month, list_contains(?, lsoa21_code) AS inside, count(*) AS n FROM crime "
        "WHERE list_contains(?, category) AND lsoa21_code IS NOT NULL GROUP BY ALL",
        [list(codes), cats],
    ).df()
    w = crime_window(con)
    cols = ["month", "where", "count", "population", "rate_per_1000"]
    if w is None:
        return pd.DataFrame(columns=cols)
    pop = lsoa_population(con)
    p_in = float(pop[pop.index.isin(set(codes))].sum())
    p_out = float(pop.sum()) - p_in
    months = pd.date_range(w["first"], w["last"], freq="MS")
    parts = []
    for flag, label, p in ((True, "Inside the area", p_in), (False, "Rest of the city", p_out)):
        s = (
            df[df["inside"] == flag]
            .assign(month=lambda d: pd.to_datetime(d["month"]))
            .set_index("month")["n"]
            .reindex(months, fill_value=0)
        )
        parts.append(
            pd.DataFrame({"month": months, "where": label, "count": s.to_numpy().astype("int64"), "population": p})
        )
    out = pd.concat(parts, ignore_index=True)
    out["rate_per_1000"] = stats.rate_per_1000(out["count"], out["population"]).to_numpy()
    return out[cols]


def inside_vs_rest_change(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION
) -> pd.DataFrame:
    """The change test (latest 12 months against the 12 before, exact Poisson
    test, stats.poisson_change) inside the area and in the rest of the city:
    where, current, previous, ratio, ci_low, ci_high, p_value, significant,
    unreliable, pct_change, text (stats.describe_change). Empty without 24
    months of records."""
    w = crime_window(con)
    if w is None or not w["has_previous"]:
        return pd.DataFrame(
            columns=[
                "where",
                "current",
                "previous",
                "ratio",
                "ci_low",
                "ci_high",
                "p_value",
                "significant",
                "unreliable",
                "pct_change",
                "text",
            ]
        )
    cur = sum_selection(window_counts(con), selection)
    prev = sum_selection(window_counts(con, previous=True), selection)
    cs = set(codes)
    rows = []
    for label, mask in (("Inside the area", True), ("Rest of the city", False)):
        c = int(cur[cur.index.isin(cs) == mask].sum())
        p = int(prev[prev.index.isin(cs) == mask].sum())
        r = stats.poisson_change(c, p)
        rows.append(
            {
                "where": label,
                "current": c,
                "previous": p,
                "ratio": r.ratio,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "p_value": r.p_value,
                "significant": r.significant,
                "unreliable": r.unreliable,
                "pct_change": r.pct_change,
                "text": stats.describe_change(r),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["window"] = f"{window_label(w)} against {window_label(w, previous=True)}"
    return out


# ----------------------------------------------------------------- LSOAs inside, deprivation
def area_lsoa_ranking(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION
) -> pd.DataFrame:
    """The area's LSOAs ranked: code, name, ward_name, population, count
    (latest 12 months, of ``selection``), rate_per_1000, harm_per_1000 (all
    categories, harm-weighted: days of custody equivalent per 1,000
    residents), harm_index (its harm per 1,000 against the city's, city =
    100), rate_rank and harm_rank (1 = highest in the area), imd_decile
    (IMD 2025). Sorted by harm rank."""
    counts = window_counts(con)
    city = city_lsoas(con)
    lsoa = city[city["code"].isin(set(codes))].copy()
    sel = sum_selection(counts, selection)
    harm = harm_per_lsoa(counts)
    city_harm = float(stats.rate_per_1000(city["code"].map(harm).fillna(0.0).sum(), city["population"].sum()))
    lsoa["count"] = lsoa["code"].map(sel).fillna(0).astype("int64")
    lsoa["rate_per_1000"] = stats.rate_per_1000(lsoa["count"], lsoa["population"]).to_numpy()
    lsoa["harm_per_1000"] = stats.rate_per_1000(lsoa["code"].map(harm).fillna(0.0), lsoa["population"]).to_numpy()
    lsoa["harm_index"] = 100.0 * lsoa["harm_per_1000"] / city_harm if city_harm > 0 else np.nan
    lsoa["rate_rank"] = lsoa["rate_per_1000"].rank(ascending=False, method="min").astype("Int64")
    lsoa["harm_rank"] = lsoa["harm_per_1000"].rank(ascending=False, method="min").astype("Int64")
    imd = con.execute("SELECT lsoa21_code AS code, imd_decile FROM imd2025").df()
    lsoa = lsoa.merge(imd, on="code", how="left")
    return lsoa.sort_values(["harm_rank", "rate_rank", "code"]).reset_index(drop=True)


IMD_DOMAINS_2025 = reference.DOMAINS["2025"]


def deprivation_profile(con: duckdb.DuckDBPyConnection, codes: tuple[str, ...]) -> pd.DataFrame:
    """IMD 2025 deciles of the area's LSOAs, per domain: domain, decile
    (1 = most deprived 10% in England), lsoas (how many of the area's LSOAs),
    population (their residents), share (% of the area's residents)."""
    imd = con.execute("SELECT * FROM imd2025").df().rename(columns={"lsoa21_code": "code"})
    pop = lsoa_population(con)
    imd = imd[imd["code"].isin(set(codes))]
    imd["population"] = imd["code"].map(pop)
    rows = []
    total = float(imd["population"].sum())
    for key, label in IMD_DOMAINS_2025.items():
        g = imd.groupby(f"{key}_decile").agg(lsoas=("code", "size"), population=("population", "sum"))
        for dec in range(1, 11):
            n = int(g["lsoas"].get(dec, 0)) if dec in g.index else 0
            p = float(g["population"].get(dec, 0.0)) if dec in g.index else 0.0
            rows.append(
                {
                    "domain": label,
                    "decile": dec,
                    "lsoas": n,
                    "population": p,
                    "share": 100.0 * p / total if total else np.nan,
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------- comparators
COMPARATOR_DOMAINS = ("income", "employment", "education", "health", "housing_and_services", "environment")


def similarity_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Features used to find similar LSOAs: the six IMD 2025 domain scores
    other than crime, and population (indexed by LSOA code). The crime
    domain and the overall IMD (which contains it) are left out on purpose:
    matching on crime would match on the very outcome being compared."""
    cols = ", ".join(f"i.{d}_score AS {d}" for d in COMPARATOR_DOMAINS)
    df = con.execute(
        f"SELECT l.lsoa21_code, {cols}, l.population FROM lsoa21 l JOIN imd2025 i USING (lsoa21_code) ORDER BY 1"
    ).df()
    return df.set_index("lsoa21_code").astype("float64")


def comparators(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION, k: int = 5
) -> dict:
    """The area against its most similar LSOAs outside it.

    For every LSOA inside, its ``k`` nearest LSOAs outside the area
    (clustering.similar_areas on :func:`similarity_features`, standardised
    over the city); the comparators are the distinct LSOAs so found. Returns
    a dict: ``pairs`` (target, target_name, neighbour, neighbour_name,
    distance, rank), ``comparators`` (code, name, ward_name, population,
    count, rate_per_1000, times_chosen), ``inside`` / ``comparator`` (count,
    population, rate_per_1000 of ``selection`` in the latest 12 months),
    ``test`` (stats.poisson_change of the inside rate against the comparators'
    rate, population as exposure), ``verdict`` (plain English) and
    ``better`` (True = lower rate than comparators, significantly; False =
    higher, significantly; None = no clear difference or too few).
    """
    feats = similarity_features(con)
    inside_codes = [c for c in codes if c in feats.index]
    lsoa = city_lsoas(con).set_index("code")
    pairs = clustering.similar_areas(feats, inside_codes, k=k)
    pairs["target_name"] = pairs["target"].map(lsoa["name"])
    pairs["neighbour_name"] = pairs["neighbour"].map(lsoa["name"])
    pairs = pairs[["target", "target_name", "neighbour", "neighbour_name", "distance", "rank"]]
    sel = sum_selection(window_counts(con), selection)
    comp_codes = list(dict.fromkeys(pairs["neighbour"]))
    comp = lsoa.loc[comp_codes, ["name", "ward_name", "population"]].reset_index()
    comp["count"] = comp["code"].map(sel).fillna(0).astype("int64")
    comp["rate_per_1000"] = stats.rate_per_1000(comp["count"], comp["population"]).to_numpy()
    comp["times_chosen"] = comp["code"].map(pairs["neighbour"].value_counts()).astype("int64")

    def block(cs):
        n = int(sel[sel.index.isin(set(cs))].sum())
        p = float(lsoa.loc[list(cs), "population"].sum()) if len(cs) else 0.0
        return {"count": n, "population": p, "rate_per_1000": stats.rate_per_1000(n, p)}

    inside, other = block(inside_codes), block(comp_codes)
    test, verdict, better = None, "No comparators (the area covers the whole city?)", None
    if comp_codes and inside["population"] > 0 and other["population"] > 0:
        test = stats.poisson_change(inside["count"], other["count"], inside["population"], other["population"])
        ratio = test.ratio
        diff = "higher" if ratio > 1 else "lower"
        pct = abs(100 * (ratio - 1)) if np.isfinite(ratio) else float("nan")
        if test.unreliable:
            verdict = "Too few records to judge against similar places"
        elif test.significant:
            better = bool(ratio < 1)
            verdict = (
                f"{'Doing better than' if better else 'Doing worse than'} similar places: the rate "
                f"inside is {pct:.0f}% {diff} than in its {len(comp_codes)} comparator LSOAs "
                f"(95% confidence)"
            )
        else:
            verdict = (
                f"In line with similar places: the rate inside is {pct:.0f}% {diff} than in its "
                f"{len(comp_codes)} comparator LSOAs, within normal variation"
            )
    return {
        "pairs": pairs,
        "comparators": comp,
        "inside": inside,
        "comparator": other,
        "test": test,
        "verdict": verdict,
        "better": better,
        "selection": selection,
        "k": k,
        "window": window_label(crime_window(con)),
    }
