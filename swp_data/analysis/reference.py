"""Queries on the reference tables: areas, deprivation, Census, city summary.

Pure functions of an open DuckDB connection returning DataFrames. Ward values
of LSOA measures are population-weighted (Census 2021 usual residents).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from swp_data import config, store
from swp_data.sources.bundle import IMD25_CRIME_INDICATORS

EDITIONS = ("2025", "2019")

# Domain key -> label, per edition (column prefix in the store is the key).
DOMAINS = {
    "2025": {
        "imd": "Index of Multiple Deprivation",
        "income": "Income",
        "employment": "Employment",
        "education": "Education, skills and training",
        "health": "Health deprivation and disability",
        "crime": "Crime",
        "housing_and_services": "Barriers to housing and services",
        "environment": "Living environment",
    },
    "2019": {
        "imd": "Index of Multiple Deprivation",
        "income": "Income",
        "employment": "Employment",
        "education": "Education, skills and training",
        "health": "Health deprivation and disability",
        "crime": "Crime",
        "housing_and_access": "Barriers to housing and services",
        "environment": "Living environment",
    },
}

CRIME_INDICATORS = IMD25_CRIME_INDICATORS

# The partnership's documents (the bundle's seeds/, as published_figure.source_document names them) by the
# titles they carry, so a published figure cites its source by name, not by file name.
SOURCE_DOCUMENTS = {
    "000_d7aedd038824b33d.txt": "SWP Community Safety and Harm Reduction Strategy 2017-2020",
    "001_ac932429a4d359f5.txt": "SWP Crime Reduction, Community Safety and Drugs Strategy 2014-2017",
    "002_2fe525b83ae8ece0.txt": "SWP Community Safety and Harm Reduction Strategy 2020-2023 (consultation draft)",
    "003_f0a68813f0ea50b2.txt": "SWP Community Safety Strategy consultation (strategy from 2023)",
    "004_1320956e06d51105.txt": "Health and Wellbeing Together, 21 Oct 2020: SWP Community Safety and Harm "
    "Reduction Strategy 2020-2023",
}


def source_name(document: str) -> str:
    """A seed document's title (the file name itself when unknown)."""
    return SOURCE_DOCUMENTS.get(str(document), str(document))


CENSUS_OVERLAYS = {
    "ethnicity": ("census_ethnicity", "ethnic_group", "total_residents", "Ethnic group (Census 2021)"),
    "household_deprivation": (
        "census_household_deprivation",
        "deprivation_dimensions",
        "total_households",
        "Household deprivation (Census 2021)",
    ),
}


def areas(con: duckdb.DuckDBPyConnection, level: str = "lsoa") -> pd.DataFrame:
    """code, name, ward_code, ward_name, population, area_km2 (no geometry)."""
    if level == "ward":
        return con.execute(
            "SELECT ward_code AS code, ward_name AS name, ward_code, ward_name, population, "
            "area_km2, n_lsoa FROM ward ORDER BY ward_name"
        ).df()
    return con.execute(
        "SELECT lsoa21_code AS code, lsoa21_name AS name, ward_code, ward_name, population, area_km2, "
        "changed FROM lsoa21 ORDER BY lsoa21_code"
    ).df()


def imd_lsoa(con: duckdb.DuckDBPyConnection, edition: str) -> pd.DataFrame:
    """Per LSOA 2021: rank, decile (and score for 2025) of every domain."""
    if edition == "2025":
        df = con.execute("SELECT * FROM imd2025").df()
    elif edition == "2019":
        df = con.execute("SELECT * EXCLUDE (lsoa11_code) FROM imd2019_lsoa21").df()
    else:
        raise ValueError(f"unknown IMD edition {edition!r}")
    return df.rename(columns={"lsoa21_code": "code"})


def national_n(con: duckdb.DuckDBPyConnection, edition: str) -> int:
    return int(store.one(con, "SELECT max(n_lsoa) FROM imd_threshold WHERE edition = ?", [edition]))


