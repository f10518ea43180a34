"""Per-LSOA (and per-ward) place indicators used by the clusters, priority
and engagement pages (:func:`indicators`): crime and harm rates, IoD2025
crime indicators, IMD 2025 domain scores and meeting attendance.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from swp_data.analysis import reference, stats
from swp_data.analysis.crime_window import (
    ALL_CRIME,
    crime_window,
    harm_per_lsoa,
    sum_selection,
    window_counts,
    window_label,
)

IMD_DOMAINS_2025 = reference.DOMAINS["2025"]

GROUP_COLUMNS = {
    "crime_all": ALL_CRIME,
    "crime_violence": "Violence",
    "crime_neighbourhood": "Neighbourhood crime",
    "crime_asb": "Anti-social behaviour",
}

# column -> (label for people, nice name for cluster labels: "high <nice>")
INDICATORS: dict[str, tuple[str, str]] = {
    "crime_all": ("Recorded crime (excl. ASB) per 1,000, last 12 months", "crime"),
    "crime_violence": ("Violence per 1,000, last 12 months", "violence"),
    "crime_neighbourhood": ("Neighbourhood crime per 1,000, last 12 months", "neighbourhood crime"),
    "crime_asb": ("Anti-social behaviour per 1,000, last 12 months", "anti-social behaviour"),
    "harm": ("Harm-weighted crime per 1,000, last 12 months", "harm"),
    "iod_violence_with_injury": ("IoD2025: violence with injury per 1,000", "violence with injury (IoD)"),
    "iod_violence_without_injury": ("IoD2025: violence without injury per 1,000", "violence without injury (IoD)"),
    "iod_stalking_and_harassment": ("IoD2025: stalking and harassment per 1,000", "stalking and harassment (IoD)"),
    "iod_burglary": ("IoD2025: burglary per 1,000 properties", "burglary (IoD)"),
    "iod_theft": ("IoD2025: theft per 1,000", "theft (IoD)"),
    "iod_criminal_damage": ("IoD2025: criminal damage per 1,000", "criminal damage (IoD)"),
    "iod_public_order": ("IoD2025: public order and weapons per 1,000", "public order (IoD)"),
    "iod_asb": ("IoD2025: anti-social behaviour per 1,000", "anti-social behaviour (IoD)"),
    "imd_imd": ("IMD 2025 score", "deprivation"),
    "imd_income": ("IMD 2025 income score", "income deprivation"),
    "imd_employment": ("IMD 2025 employment score", "employment deprivation"),
    "imd_education": ("IMD 2025 education, skills and training score", "education deprivation"),
    "imd_health": ("IMD 2025 health deprivation and disability score", "health deprivation"),
    "imd_crime": ("IMD 2025 crime score", "crime deprivation"),
    "imd_housing_and_services": ("IMD 2025 barriers to housing and services score", "barriers to housing"),
    "imd_environment": ("IMD 2025 living environment score", "living environment deprivation"),
    "engagement": ("Meeting attendees per 1,000 residents, last 12 months (ward)", "engagement"),
}
_IOD_COLUMNS = {
    "iod_violence_with_injury": "violence_with_injury_rate_per_1_000_at_risk_population",
    "iod_violence_without_injury": "violence_without_injury_rate_per_1_000_at_risk_population",
    "iod_stalking_and_harassment": "stalking_and_harassment_rate_per_1_000_at_risk_population",
    "iod_burglary": "burglary_rate_per_1_000_at_risk_properties",
    "iod_theft": "theft_rate_per_1_000_at_risk_population",
    "iod_criminal_damage": "criminal_damage_rate_per_1_000_at_risk_population",
    "iod_public_order": "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",
    "iod_asb": "anti_social_behaviour_rate_per_1_000_at_risk_population",
}
CRIME_INDICATOR_COLUMNS = ("crime_all", "crime_violence", "crime_neighbourhood", "crime_asb", "harm")
DEFAULT_INDICATORS = ("crime_violence", "crime_neighbourhood", "crime_asb", "harm", "imd_imd", "engagement")
FALLBACK_INDICATORS = ("iod_violence_with_injury", "iod_theft", "iod_asb", "imd_imd")


def nice_names() -> dict[str, str]:
    return {k: v[1] for k, v in INDICATORS.items()}


def labels() -> dict[str, str]:
    return {k: v[0] for k, v in INDICATORS.items()}


def meeting_window(con: duckdb.DuckDBPyConnection) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The latest 12 months of meeting records: (first day, last day), or None."""
    r = con.execute("SELECT max(date) FROM engagement_meeting").fetchall()[0][0]
    if r is None:
        return None
    last = pd.Timestamp(r).to_period("M").end_time.normalize()
    start = (pd.Timestamp(r).to_period("M") - 11).start_time
    return start, last


