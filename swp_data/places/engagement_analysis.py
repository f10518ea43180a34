"""Engagement by place (docs/architecture.md, page 7): the imported meetings, surveys and
consultation shares by ward and quarter, meeting attendance against harm per
ward, survey respondents against the population, and the Wilson interval of a
survey share.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from swp_data.analysis import public
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


# ---------------------------------------------------------------- queries
def meetings_by_ward_quarter(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Meetings and attendees per May 2023 ward and calendar quarter, with the
    ward's Census 2021 population and attendees per 1,000 residents.

    Every ward appears for every quarter from the first to the last quarter
    with a meeting (0 where it had none), so quiet wards show. Columns:
    ward_code, ward_name, quarter_start (Timestamp), meetings, attendees,
    population, attendees_per_1000. Empty (same columns) with no meetings."""
    cols = ["ward_code", "ward_name", "quarter_start", "meetings", "attendees", "population", "attendees_per_1000"]
    df = con.execute(
        """
        WITH q AS (
            SELECT ward_code, date_trunc('quarter', date) AS quarter_start,
                   count(*) AS meetings, sum(attendees) AS attendees
            FROM engagement_meeting GROUP BY ALL
        ), span AS (
            SELECT unnest(generate_series(min(quarter_start), max(quarter_start), INTERVAL 3 MONTH))
                   AS quarter_start
            FROM q HAVING count(*) > 0
        )
        SELECT w.ward_code, w.ward_name, CAST(s.quarter_start AS TIMESTAMP) AS quarter_start,
               coalesce(q.meetings, 0) AS meetings, coalesce(q.attendees, 0) AS attendees,
               w.population
        FROM ward w CROSS JOIN span s
        LEFT JOIN q ON q.ward_code = w.ward_code AND q.quarter_start = s.quarter_start
        ORDER BY s.quarter_start, w.ward_code
        """
    ).df()
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["meetings"] = df["meetings"].astype("int64")
    df["attendees"] = df["attendees"].astype("int64")
    df["population"] = df["population"].astype("int64")
    df["attendees_per_1000"] = df["attendees"] / df["population"] * 1000.0
    return df[cols]


def survey_by_ward(
    con: duckdb.DuckDBPyConnection, survey: str | None = None, question: str | None = None
) -> pd.DataFrame:
    """Answer shares per ward with Wilson 95% intervals.

    One row per survey, period, question, ward and answer: responses, the
    ward's responses to that question (``ward_responses``), ``share`` =
    responses / ward_responses and its Wilson score interval ``ci_low``,
    ``ci_high`` (proportions 0 to 1, from statsmodels
    ``proportion_confint(method="wilson")``; NaN where the ward gave no
    responses). Filters: ``survey``, ``question`` (exact text)."""
    df = con.execute(
        """
        SELECT s.survey, s.period, s.question, s.ward_code, w.ward_name, s.answer,
               sum(s.responses) AS responses
        FROM engagement_survey s LEFT JOIN ward w USING (ward_code)
        WHERE (CAST(? AS VARCHAR) IS NULL OR s.survey = ?)
          AND (CAST(? AS VARCHAR) IS NULL OR s.question = ?)
        GROUP BY ALL
        ORDER BY s.survey, s.period, s.question, s.ward_code, s.answer
        """,
        [survey, survey, question, question],
    ).df()
    cols = [
        "survey",
        "period",
        "question",
        "ward_code",
        "ward_name",
        "answer",
        "responses",
        "ward_responses",
        "share",
        "ci_low",
        "ci_high",
    ]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["responses"] = df["responses"].astype("int64")
    df["ward_responses"] = (
        df.groupby(["survey", "period", "question", "ward_code"])["responses"].transform("sum").astype("int64")
    )
    n = df["ward_responses"].to_numpy()
    k = df["responses"].to_numpy()
    ok = n > 0
    share = np.full(len(df), np.nan)
    lo = np.full(len(df), np.nan)
    hi = np.full(len(df), np.nan)
    if ok.any():
        share[ok] = k[ok] / n[ok]
        lo[ok], hi[ok] = proportion_confint(k[ok], n[ok], alpha=0.05, method="wilson")
    df["share"], df["ci_low"], df["ci_high"] = share, lo, hi
    return df[cols]


def _district_number(code: str) -> int:
    m = re.match(r"^WV(\d+)$", code)
    return int(m.group(1)) if m else 0


def consultation_shares(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Consultation responses and shares by ward or postcode district.

    Columns: consultation, period, geography_level (ward | postcode_district),
    geography_code, geography_name (ward name, or the district), responses,
    share (percent of respondents as given; where a row gives responses but
    no share, responses / the responses of its consultation, period and level
    x 100), share_given (bool), dataset_id, is_demo. Ordered naturally (WV2
    before WV10)."""
    df = con.execute(
        """
        SELECT c.consultation, c.period, c.geography_level, c.geography_code,
               coalesce(w.ward_name, c.geography_code) AS geography_name,
               c.responses, c.share, c.dataset_id, coalesce(d.is_demo, false) AS is_demo
        FROM engagement_consultation c
        LEFT JOIN ward w ON c.geography_level = 'ward' AND w.ward_code = c.geography_code
        LEFT JOIN dataset d USING (dataset_id)
        """
    ).df()
    cols = [
        "consultation",
        "period",
        "geography_level",
        "geography_code",
        "geography_name",
        "responses",
        "share",
        "share_given",
        "dataset_id",
        "is_demo",
    ]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["share_given"] = df["share"].notna()
    tot = df.groupby(["consultation", "period", "geography_level"])["responses"].transform("sum")
    fill = df["share"].isna() & df["responses"].notna() & (tot > 0)
    df.loc[fill, "share"] = df.loc[fill, "responses"] / tot[fill] * 100.0
    df["_order"] = df["geography_code"].map(_district_number)
    df = df.sort_values(["consultation", "period", "geography_level", "_order", "geography_code"])
    return df[cols].reset_index(drop=True)


def public_survey_of(con: duckdb.DuckDBPyConnection, survey: str, period: str, question: str) -> public.PublicSurvey:
    """:func:`public_survey` of one survey, period and question read from the store (for ``gateway.q``'s cache)."""
    sv = survey_by_ward(con, survey, question)
    return public.public_survey(sv[sv["period"] == period].reset_index(drop=True))