def rank_to_decile(con: duckdb.DuckDBPyConnection, edition: str, ranks: pd.Series) -> pd.Series:
    """National IMD decile of a rank (or an average rank) by the national cut-offs."""
    t = con.execute("SELECT decile, max_rank FROM imd_threshold WHERE edition = ? ORDER BY decile", [edition]).df()
    idx = np.searchsorted(t["max_rank"].to_numpy(), ranks.to_numpy(), side="left")
    out = pd.Series(np.clip(idx + 1, 1, 10), index=ranks.index, dtype="float")
    return out.where(ranks.notna())


def imd_measure(con: duckdb.DuckDBPyConnection, edition: str, domain: str, level: str = "lsoa") -> pd.DataFrame:
    """code, name, population, rank, decile, score (2025 only) of one domain.

    Ward values: the population-weighted average of its LSOAs' ranks (as
    MHCLG's "average rank" summary) and scores, and the national decile that
    average rank falls in.
    """
    if domain not in DOMAINS[edition]:
        raise ValueError(f"unknown domain {domain!r} for IMD {edition}")
    imd = imd_lsoa(con, edition)
    cols = {f"{domain}_rank": "rank", f"{domain}_decile": "decile"}
    if f"{domain}_score" in imd.columns:
        cols[f"{domain}_score"] = "score"
    v = imd[["code", *cols]].rename(columns=cols)
    lsoa = areas(con, "lsoa").merge(v, on="code", how="left")
    if level == "lsoa":
        return lsoa
    w = _weighted(lsoa, [c for c in ("rank", "score") if c in lsoa.columns])
    w["decile"] = rank_to_decile(con, edition, w["rank"])
    return areas(con, "ward").merge(w, left_on="code", right_index=True, how="left")


