"""``python -m swp_data build``: the reference tables, from the open-data bundle.

The new store is written to a temporary file beside the old one and renamed
into place only when every input has been read and validated, so a failure
leaves the previous store exactly as it was. Data tables (imports, Impact
Areas) and their provenance rows are carried over from the previous store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from pathlib import Path

import duckdb
import pandas as pd

from geo import boundaries as gb
from swp_data import config, store
from swp_data.sources import bundle, national

OGL = config.OGL

REFERENCE_DATASETS = {
    # dataset_id: (name, file keys, source)
    "ref:boundaries": (
        "Boundaries: LSOA 2011/2021, Output Areas 2011, wards 2004–2023 and May 2023",
        ["lsoa11_geo", "oa11_geo", "lsoa21_geo", "ward23_geo", "ward13_geo"],
        "ONS Open Geography Portal (via martinjc/UK-GeoJSON, humaniverse/geographr, jimgar/wardboundaries)",
    ),
    "ref:lookups": (
        "Lookups: OA/LSOA/ward/LAD/CSP/police force area",
        ["oa_lookup", "lsoa11_21", "lsoa21_ward", "lsoa11_ward13", "lad_pfa"],
        "ONS (via humaniverse/geographr, anetobradley/energy_flex)",
    ),
    "ref:imd2025": (
        "English Indices of Deprivation 2025 (LSOA 2021, indicators, local authority summaries)",
        ["imd2025", "imd2025_ind", "imd2025_lad"],
        "MHCLG English Indices of Deprivation 2025 (via humaniverse/IMD)",
    ),
    "ref:imd2019": (
        "English Indices of Deprivation 2019 (LSOA 2011, local authority summaries)",
        ["imd2019", "imd2019_lad"],
        "MHCLG English Indices of Deprivation 2019 (via humaniverse/IMD)",
    ),
    "ref:census2021": (
        "Census 2021: usual residents by age, ethnic group, household deprivation (LSOA 2021)",
        ["pop21", "ethnicity", "hh_dep"],
        "ONS Census 2021 (via cwthom/hack25usefuldata, humaniverse/demographr)",
    ),
    "ref:mid2020": (
        "Mid-2020 population estimates (LSOA 2011)",
        ["pop20"],
        "ONS mid-year estimates (via humaniverse/demographr)",
    ),
    "ref:national": (
        "England: every LSOA 2021 (IoD2025 crime indicators, Census 2021 context) and district sums",
        ["nat_lookup", "nat_age", "nat_accommodation", "nat_tenure", "nat_hh_dep", "nat_lad_geo"],
        "ONS lookups, Census 2021 and boundaries; MHCLG IoD2025 (via humaniverse/geographr, "
        "cwthom/hack25usefuldata, humaniverse/demographr, humaniverse/IMD)",
    ),
    "ref:published": (
        "Figures published in SWP strategy documents",
        ["published"],
        "Safer Wolverhampton Partnership strategies 2014-17, 2017-20, 2020-23 and the 2023 consultation",
    ),
}


def bundle_mtime() -> float:
    return max(bundle.path(rel).stat().st_mtime for rel in bundle.FILES.values() if bundle.path(rel).exists())


def _hash(keys: list[str]) -> str:
    h = hashlib.sha256()
    for k in sorted(keys):
        h.update(bundle.path(bundle.FILES[k]).read_bytes())
    return h.hexdigest()


def _lower(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns={c: c.lower() for c in df.columns})


def read_reference() -> dict[str, pd.DataFrame]:
    """Read and validate every bundle input; derive the reference tables."""
    l21_ward = bundle.lsoa21_ward()
    l11_21 = bundle.lsoa11_lsoa21()
    city21 = set(l21_ward["lsoa21_code"])
    city11 = set(l11_21["lsoa11_code"])

    lsoa11_geo = bundle.read_geo("lsoa11_geo", "LSOA11CD", bundle.N_LSOA11)
    oa11_geo = bundle.read_geo("oa11_geo", "OA11CD", bundle.N_OA11)
    l21_gen = bundle.read_geo("lsoa21_geo", "lsoa21_code", bundle.N_LSOA21)
    ward13_geo = bundle.read_geo("ward13_geo", "WD13CD", bundle.N_WARDS)
    bundle.read_geo("ward23_geo", "WD23CD", bundle.N_WARDS)  # validated; shapes rebuilt from LSOAs

    pop = bundle.population21()
    pop_lsoa = pop.groupby("lsoa21_code")["usual_residents"].sum().round().astype("int64")

    lsoa = gb.build_lsoa21(lsoa11_geo, oa11_geo, bundle.oa_lookup(), l11_21, l21_gen)
    lsoa = lsoa.merge(
        l21_ward.rename(columns={"ward24_code": "ward_code", "ward24_name": "ward_name"})[
            ["lsoa21_code", "lsoa21_name", "ward_code", "ward_name"]
        ],
        on="lsoa21_code",
        validate="1:1",
    )
    lsoa["population"] = lsoa["lsoa21_code"].map(pop_lsoa).astype("int64")
    lsoa = lsoa.sort_values("lsoa21_code").reset_index(drop=True)
    lsoa["area_km2"] = gb.area_km2(lsoa.geometry).to_numpy()
    lat, lon = gb.representative_points(lsoa.geometry)
    lsoa["lat"], lsoa["lon"] = lat.to_numpy(), lon.to_numpy()
    lsoa["geom_display"] = gb.to_wkb(gb.display_geometry(lsoa.geometry))
    lsoa["geom"] = gb.to_wkb(lsoa.geometry)

    ward = gb.dissolve_wards(lsoa)
    ward_pop = lsoa.groupby("ward_code")["population"].sum()
    ward_n = lsoa.groupby("ward_code").size()
    ward["population"] = ward["ward_code"].map(ward_pop).astype("int64")
    ward["n_lsoa"] = ward["ward_code"].map(ward_n).astype("int64")
    ward["area_km2"] = gb.area_km2(ward.geometry).to_numpy()
    lat, lon = gb.representative_points(ward.geometry)
    ward["lat"], ward["lon"] = lat.to_numpy(), lon.to_numpy()
    ward["geom_display"] = gb.to_wkb(gb.display_geometry(ward.geometry))
    ward["geom"] = gb.to_wkb(ward.geometry)

    # Historic geographies.
    w13 = bundle.lsoa11_ward13()
    pop20 = bundle.population20()
    l11 = lsoa11_geo.rename(columns={"LSOA11CD": "lsoa11_code", "LSOA11NM": "lsoa11_name"})
    l11 = l11.merge(w13.rename(columns={"ward17_code": "ward13_code"}), on="lsoa11_code", how="left")
    l11 = l11.merge(pop20.rename(columns={"total_population": "population_2020"}), on="lsoa11_code", how="left")
    l11["geom"] = gb.to_wkb(l11.geometry)
    w13g = ward13_geo.rename(columns={"WD13CD": "ward13_code", "WD13NM": "ward13_name"})
    w13g["geom"] = gb.to_wkb(w13g.geometry)

    # Population-weighted crosswalk: share of each 2011 LSOA's people in each
    # 2021 LSOA (Census 2021 populations of the children of a split).
    cw = l11_21[["lsoa11_code", "lsoa21_code", "change_code"]].copy()
    cw["pop21"] = cw["lsoa21_code"].map(pop_lsoa)
    cw["weight"] = cw["pop21"] / cw.groupby("lsoa11_code")["pop21"].transform("sum")
    cw = cw.drop(columns="pop21")

    # Deprivation.
    imd25_all = _lower(bundle.imd2025(city21))
    imd19_all = _lower(bundle.imd2019(city11))
    thresholds = _thresholds(imd25_all, "2025") + _thresholds(imd19_all, "2019")
    imd25 = imd25_all[imd25_all["lsoa21_code"].isin(city21)].reset_index(drop=True)
    imd19 = imd19_all[imd19_all["lsoa11_code"].isin(city11)].reset_index(drop=True)
    # IMD 2019 carried to LSOA 2021: an unchanged LSOA keeps its values; the two
    # children of a split LSOA both take their parent's ranks and deciles.
    imd19_21 = cw[["lsoa11_code", "lsoa21_code", "change_code"]].merge(imd19, on="lsoa11_code")
    imd19_21["carried_from_split"] = imd19_21["change_code"] != "U"
    imd19_21 = imd19_21.drop(columns=["change_code"])

    # One row per LAD (a few new unitaries span several old CSPs).
    lad_pfa = bundle.lad_pfa().drop_duplicates("ltla24_code")
    lad25 = bundle.imd2025_lad().merge(
        lad_pfa[["ltla24_code", "pfa24_name", "csp24_name"]], on="ltla24_code", how="left"
    )
    lad19 = bundle.imd2019_lad().merge(
        lad_pfa[["ltla24_code", "pfa24_name"]].rename(columns={"ltla24_code": "ltla19_code"}),
        on="ltla19_code",
        how="left",
    )
    pop_age = pop.rename(columns={"usual_residents": "residents"})[["lsoa21_code", "age_group", "residents"]]

    return {
        "lsoa21": pd.DataFrame(lsoa.drop(columns="geometry")),
        "ward": pd.DataFrame(ward.drop(columns="geometry")),
        "lsoa11": pd.DataFrame(l11.drop(columns="geometry")),
        "ward2013": pd.DataFrame(w13g.drop(columns="geometry"))[["ward13_code", "ward13_name", "geom"]],
        "lsoa_crosswalk": cw,
        "imd2025": imd25,
        "imd2025_indicators": bundle.imd2025_indicators(city21),
        "imd2019": imd19,
        "imd2019_lsoa21": imd19_21,
        "imd_threshold": pd.DataFrame(thresholds),
        "imd2025_lad": lad25,
        "imd2019_lad": lad19,
        "population_age": pop_age,
        "census_ethnicity": bundle.ethnicity(),
        "census_household_deprivation": bundle.household_deprivation(),
        "published_figure": bundle.published(),
        **national.read_national(),  # England's LSOAs and districts (the Compare page)
    }


def _thresholds(imd: pd.DataFrame, edition: str) -> list[dict]:
    """National rank cut-offs: the largest rank in each IMD decile."""
    g = imd.groupby("imd_decile")["imd_rank"].max()
    return [{"edition": edition, "decile": int(d), "max_rank": int(r), "n_lsoa": len(imd)} for d, r in g.items()]


def build(target: Path | None = None) -> dict[str, int]:
    """Build the store; returns table -> row count. Atomic: temp file + rename."""
    t0 = time.perf_counter()
    target = Path(target) if target else config.store_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tables = read_reference()  # raises InputError before anything is written

    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    for p in (tmp, tmp.with_name(tmp.name + ".wal")):
        p.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
            for name, df in tables.items():
                con.register("_df", df)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _df')
                con.unregister("_df")
                counts[name] = len(df)
            store.ensure_data_tables(con)
            _carry_over(con, target)
            con.execute(
                "CREATE TABLE meta AS SELECT ? AS schema_version, ? AS built_at, ? AS bundle",
                [store.SCHEMA_VERSION, dt.datetime.now().replace(microsecond=0), str(config.data_dir())],
            )
            for ds_id, (name, keys, source) in REFERENCE_DATASETS.items():
                store.record_dataset(
                    con,
                    dataset_id=ds_id,
                    name=name,
                    kind="reference",
                    source=source + "; files: " + ", ".join(bundle.FILES[k] for k in keys),
                    licence=OGL,
                    is_demo=False,
                    row_count=_rows_for(keys, tables),
                    file_hash=_hash(keys),
                )
            _after_build(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        for p in (tmp, tmp.with_name(tmp.name + ".wal")):
            p.unlink(missing_ok=True)
    counts["_seconds"] = round(time.perf_counter() - t0, 2)  # type: ignore[assignment]
    return counts


_ROWS_BY_KEY = {
    "lsoa21_geo": "lsoa21",
    "lsoa11_geo": "lsoa11",
    "ward13_geo": "ward2013",
    "ward23_geo": "ward",
    "lsoa11_21": "lsoa_crosswalk",
    "imd2025": "imd2025",
    "imd2025_ind": "imd2025_indicators",
    "imd2025_lad": "imd2025_lad",
    "imd2019": "imd2019",
    "imd2019_lad": "imd2019_lad",
    "pop21": "population_age",
    "ethnicity": "census_ethnicity",
    "hh_dep": "census_household_deprivation",
    "published": "published_figure",
    "pop20": "lsoa11",
    "nat_lookup": "national_lsoa",
    "nat_lad_geo": "national_lad",
}


def _rows_for(keys: list[str], tables: dict[str, pd.DataFrame]) -> int:
    names = {_ROWS_BY_KEY[k] for k in keys if k in _ROWS_BY_KEY}
    return int(sum(len(tables[n]) for n in names))


def _carry_over(con: duckdb.DuckDBPyConnection, old: Path) -> None:
    """Copy data tables and their provenance from the previous store, if any."""
    if not old.exists():
        return
    con.execute(f"ATTACH '{old}' AS old (READ_ONLY)")
    try:
        have = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'old'"
            ).fetchall()
        }
        for name in store.DATA_TABLES_DDL:
            if name not in have:
                continue
            cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
            old_cols = {r[0] for r in con.execute(f"DESCRIBE old.{name}").fetchall()}
            sel = ", ".join(f'"{c}"' if c in old_cols else "NULL" for c in cols)
            where = " WHERE kind <> 'reference'" if name == "dataset" else ""
            con.execute(f"INSERT INTO {name} SELECT {sel} FROM old.{name}{where}")
    finally:
        con.execute("DETACH old")


# Steps other modules add to run inside the build transaction (e.g. loading the
# published SWP series as partner data). Each takes the open connection.
AFTER_BUILD: list = []


def _after_build(con: duckdb.DuckDBPyConnection) -> None:
    from swp_data.sources import engagement, partner

    partner.load_published(con)  # published SWP series as city-level partner data
    engagement.load_published_consultation(con)  # 2020 consultation shares by postcode district
    for step in AFTER_BUILD:
        step(con)


def needs_build(target: Path | None = None) -> str | None:
    """Why the store must be (re)built, or None when it is current."""
    target = Path(target) if target else config.store_path()
    if not target.exists():
        return "the store does not exist"
    try:
        if bundle_mtime() > target.stat().st_mtime:
            return "the bundle is newer than the store"
    except FileNotFoundError:
        return None  # missing bundle files are reported by the build itself
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            v = store.one(con, "SELECT schema_version FROM meta")
        finally:
            con.close()
    except duckdb.Error:
        return "the store is unreadable or from an older version"
    if v != store.SCHEMA_VERSION:
        return f"the store's schema version is {v}, not {store.SCHEMA_VERSION}"
    return None
