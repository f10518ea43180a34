"""Readers for the open-data bundle (``SWP_DATA_DIR``), each validated by a schema.

A missing or malformed file raises :class:`InputError` naming the file, the
row and the problem; the build catches nothing, so the previous store stays.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa

from swp_data import config
from swp_data.errors import InputError
from swp_data.sources.validate import code_check, read_csv_checked

Col = pa.Column


def path(rel: str) -> Path:
    return config.data_dir() / rel


# Relative paths of every bundle file the build reads (also used to decide
# whether the store is older than the bundle).
FILES = {
    "lsoa11_geo": "boundaries/lsoa11_wolverhampton.geojson",
    "oa11_geo": "boundaries/oa11_wolverhampton.geojson",
    "lsoa21_geo": "boundaries/lsoa21_wolverhampton_generalised.geojson",
    "ward23_geo": "boundaries/wards2023_wolverhampton_generalised.geojson",
    "ward13_geo": "boundaries/wards2013_wolverhampton.geojson",
    "oa_lookup": "lookups/oa11_lsoa11_msoa11_wolverhampton.csv",
    "lsoa11_21": "lookups/lsoa11_lsoa21_wolverhampton.csv",
    "lsoa21_ward": "lookups/lsoa21_ward2023_wolverhampton.csv",
    "lsoa11_ward13": "lookups/lsoa11_ward2013_wolverhampton.csv",
    "lad_pfa": "lookups/lad2024_csp_police_force_area.csv",
    "imd2025": "deprivation/imd2025_lsoa21_england.csv",
    "imd2025_ind": "deprivation/imd2025_lsoa21_indicators_england.csv",
    "imd2025_lad": "deprivation/imd2025_lad2024_england.csv",
    "imd2019": "deprivation/imd2019_lsoa11_england.csv",
    "imd2019_lad": "deprivation/imd2019_lad2019_england.csv",
    "pop21": "population/census2021_lsoa21_age_bands_wolverhampton.csv",
    "pop20": "population/mid2020_lsoa11_single_year_wolverhampton.csv",
    "ethnicity": "census2021/ethnicity_lsoa21_wolverhampton.csv",
    "hh_dep": "census2021/household_deprivation_lsoa21_wolverhampton.csv",
    "published": "published/swp_strategy_figures.csv",
    # National tables (swp_data.sources.national): every LSOA of England, for the Compare page.
    "nat_lookup": "lookups/lsoa21_ward2024_lad2024_england_wales.csv",
    "nat_age": "population/census2021_lsoa21_age_bands_england_wales.csv",
    "nat_accommodation": "census2021/accommodation_type_lsoa21_england_wales.csv",
    "nat_tenure": "census2021/household_tenure_lsoa21_england_wales.csv",
    "nat_hh_dep": "census2021/household_deprivation_lsoa21_england_wales.csv",
    "nat_lad_geo": "boundaries/lad2024_england_wales_generalised.geojson",
}

N_LSOA21 = 161
N_LSOA11 = 158
N_OA11 = 785
N_WARDS = 20


def _expect_rows(p: Path, df: pd.DataFrame, n: int, what: str) -> None:
    if len(df) != n:
        raise InputError(p, f"expected {n:,} {what}, found {len(df):,} (truncated or wrong file?)")


def _expect_codes(p: Path, codes: pd.Series, wanted: set[str], what: str) -> None:
    missing = sorted(wanted - set(codes))
    if missing:
        raise InputError(
            p,
            f"{len(missing)} {what} of the city missing (e.g. {', '.join(missing[:3])}): truncated or wrong file?",
        )


def read_geo(key: str, code_col: str, n: int) -> gpd.GeoDataFrame:
    p = path(FILES[key])
    if not p.exists():
        raise InputError(p, f"missing file (SWP_DATA_DIR={config.data_dir()})")
    try:
        g = gpd.read_file(p)
    except Exception as e:  # pyogrio raises several types
        raise InputError(p, f"unreadable GeoJSON ({str(e).splitlines()[0][:200]})") from None
    if code_col not in g.columns:
        raise InputError(p, f"missing property '{code_col}'; found {', '.join(g.columns)}")
    if g.crs is None:
        g = g.set_crs(4326)
    g = g.to_crs(4326)
    if g.geometry.isna().any() or g.geometry.is_empty.any():
        bad = int(g.index[g.geometry.isna() | g.geometry.is_empty][0])
        raise InputError(p, "feature without geometry", row=bad + 1)
    _expect_rows(p, g, n, "features")
    return g


# ---------------------------------------------------------------- lookups
LSOA11_21 = pa.DataFrameSchema(
    {
        "lsoa11_code": Col(str, code_check("E01")),
        "lsoa11_name": Col(str),
        "change_code": Col(str, pa.Check.isin(["U", "S", "M", "X"])),
        "lsoa21_code": Col(str, code_check("E01"), unique=True),
        "lsoa21_name": Col(str),
    }
)
LSOA21_WARD = pa.DataFrameSchema(
    {
        "lsoa21_code": Col(str, code_check("E01"), unique=True),
        "lsoa21_name": Col(str),
        "ward24_code": Col(str, code_check("E05")),
        "ward24_name": Col(str),
    }
)
LSOA11_WARD13 = pa.DataFrameSchema(
    {"lsoa11_code": Col(str, code_check("E01"), unique=True), "ward17_code": Col(str, code_check("E05"))}
)
OA_LOOKUP = pa.DataFrameSchema(
    {
        "OA11CD": Col(str, code_check("E00"), unique=True),
        "LSOA11CD": Col(str, code_check("E01")),
        "LSOA11NM": Col(str),
    }
)
LAD_PFA = pa.DataFrameSchema(
    {
        "ltla24_code": Col(str, pa.Check.str_matches(r"^[EW]0[6-9]\d{6}$")),
        "ltla24_name": Col(str),
        "csp24_name": Col(str),
        "pfa24_code": Col(str),
        "pfa24_name": Col(str),
    }
)


def lsoa11_lsoa21() -> pd.DataFrame:
    p = path(FILES["lsoa11_21"])
    df = read_csv_checked(p, LSOA11_21, dtype=str)
    _expect_rows(p, df, N_LSOA21, "LSOA 2021 rows")
    return df


def lsoa21_ward() -> pd.DataFrame:
    p = path(FILES["lsoa21_ward"])
    df = read_csv_checked(p, LSOA21_WARD, dtype=str)
    _expect_rows(p, df, N_LSOA21, "LSOA 2021 rows")
    return df


def lsoa11_ward13() -> pd.DataFrame:
    p = path(FILES["lsoa11_ward13"])
    df = read_csv_checked(p, LSOA11_WARD13, dtype=str)
    _expect_rows(p, df, N_LSOA11, "LSOA 2011 rows")
    return df


def oa_lookup() -> pd.DataFrame:
    p = path(FILES["oa_lookup"])
    df = read_csv_checked(p, OA_LOOKUP, dtype=str)
    _expect_rows(p, df, N_OA11, "Output Areas")
    return df


def lad_pfa() -> pd.DataFrame:
    p = path(FILES["lad_pfa"])
    df = read_csv_checked(p, LAD_PFA, dtype=str)
    _expect_codes(p, df["ltla24_code"], {config.CITY_LAD}, "local authority")
    return df


# ---------------------------------------------------------------- deprivation
_DOMAINS19 = ["IMD", "Income", "Employment", "Education", "Health", "Crime", "Housing_and_Access", "Environment"]
_DOMAINS25 = ["IMD", "Income", "Employment", "Education", "Health", "Crime", "Housing_and_Services", "Environment"]


def _imd_schema(code_col: str, domains: list[str], n_lsoa: int, scores: bool) -> pa.DataFrameSchema:
    cols = {code_col: Col(str, code_check("E01"), unique=True)}
    for d in domains:
        cols[f"{d}_decile"] = Col(float, pa.Check.in_range(1, 10))
        cols[f"{d}_rank"] = Col(float, pa.Check.in_range(1, n_lsoa))
        if scores:
            cols[f"{d}_score"] = Col(float, nullable=False)
    return pa.DataFrameSchema(cols, coerce=True)


def imd2025(city_codes: set[str]) -> pd.DataFrame:
    """IoD2025 for the whole of England (ranks/deciles/scores); 1 = most deprived."""
    p = path(FILES["imd2025"])
    df = read_csv_checked(p, _imd_schema("lsoa21_code", _DOMAINS25, 33755, True))
    _expect_codes(p, df["lsoa21_code"], city_codes, "LSOAs")
    return df


def imd2019(city_codes: set[str]) -> pd.DataFrame:
    p = path(FILES["imd2019"])
    df = read_csv_checked(p, _imd_schema("lsoa11_code", _DOMAINS19, 32844, False))
    _expect_codes(p, df["lsoa11_code"], city_codes, "LSOAs")
    return df


IMD25_CRIME_INDICATORS = {
    "violence_with_injury_rate_per_1_000_at_risk_population": "Violence with injury",
    "violence_without_injury_rate_per_1_000_at_risk_population": "Violence without injury",
    "stalking_and_harassment_rate_per_1_000_at_risk_population": "Stalking and harassment",
    "burglary_rate_per_1_000_at_risk_properties": "Burglary (per 1,000 properties)",
    "theft_rate_per_1_000_at_risk_population": "Theft",
    "criminal_damage_rate_per_1_000_at_risk_population": "Criminal damage",
    "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population": "Public order and weapons",
    "anti_social_behaviour_rate_per_1_000_at_risk_population": "Anti-social behaviour",
}


def imd2025_indicators(city_codes: set[str]) -> pd.DataFrame:
    p = path(FILES["imd2025_ind"])
    cols = {"lsoa21_code": Col(str, code_check("E01"), unique=True)}
    for c in IMD25_CRIME_INDICATORS:
        cols[c] = Col(float, pa.Check.ge(0), nullable=True)
    df = read_csv_checked(p, pa.DataFrameSchema(cols, coerce=True))
    _expect_codes(p, df["lsoa21_code"], city_codes, "LSOAs")
    return df[df["lsoa21_code"].isin(city_codes)].reset_index(drop=True)


def _lad_summary(key: str, code_col: str, required: list[str]) -> pd.DataFrame:
    p = path(FILES[key])
    cols = {code_col: Col(str, code_check("E0[6-9]"), unique=True)}
    for c in required:
        cols[c] = Col(float, nullable=False)
    df = read_csv_checked(p, pa.DataFrameSchema(cols, coerce=True))
    _expect_codes(p, df[code_col], {config.CITY_LAD}, "local authority")
    return df


def imd2025_lad() -> pd.DataFrame:
    return _lad_summary(
        "imd2025_lad",
        "ltla24_code",
        [
            "imd_average_score",
            "imd_rank_of_average_score",
            "imd_average_rank",
            "imd_rank_of_average_rank",
            "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally",
            "imd_rank_of_proportion_of_lso_as_in_most_deprived_10_percent_nationally",
        ],
    )


def imd2019_lad() -> pd.DataFrame:
    return _lad_summary("imd2019_lad", "ltla19_code", ["Score", "Proportion", "Extent"])


# ---------------------------------------------------------------- population and census
POP21 = pa.DataFrameSchema(
    {
        "lsoa21_code": Col(str, code_check("E01")),
        "lsoa21_name": Col(str),
        "age_group": Col(str),
        "usual_residents": Col(float, pa.Check.ge(0)),
    },
    coerce=True,
)


def population21() -> pd.DataFrame:
    p = path(FILES["pop21"])
    df = read_csv_checked(p, POP21)
    _expect_rows(p, df, N_LSOA21 * 6, "rows (161 LSOAs x 6 age bands)")
    return df


POP20 = pa.DataFrameSchema(
    {"lsoa11_code": Col(str, code_check("E01"), unique=True), "total_population": Col(float, pa.Check.ge(0))},
    coerce=True,
)


def population20() -> pd.DataFrame:
    p = path(FILES["pop20"])
    df = read_csv_checked(p, POP20)
    _expect_rows(p, df, N_LSOA11, "LSOA 2011 rows")
    return df[["lsoa11_code", "total_population"]]


def _census(key: str, total_col: str, cat_col: str) -> pd.DataFrame:
    p = path(FILES[key])
    schema = pa.DataFrameSchema(
        {
            "lsoa21_code": Col(str, code_check("E01")),
            total_col: Col(float, pa.Check.ge(0)),
            cat_col: Col(str),
            "n": Col(float, pa.Check.ge(0)),
        },
        coerce=True,
    )
    df = read_csv_checked(p, schema)
    _expect_rows(p, df, N_LSOA21 * 5, "rows (161 LSOAs x 5 categories)")
    return df[["lsoa21_code", cat_col, "n", total_col]]


def ethnicity() -> pd.DataFrame:
    return _census("ethnicity", "total_residents", "ethnic_group")


def household_deprivation() -> pd.DataFrame:
    return _census("hh_dep", "total_households", "deprivation_dimensions")


PUBLISHED = pa.DataFrameSchema(
    {
        "indicator": Col(str),
        "breakdown": Col(str),
        "period": Col(str),
        "value": Col(float),
        "unit": Col(str),
        "geography": Col(str),
        "source_document": Col(str),
        "note": Col(str, nullable=True),
    },
    coerce=True,
)


def published() -> pd.DataFrame:
    p = path(FILES["published"])
    return read_csv_checked(p, PUBLISHED)