def ward_engagement(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Meetings and attendees per ward in the latest 12 months of meeting
    records: ward_code, ward_name, population, meetings, attendees,
    attendees_per_1000 (0 for wards with none; NaN everywhere without
    meeting records)."""
    w = meeting_window(con)
    wards = con.execute("SELECT ward_code, ward_name, population FROM ward ORDER BY ward_code").df()
    if w is None:
        return wards.assign(meetings=np.nan, attendees=np.nan, attendees_per_1000=np.nan)
    m = con.execute(
        "SELECT ward_code, count(*) AS meetings, sum(attendees) AS attendees FROM engagement_meeting "
        "WHERE date BETWEEN ? AND ? GROUP BY 1",
        [w[0].date(), w[1].date()],
    ).df()
    out = wards.merge(m, on="ward_code", how="left")
    out["meetings"] = out["meetings"].fillna(0).astype("int64")
    out["attendees"] = out["attendees"].fillna(0).astype("int64")
    out["attendees_per_1000"] = stats.rate_per_1000(out["attendees"], out["population"]).to_numpy()
    out.attrs["window"] = f"{w[0]:%b %Y} to {w[1]:%b %Y}"
    return out


def _lsoa_base(con) -> pd.DataFrame:
    return (
        con.execute(
            "SELECT lsoa21_code AS code, lsoa21_name AS name, ward_code, ward_name, population FROM lsoa21 ORDER BY 1"
        )
        .df()
        .set_index("code")
    )


def indicators(con: duckdb.DuckDBPyConnection, level: str = "lsoa") -> pd.DataFrame:
    """Every indicator of :data:`INDICATORS` per LSOA (161 rows) or ward (20),
    indexed by code, with name, ward_name and population first, plus the
    counts behind the rates (``n_<column>``, ``harm_units``) and ``trend``
    (records excl. ASB in the latest 12 months / the 12 before; NaN without
    24 months or with none before).

    Crime rates: records per 1,000 residents (Census 2021) in the latest 12
    months loaded, by strategy grouping; harm: the sum of records x
    taxonomy.HARM_WEIGHTS per 1,000 residents; IoD2025 indicators and IMD 2025
    domain scores as published (wards: population-weighted means of their
    LSOAs); engagement: meeting attendees per 1,000 residents of the ward in
    the latest 12 months of meeting records, an LSOA taking its ward's rate
    (attendees shared among the ward's LSOAs in proportion to population).
    Crime and engagement columns are NaN when no such records are loaded.
    """
    base = _lsoa_base(con)
    counts = window_counts(con)
    prev = window_counts(con, previous=True)
    w = crime_window(con)
    have_crime = w is not None
    raw = pd.DataFrame(index=base.index)
    for col, sel in GROUP_COLUMNS.items():
        raw[f"n_{col}"] = sum_selection(counts, sel).reindex(base.index).fillna(0.0) if have_crime else np.nan
    raw["harm_units"] = harm_per_lsoa(counts).reindex(base.index).fillna(0.0) if have_crime else np.nan
    raw["n_prev_all"] = (
        sum_selection(prev, ALL_CRIME).reindex(base.index).fillna(0.0)
        if w is not None and w["has_previous"]
        else np.nan
    )
    iod = con.execute("SELECT * FROM imd2025_indicators").df().set_index("lsoa21_code")
    for col, src in _IOD_COLUMNS.items():
        raw[col] = iod[src].reindex(base.index)
    imd = con.execute("SELECT * FROM imd2025").df().set_index("lsoa21_code")
    for d in IMD_DOMAINS_2025:
        raw[f"imd_{d}"] = imd[f"{d}_score"].reindex(base.index)
    eng = ward_engagement(con).set_index("ward_code")
    raw["attendees"] = (
        base["ward_code"].map(eng["attendees"]) * base["population"] / base["ward_code"].map(eng["population"])
    )
    if level == "ward":
        wards = (
            con.execute("SELECT ward_code AS code, ward_name AS name, ward_name, population FROM ward ORDER BY 1")
            .df()
            .set_index("code")
        )
        raw["_pop"] = base["population"]
        g = raw.groupby(base["ward_code"])
        sums = g[[f"n_{c}" for c in GROUP_COLUMNS] + ["harm_units", "n_prev_all", "attendees"]].sum(min_count=1)
        wmean = [c for c in raw.columns if c.startswith(("iod_", "imd_"))]
        means = (
            raw[wmean]
            .mul(raw["_pop"], axis=0)
            .groupby(base["ward_code"])
            .sum(min_count=1)
            .div(raw["_pop"].groupby(base["ward_code"]).sum(), axis=0)
        )
        raw = pd.concat([sums, means], axis=1).reindex(wards.index)
        frame = wards[["name", "ward_name", "population"]].copy()
    else:
        frame = base[["name", "ward_name", "population"]].copy()
    pop = frame["population"].astype("float64")
    out = frame.copy()
    for col in GROUP_COLUMNS:
        out[col] = stats.rate_per_1000(raw[f"n_{col}"], pop).to_numpy()
    out["harm"] = stats.rate_per_1000(raw["harm_units"], pop).to_numpy()
    for col in [c for c in INDICATORS if c.startswith(("iod_", "imd_"))]:
        out[col] = raw[col].to_numpy()
    out["engagement"] = stats.rate_per_1000(raw["attendees"], pop).to_numpy()
    for col in GROUP_COLUMNS:
        out[f"n_{col}"] = raw[f"n_{col}"].to_numpy()
    out["harm_units"] = raw["harm_units"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        tr = raw["n_crime_all"].to_numpy(dtype=float) / raw["n_prev_all"].to_numpy(dtype=float)
    out["trend"] = np.where(np.isfinite(tr), tr, np.nan)
    out.index.name = "code"
    out.attrs["window"] = window_label(w)
    return out


def available_indicators(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Indicator columns that have data on this store (crime columns need
    crime records, engagement needs meeting records)."""
    have_crime = crime_window(con) is not None
    have_eng = meeting_window(con) is not None
    return [
        c for c in INDICATORS if (have_crime or c not in CRIME_INDICATOR_COLUMNS) and (have_eng or c != "engagement")
    ]


def default_indicators(con: duckdb.DuckDBPyConnection) -> list[str]:
    avail = set(available_indicators(con))
    chosen = [c for c in DEFAULT_INDICATORS if c in avail]
    if not any(c in avail for c in CRIME_INDICATOR_COLUMNS):
        chosen = [c for c in FALLBACK_INDICATORS if c in avail] + [c for c in chosen if c not in FALLBACK_INDICATORS]
    return chosen
