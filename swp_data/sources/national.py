"""The national tables of the bundle: every LSOA of England, validated, and
aggregated to local authority district (LAD) where the app needs no more.

Read by ``python -m swp_data build`` (:func:`read_national`) into three store
tables, small enough to keep (a few MB):

- ``national_lsoa``: the 33,755 LSOAs 2021 of England with their ward and LAD
  (2024, best fit), Census 2021 residents and households, and the 8 IoD2025
  police recorded crime indicators (rates per 1,000 at-risk population; per
  1,000 properties for burglary). The comparisons with England's LSOAs
  (percentiles) and every place's pooled rates come from it.
- ``national_lad``: the 296 English LADs with the sums the most similar places
  method needs (so a community safety partnership spanning several districts
  is the sum of its districts): residents, residents aged 16-24, households by
  accommodation, tenure and deprivation dimensions, population-weighted sums
  of the IoD2025 domain scores (and of the squared IMD score, for the spread
  of deprivation), and the area of the generalised boundary (for density).
- ``national_lad_csp``: LAD -> community safety partnership -> police force
  area (England; a few new unitaries appear under several former CSPs).

A missing, truncated or malformed file stops the build with one line naming
the file, the row and the problem (:class:`~swp_data.errors.InputError`).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa

from swp_data import config
from swp_data.errors import InputError
from swp_data.sources import bundle
from swp_data.sources.validate import code_check, read_csv_checked

Col = pa.Column

# The files read (keys of bundle.FILES, so the build hashes them and a newer one triggers a rebuild),
# besides imd2025, imd2025_ind and lad_pfa.
FILES = ["nat_lookup", "nat_age", "nat_accommodation", "nat_tenure", "nat_hh_dep", "nat_lad_geo"]

N_LSOA21_EW = 35_672
N_LSOA21_ENGLAND = 33_755
N_LAD_ENGLAND = 296

# IoD2025 column -> short name in the store.
INDICATORS = {
    "violence_with_injury_rate_per_1_000_at_risk_population": "violence_with_injury",
    "violence_without_injury_rate_per_1_000_at_risk_population": "violence_without_injury",
    "stalking_and_harassment_rate_per_1_000_at_risk_population": "stalking_and_harassment",
    "burglary_rate_per_1_000_at_risk_properties": "burglary",
    "theft_rate_per_1_000_at_risk_population": "theft",
    "criminal_damage_rate_per_1_000_at_risk_population": "criminal_damage",
    "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population": "public_order_and_weapons",
    "anti_social_behaviour_rate_per_1_000_at_risk_population": "anti_social_behaviour",
}

AGE_BANDS = [
    "aged_15_years_and_under",
    "aged_16_to_24_years",
    "aged_25_to_34_years",
    "aged_35_to_49_years",
    "aged_50_to_64_years",
    "aged_65_years_and_over",
]
ACCOMMODATION = {
    "a_caravan_or_other_mobile_or_temporary_structure": "other",
    "detached": "house",
    "in_a_commercial_building_for_example_in_an_office_building_hotel_or_over_a_shop": "flat",
    "in_a_purpose_built_block_of_flats_or_tenement": "flat",
    "part_of_a_converted_or_shared_house_including_bedsits": "flat",
    "part_of_another_converted_building_for_example_former_school_church_or_warehouse": "flat",
    "semi_detached": "house",
    "terraced": "terraced",
}
TENURE = {
    "lives_rent_free": "other",
    "owned_owns_outright": "owned",
    "owned_owns_with_a_mortgage_or_loan": "owned",
    "private_rented_other_private_rented": "private",
    "private_rented_private_landlord_or_letting_agency": "private",
    "shared_ownership_shared_ownership": "owned",
    "social_rented_other_social_rented": "social",
    "social_rented_rents_from_council_or_local_authority": "social",
}
HH_DEP = {
    "household_is_not_deprived_in_any_dimension": 0,
    "household_is_deprived_in_one_dimension": 1,
    "household_is_deprived_in_two_dimensions": 2,
    "household_is_deprived_in_three_dimensions": 3,
    "household_is_deprived_in_four_dimensions": 4,
}
# IoD2025 domain scores used as context (never the Crime domain).
DOMAIN_SCORES = {
    "Income_score": "income",
    "Employment_score": "employment",
    "Education_score": "education",
    "Housing_and_Services_score": "barriers",
    "IMD_score": "imd",
}


def path(key: str):
    return bundle.path(bundle.FILES[key])


def _counts(key: str, columns: list[str]) -> pd.DataFrame:
    """An England and Wales table of counts by LSOA 2021 (one column per category)."""
    p = path(key)
    cols = {"lsoa21_code": Col(str, code_check("[EW]01"), unique=True)}
    for c in columns:
        cols[c] = Col(float, pa.Check.ge(0), nullable=False)
    df = read_csv_checked(p, pa.DataFrameSchema(cols, coerce=True))
    if len(df) != N_LSOA21_EW:
        raise InputError(p, f"expected {N_LSOA21_EW:,} LSOAs of England and Wales, found {len(df):,}")
    return df[["lsoa21_code", *columns]]


LOOKUP = pa.DataFrameSchema(
    {
        "lsoa21_code": Col(str, code_check("[EW]01"), unique=True),
        "lsoa21_name": Col(str),
        "ward24_code": Col(str, code_check("[EW]05")),
        "ward24_name": Col(str),
        "ltla24_code": Col(str, code_check("[EW]0[6-9]")),
        "ltla24_name": Col(str),
    }
)


def lookup() -> pd.DataFrame:
    """Every LSOA 2021 of England (only) -> ward 2024 -> LAD 2024."""
    p = path("nat_lookup")
    df = read_csv_checked(p, LOOKUP, dtype=str)
    if len(df) != N_LSOA21_EW:
        raise InputError(p, f"expected {N_LSOA21_EW:,} LSOAs of England and Wales, found {len(df):,}")
    eng = df[df["lsoa21_code"].str.startswith("E")].reset_index(drop=True)
    if len(eng) != N_LSOA21_ENGLAND:
        raise InputError(p, f"expected {N_LSOA21_ENGLAND:,} English LSOAs, found {len(eng):,}")
    return eng


def crime_indicators() -> pd.DataFrame:
    """The 8 IoD2025 police recorded crime rates of every English LSOA (short names)."""
    p = bundle.path(bundle.FILES["imd2025_ind"])
    cols = {"lsoa21_code": Col(str, code_check("E01"), unique=True)}
    for c in INDICATORS:
        cols[c] = Col(float, pa.Check.ge(0), nullable=True)
    df = read_csv_checked(p, pa.DataFrameSchema(cols, coerce=True))
    if len(df) != N_LSOA21_ENGLAND:
        raise InputError(p, f"expected {N_LSOA21_ENGLAND:,} English LSOAs, found {len(df):,}")
    return df[["lsoa21_code", *INDICATORS]].rename(columns=INDICATORS)


def domain_scores() -> pd.DataFrame:
    p = bundle.path(bundle.FILES["imd2025"])
    cols = {"lsoa21_code": Col(str, code_check("E01"), unique=True)}
    for c in DOMAIN_SCORES:
        cols[c] = Col(float, nullable=False)
    df = read_csv_checked(p, pa.DataFrameSchema(cols, coerce=True))
    if len(df) != N_LSOA21_ENGLAND:
        raise InputError(p, f"expected {N_LSOA21_ENGLAND:,} English LSOAs, found {len(df):,}")
    return df[["lsoa21_code", *DOMAIN_SCORES]].rename(columns=DOMAIN_SCORES)


def lad_areas() -> pd.Series:
    """Area (km²) of each English LAD from the generalised boundaries (coarse: for density only)."""
    from geo import boundaries as gb

    p = path("nat_lad_geo")
    if not p.exists():
        raise InputError(p, f"missing file (SWP_DATA_DIR={config.data_dir()})")
    try:
        g = gpd.read_file(p)
    except Exception as e:  # pyogrio raises several types
        raise InputError(p, f"unreadable GeoJSON ({str(e).splitlines()[0][:200]})") from None
    if "ltla24_code" not in g.columns:
        raise InputError(p, "missing property 'ltla24_code'")
    if g.crs is None:
        g = g.set_crs(4326)
    g = g[g["ltla24_code"].astype(str).str.startswith("E")]
    if g.geometry.isna().any() or g.geometry.is_empty.any():
        raise InputError(p, "an English district has no geometry")
    area = pd.Series(gb.area_km2(g.geometry.to_crs(4326)).to_numpy(), index=g["ltla24_code"].astype(str).to_numpy())
    if len(area) != N_LAD_ENGLAND or area.index.duplicated().any():
        raise InputError(p, f"expected {N_LAD_ENGLAND} English districts once each, found {len(area)}")
    return area


def read_national() -> dict[str, pd.DataFrame]:
    """Read and validate the national files; the three store tables."""
    lk = lookup()
    eng = set(lk["lsoa21_code"])
    age = _counts("nat_age", AGE_BANDS)
    acc = _counts("nat_accommodation", list(ACCOMMODATION))
    ten = _counts("nat_tenure", list(TENURE))
    dep = _counts("nat_hh_dep", list(HH_DEP))
    for key, df in (("nat_age", age), ("nat_accommodation", acc), ("nat_tenure", ten), ("nat_hh_dep", dep)):
        missing = eng - set(df["lsoa21_code"])
        if missing:
            raise InputError(path(key), f"{len(missing):,} English LSOAs missing (e.g. {sorted(missing)[0]})")
    ind = crime_indicators()
    scores = domain_scores()
    if set(ind["lsoa21_code"]) != eng or set(scores["lsoa21_code"]) != eng:
        raise InputError(bundle.path(bundle.FILES["imd2025"]), "its LSOAs are not England's LSOAs of the lookup")

    lsoa = lk.rename(columns={"ltla24_code": "lad24_code", "ltla24_name": "lad24_name"})
    a = age.set_index("lsoa21_code")
    c = acc.set_index("lsoa21_code")
    t = ten.set_index("lsoa21_code")
    d = dep.set_index("lsoa21_code")
    ctx = pd.DataFrame(index=a.index)
    ctx["residents"] = a[AGE_BANDS].sum(axis=1)
    ctx["aged_16_24"] = a["aged_16_to_24_years"]
    ctx["households"] = c[list(ACCOMMODATION)].sum(axis=1)
    ctx["terraced"] = c["terraced"]
    ctx["flats"] = c[[k for k, v in ACCOMMODATION.items() if v == "flat"]].sum(axis=1)
    ctx["tenure_households"] = t[list(TENURE)].sum(axis=1)
    ctx["social_rented"] = t[[k for k, v in TENURE.items() if v == "social"]].sum(axis=1)
    ctx["dep_households"] = d[list(HH_DEP)].sum(axis=1)
    ctx["hh_deprived_2plus"] = d[[k for k, v in HH_DEP.items() if v >= 2]].sum(axis=1)
    ctx = ctx.reset_index()

    lsoa = lsoa.merge(ctx[["lsoa21_code", "residents", "households"]], on="lsoa21_code", validate="1:1")
    lsoa = lsoa.merge(ind, on="lsoa21_code", validate="1:1")
    lsoa[["residents", "households"]] = lsoa[["residents", "households"]].astype("int64")

    full = lk[["lsoa21_code", "ltla24_code"]].merge(ctx, on="lsoa21_code").merge(scores, on="lsoa21_code")
    sums = ["residents", "aged_16_24", "households", "terraced", "flats", "tenure_households", "social_rented"]
    sums += ["dep_households", "hh_deprived_2plus"]
    for s in DOMAIN_SCORES.values():
        full[f"w_{s}"] = full[s] * full["residents"]
    full["w_imd2"] = full["imd"] ** 2 * full["residents"]
    wcols = [f"w_{s}" for s in DOMAIN_SCORES.values()] + ["w_imd2"]
    lad = full.groupby("ltla24_code")[sums + wcols].sum()
    lad["n_lsoa"] = full.groupby("ltla24_code").size()
    names = lk.drop_duplicates("ltla24_code").set_index("ltla24_code")["ltla24_name"]
    lad.insert(0, "lad24_name", names.reindex(lad.index))
    area = lad_areas()
    missing = set(lad.index) - set(area.index)
    if missing:
        raise InputError(path("nat_lad_geo"), f"no boundary for district {sorted(missing)[0]}")
    lad["area_km2"] = area.reindex(lad.index)
    lad = lad.reset_index().rename(columns={"ltla24_code": "lad24_code"})
    if len(lad) != N_LAD_ENGLAND:
        raise InputError(path("nat_lookup"), f"expected {N_LAD_ENGLAND} English districts, found {len(lad)}")

    csp = bundle.lad_pfa()
    csp = csp[csp["ltla24_code"].str.startswith("E")]
    if "csp24_code" not in csp.columns:
        raise InputError(bundle.path(bundle.FILES["lad_pfa"]), "missing column 'csp24_code'")
    csp = (
        csp.rename(columns={"ltla24_code": "lad24_code"})[["lad24_code", "csp24_code", "csp24_name", "pfa24_name"]]
        .drop_duplicates()
        .reset_index(drop=True)
    )
    return {"national_lsoa": lsoa, "national_lad": lad, "national_lad_csp": csp}