def _weighted(lsoa: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Population-weighted mean of ``cols`` by ward."""
    g = lsoa.assign(**{c: lsoa[c] * lsoa["population"] for c in cols}).groupby("ward_code")
    return g[cols].sum().div(g["population"].sum(), axis=0)


def crime_indicators(con: duckdb.DuckDBPyConnection, level: str = "lsoa") -> pd.DataFrame:
    """IoD2025 police recorded crime rates per 1,000 at-risk population (or properties)."""
    ind = con.execute("SELECT * FROM imd2025_indicators").df().rename(columns={"lsoa21_code": "code"})
    lsoa = areas(con, "lsoa").merge(ind, on="code", how="left")
    if level == "lsoa":
        return lsoa
    w = _weighted(lsoa, list(CRIME_INDICATORS))
    return areas(con, "ward").merge(w, left_on="code", right_index=True, how="left")


def census_shares(con: duckdb.DuckDBPyConnection, overlay: str, category: str, level: str = "lsoa") -> pd.DataFrame:
    """Share (%) of residents/households in one Census category, by area."""
    table, cat_col, total_col, _ = CENSUS_OVERLAYS[overlay]
    df = con.execute(
        f"SELECT lsoa21_code AS code, n, {total_col} AS total FROM {table} WHERE {cat_col} = ?",
        [category],
    ).df()
    lsoa = areas(con, "lsoa").merge(df, on="code", how="left")
    if level == "ward":
        g = lsoa.groupby("ward_code")[["n", "total"]].sum()
        lsoa = areas(con, "ward").merge(g, left_on="code", right_index=True, how="left")
    lsoa["share"] = 100 * lsoa["n"] / lsoa["total"]
    return lsoa


def census_categories(con: duckdb.DuckDBPyConnection, overlay: str) -> list[str]:
    table, cat_col, _, _ = CENSUS_OVERLAYS[overlay]
    return [r[0] for r in con.execute(f"SELECT DISTINCT {cat_col} FROM {table} ORDER BY 1").fetchall()]


def pockets(con: duckdb.DuckDBPyConnection, edition: str = "2025", band: str = "decile") -> pd.DataFrame:
    """Pockets of deprivation (seeds/004): LSOAs in the nationally most deprived
    10% (band='decile') or 20% ('quintile') whose ward's average is not.

    Ranked from the most deprived LSOA. Columns: code, name, ward_name, rank,
    decile, ward_rank (population-weighted average rank), ward_decile, gap
    (how many national deciles the ward average sits above the LSOA).
    """
    cut = {"decile": 1, "quintile": 2}[band]
    lsoa = imd_measure(con, edition, "imd", "lsoa")
    ward = imd_measure(con, edition, "imd", "ward")[["code", "rank", "decile"]].rename(
        columns={"code": "ward_code", "rank": "ward_rank", "decile": "ward_decile"}
    )
    df = lsoa.merge(ward, on="ward_code")
    out = df[(df["decile"] <= cut) & (df["ward_decile"] > cut)].copy()
    out["gap"] = out["ward_decile"] - out["decile"]
    return out.sort_values("rank").reset_index(drop=True)


def city_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """The city at a glance: population and IMD standing, 2025 and 2019."""
    pop = int(store.one(con, "SELECT sum(population) FROM lsoa21"))
    n_lsoa = int(store.one(con, "SELECT count(*) FROM lsoa21"))
    out: dict = {
        "population": pop,
        "n_lsoa": n_lsoa,
        "n_ward": int(store.one(con, "SELECT count(*) FROM ward")),
    }

    l25 = con.execute("SELECT * FROM imd2025_lad").df()
    me = l25[l25["ltla24_code"] == config.CITY_LAD].iloc[0]
    wm = l25[l25["pfa24_name"] == "West Midlands"].sort_values("imd_average_score", ascending=False)
    out["imd2025"] = {
        "n_la": len(l25),
        "rank_avg_score": int(me["imd_rank_of_average_score"]),
        "avg_score": float(me["imd_average_score"]),
        "rank_avg_rank": int(me["imd_rank_of_average_rank"]),
        "prop_most_deprived_10": float(me["imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"]),
        "rank_prop_10": int(me["imd_rank_of_proportion_of_lso_as_in_most_deprived_10_percent_nationally"]),
        "wm_rank": int(list(wm["ltla24_code"]).index(config.CITY_LAD)) + 1,
        "wm_n": len(wm),
        "wm_areas": wm[["ltla24_name", "imd_average_score", "imd_rank_of_average_score"]].reset_index(drop=True),
    }
    l19 = con.execute("SELECT * FROM imd2019_lad").df()
    l19 = l19.assign(rank_avg_score=l19["Score"].rank(ascending=False, method="min"))
    me19 = l19[l19["ltla19_code"] == config.CITY_LAD].iloc[0]
    wm19 = l19[l19["pfa24_name"] == "West Midlands"].sort_values("Score", ascending=False)
    out["imd2019"] = {
        "n_la": len(l19),
        "rank_avg_score": int(me19["rank_avg_score"]),
        "avg_score": float(me19["Score"]),
        "prop_most_deprived_10": float(me19["Proportion"]),
        "wm_rank": int(list(wm19["ltla19_code"]).index(config.CITY_LAD)) + 1,
        "wm_n": len(wm19),
    }
    for ed in EDITIONS:
        d = imd_lsoa(con, ed)
        out[f"imd{ed}"]["lsoa_in_decile1"] = int((d["imd_decile"] == 1).sum())
        out[f"imd{ed}"]["lsoa_in_quintile1"] = int((d["imd_decile"] <= 2).sum())
    return out


def lsoa_profile(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    """Everything the reference tables know about one LSOA (or ward) code."""
    is_ward = code.startswith("E05")
    level = "ward" if is_ward else "lsoa"
    a = areas(con, level)
    row = a[a["code"] == code]
    if row.empty:
        raise KeyError(code)
    prof: dict = {"area": row.iloc[0].to_dict(), "level": level}
    dom = []
    for ed in EDITIONS:
        for key, label in DOMAINS[ed].items():
            m = imd_measure(con, ed, key, level)
            r = m[m["code"] == code].iloc[0]
            dom.append(
                {
                    "edition": ed,
                    "domain": label,
                    "rank": r["rank"],
                    "decile": r["decile"],
                    "score": r.get("score", np.nan),
                }
            )
    prof["deprivation"] = pd.DataFrame(dom)
    ci = crime_indicators(con, level)
    ci = ci[ci["code"] == code][list(CRIME_INDICATORS)].T.reset_index()
    ci.columns = ["indicator", "rate"]
    ci["indicator"] = ci["indicator"].map(CRIME_INDICATORS)
    prof["crime_indicators"] = ci
    for overlay, (table, cat_col, _total_col, _) in CENSUS_OVERLAYS.items():
        codes = [code] if not is_ward else a.loc[a["code"] == code, "code"].tolist()
        if is_ward:
            q = (
                f"SELECT {cat_col} AS category, sum(n) AS n FROM {table} t JOIN lsoa21 l USING (lsoa21_code) "
                f"WHERE l.ward_code = ? GROUP BY 1 ORDER BY 1"
            )
        else:
            q = f"SELECT {cat_col} AS category, n FROM {table} WHERE lsoa21_code = ? ORDER BY 1"
        c = con.execute(q, codes[:1]).df()
        c["share"] = 100 * c["n"] / c["n"].sum()
        prof[overlay] = c
    return prof


# --------------------------------------------------------------------------- places the sidebar offers
def display_geometry(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """Display geometry (simplified once at build time, WKB) with code and name:
    wards (code, name, geom) or LSOAs (code, "name (ward)", ward_code, geom)."""
    if level == "ward":
        return con.execute(
            "SELECT ward_code AS code, ward_name AS name, geom_display AS geom FROM ward ORDER BY ward_code"
        ).df()
    return con.execute(
        "SELECT lsoa21_code AS code, lsoa21_name || ' (' || ward_name || ')' AS name, "
        "ward_code, geom_display AS geom FROM lsoa21 ORDER BY lsoa21_code"
    ).df()


def area_choices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The areas a page can be limited to: every ward (by name), then every
    Impact Area (by name): kind ("ward" | "impact"), code, name, approximate."""
    wards = con.execute(
        "SELECT 'ward' AS kind, ward_code AS code, ward_name AS name, false AS approximate FROM ward ORDER BY ward_name"
    ).df()
    if not store.table_exists(con, "impact_area"):
        return wards
    areas = con.execute(
        "SELECT 'impact' AS kind, area_id AS code, name, approximate FROM impact_area ORDER BY name"
    ).df()
    return pd.concat([wards, areas], ignore_index=True)


def area_lsoas(con: duckdb.DuckDBPyConnection, kind: str, code: str | None) -> list[str]:
    """The LSOA 2021 codes of a ward, an Impact Area or (kind "city") the city, sorted."""
    if kind == "ward":
        q, params = "SELECT lsoa21_code FROM lsoa21 WHERE ward_code = ? ORDER BY 1", [code]
    elif kind == "impact":
        q, params = "SELECT lsoa21_code FROM impact_area_lsoa WHERE area_id = ? ORDER BY 1", [code]
    else:
        q, params = "SELECT lsoa21_code FROM lsoa21 ORDER BY 1", []
    return [r[0] for r in con.execute(q, params).fetchall()]


def wards_of(con: duckdb.DuckDBPyConnection, lsoa_codes: tuple[str, ...]) -> list[str]:
    """The ward codes of these LSOAs (best-fit), sorted."""
    return [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT ward_code FROM lsoa21 WHERE list_contains(?, lsoa21_code) ORDER BY 1", [list(lsoa_codes)]
        ).fetchall()
    ]


def imd2025_deciles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """code (LSOA 2021), imd_decile (IMD 2025, 1 = England's most deprived 10%)."""
    return con.execute("SELECT lsoa21_code AS code, imd_decile FROM imd2025").df()


def published_figures(con: duckdb.DuckDBPyConnection, indicators: tuple[str, ...]) -> pd.DataFrame:
    """Figures the partnership has published (bundle ``published/``), for these
    indicators: indicator, breakdown, period, value, unit, geography,
    source_document; sorted by indicator and period."""
    return con.execute(
        "SELECT indicator, breakdown, period, value, unit, geography, source_document FROM published_figure "
        "WHERE list_contains(?, indicator) ORDER BY indicator, period",
        [list(indicators)],
    ).df()
