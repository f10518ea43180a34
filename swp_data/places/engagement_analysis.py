"""Engagement by place (DESIGN.md page 7): meeting attendance against harm
per ward, survey respondents against the population, and the Wilson interval
of a survey share.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from swp_data.places.indicators import indicators, ward_engagement


def ward_engagement_harm(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per ward: harm per 1,000 (latest 12 months of crime records) and
    meeting attendees per 1,000 (latest 12 months of meetings), the city
    medians of both, and quadrant ('High harm, low engagement', ...)."""
    ind = indicators(con, "ward")
    out = ind[["name", "population", "harm", "engagement", "harm_units"]].reset_index()
    eng = ward_engagement(con).set_index("ward_code")
    out["meetings"] = out["code"].map(eng["meetings"])
    out["attendees"] = out["code"].map(eng["attendees"])
    hm, em = float(out["harm"].median()), float(out["engagement"].median())
    out.attrs.update(
        harm_median=hm,
        engagement_median=em,
        crime_window=ind.attrs.get("window"),
        meeting_window=eng.attrs.get("window"),
    )
    hi_h = out["harm"] > hm
    hi_e = out["engagement"] > em
    out["quadrant"] = np.select(
        [hi_h & ~hi_e, hi_h & hi_e, ~hi_h & ~hi_e],
        ["High harm, low engagement", "High harm, high engagement", "Low harm, low engagement"],
        "Low harm, high engagement",
    )
    out.loc[out["harm"].isna() | out["engagement"].isna(), "quadrant"] = "No data"
    return out


def survey_representativeness(
    con: duckdb.DuckDBPyConnection, survey: str | None = None, question: str | None = None
) -> pd.DataFrame:
    """Survey respondents by ward against the Census 2021 population: ward_code,
    ward_name, respondents, respondent_share (%), population, population_share
    (%), difference (points) and ratio (respondent share / population share:
    1 = represented in proportion). Respondents are the responses to one
    question (the first one if none is given), so each person counts once."""
    q = con.execute(
        "SELECT survey, question FROM engagement_survey WHERE (CAST(? AS VARCHAR) IS NULL OR survey = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR question = ?) ORDER BY survey, question LIMIT 1",
        [survey, survey, question, question],
    ).fetchone()
    wards = con.execute("SELECT ward_code, ward_name, population FROM ward ORDER BY ward_name").df()
    if q is None:
        return wards.assign(
            respondents=np.nan, respondent_share=np.nan, population_share=np.nan, difference=np.nan, ratio=np.nan
        )
    r = con.execute(
        "SELECT ward_code, sum(responses) AS respondents FROM engagement_survey "
        "WHERE survey = ? AND question = ? GROUP BY 1",
        list(q),
    ).df()
    out = wards.merge(r, on="ward_code", how="left")
    out["respondents"] = out["respondents"].fillna(0).astype("int64")
    tot = out["respondents"].sum()
    out["respondent_share"] = 100.0 * out["respondents"] / tot if tot else np.nan
    out["population_share"] = 100.0 * out["population"] / out["population"].sum()
    out["difference"] = out["respondent_share"] - out["population_share"]
    out["ratio"] = out["respondent_share"] / out["population_share"]
    out.attrs.update(survey=q[0], question=q[1], respondents=int(tot))
    return out


def wilson_interval(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval (proportions 0-1) of k successes in n; NaNs when n is 0."""
    from statsmodels.stats.proportion import proportion_confint

    if not n:
        return float("nan"), float("nan")
    lo, hi = proportion_confint(int(k), int(n), alpha=alpha, method="wilson")
    return float(lo), float(hi)
