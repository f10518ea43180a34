"""The demo Impact Areas: the six 2011-12 priority areas of the seeds,
approximated from the given place centres (docs/architecture.md, Demo dataset); see
:data:`DEMO_AREAS` and :func:`demo_area_members` for the rule. Always
labelled approximate and demo.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import re

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.boundaries import BNG, WGS84
from swp_data import access, store
from swp_data.places.area_files import lsoa_shapes
from swp_data.places.impact_areas import dataset_id_of, list_areas, write_area
from swp_data.store import audit

# Published figures of the 2011-12 priority areas (seeds/001, published_figure).
PUBLISHED_POPULATION = "priority_areas_population_share"
PUBLISHED_CRIME = "priority_areas_recorded_crime_share"

# The six 2011-12 priority areas (seeds/001) and approximate place centres
# (lat, lon) from docs/architecture.md (Demo dataset), in the order they grow (see ensure_demo_impact_areas).
DEMO_AREAS: dict[str, dict] = {
    "City Centre": {"rating": "red", "centres": (("City Centre", 52.586, -2.128),)},
    "Whitmore Reans": {"rating": "red", "centres": (("Whitmore Reans", 52.592, -2.143),)},
    "All Saints & Blakenhall": {
        "rating": "red",
        "centres": (("All Saints", 52.579, -2.118), ("Blakenhall", 52.570, -2.130)),
    },
    "Heath Town & Park Village": {
        "rating": "amber",
        "centres": (("Heath Town", 52.592, -2.098), ("Park Village", 52.598, -2.108)),
    },
    "Low Hill & The Scotlands": {
        "rating": "amber",
        "centres": (("Low Hill", 52.611, -2.115), ("The Scotlands", 52.618, -2.118)),
    },
    "Pennfields": {"rating": "amber", "centres": (("Pennfields", 52.570, -2.150),)},
}
DEMO_TARGET_SHARE = 16.0  # fallback when published_figure lacks the figure
DEMO_NOTE = (
    "Approximate, for demonstration: 2011-12 West Midlands Police priority area ({rating}), "
    "approximated as the LSOAs nearest the place centre(s) {centres}. Not the official boundary."
)


# ----------------------------------------------------------------- demo areas
def published_priority_shares(con: duckdb.DuckDBPyConnection) -> dict:
    """The strategy's figures for the 2011-12 priority areas (seeds/001):
    population_share and crime_share (percent), period, note. None values
    when the store lacks them."""
    df = con.execute(
        "SELECT indicator, period, value, note FROM published_figure WHERE indicator IN (?, ?)",
        [PUBLISHED_POPULATION, PUBLISHED_CRIME],
    ).df()
    get = dict(zip(df["indicator"], df["value"], strict=True))
    period = df["period"].iloc[0] if len(df) else "2011-12"
    return {
        "population_share": get.get(PUBLISHED_POPULATION),
        "crime_share": get.get(PUBLISHED_CRIME),
        "period": period,
    }


def demo_area_members(con: duckdb.DuckDBPyConnection, target_share: float | None = None) -> dict[str, list[str]]:
    """The demo approximation of the six 2011-12 priority areas (no writing).

    Rule: (1) each place centre starts with the LSOA containing it (the
    nearest LSOA by representative point if it falls in none or in one
    already taken); (2) then, in rounds, each centre in the order of
    :data:`DEMO_AREAS` adds the not yet taken LSOA whose representative point
    is nearest to it (distances in metres on the British National Grid), so
    an area of two places grows from both; (3) growth stops as soon as the
    next LSOA would take the six areas' combined share of the city's Census
    2021 population further from the target (the published 16%) than it is
    already. Each LSOA belongs to one area at most. Deterministic.
    """
    target = target_share
    if target is None:
        target = published_priority_shares(con)["population_share"] or DEMO_TARGET_SHARE
    shapes = lsoa_shapes(con)
    reps = con.execute("SELECT lsoa21_code AS code, lat, lon, population FROM lsoa21 ORDER BY 1").df()
    pts = gpd.GeoSeries(gpd.points_from_xy(reps["lon"], reps["lat"]), crs=WGS84).to_crs(BNG)
    xy = np.column_stack([pts.x, pts.y])
    pop = reps["population"].to_numpy(dtype=float)
    city_pop = pop.sum()
    codes = reps["code"].to_numpy()
    centres = [(area, place, lat, lon) for area, spec in DEMO_AREAS.items() for place, lat, lon in spec["centres"]]
    cxy = gpd.GeoSeries(gpd.points_from_xy([c[3] for c in centres], [c[2] for c in centres]), crs=WGS84).to_crs(BNG)
    order = [np.argsort(np.hypot(xy[:, 0] - p.x, xy[:, 1] - p.y), kind="stable") for p in cxy]
    taken = np.zeros(len(codes), dtype=bool)
    members: dict[str, list[str]] = {a: [] for a in DEMO_AREAS}
    code_pos = {c: i for i, c in enumerate(codes)}
    for ci, (area, _place, lat, lon) in enumerate(centres):
        inside = shapes[shapes.contains(shapely.Point(lon, lat))]["code"].tolist()
        pos = (
            code_pos[inside[0]]
            if inside and not taken[code_pos[inside[0]]]
            else next(int(i) for i in order[ci] if not taken[i])
        )
        taken[pos] = True
        members[area].append(str(codes[pos]))
    share = 100.0 * pop[taken].sum() / city_pop
    while True:
        grew = False
        for ci, (area, *_rest) in enumerate(centres):
            nxt = next((int(i) for i in order[ci] if not taken[i]), None)
            if nxt is None:
                continue
            new = share + 100.0 * pop[nxt] / city_pop
            if abs(new - target) >= abs(share - target):
                return {a: sorted(v) for a, v in members.items()}
            taken[nxt] = True
            members[area].append(str(codes[nxt]))
            share, grew = new, True
        if not grew:
            return {a: sorted(v) for a, v in members.items()}


def add_demo_impact_areas(con: duckdb.DuckDBPyConnection) -> dict:
    """Write the six demo priority areas (replacing areas of the same names),
    in the caller's transaction, whatever else exists. Returns {"created":
    True, "areas": DataFrame of name, n_lsoa, population, population_share,
    "population_share": the six areas' combined % of the city's residents,
    "target": the published %}."""
    access.require_analyst("loading the demo Impact Areas")
    store.ensure_data_tables(con)
    target = published_priority_shares(con)["population_share"] or DEMO_TARGET_SHARE
    members = demo_area_members(con, target)
    ids = []
    for area, codes in members.items():
        spec = DEMO_AREAS[area]
        centres = ", ".join(f"{p} ({lat:.3f}, {lon:.3f})" for p, lat, lon in spec["centres"])
        aid = write_area(
            con,
            area,
            codes,
            source="demo",
            approximate=True,
            is_demo=True,
            replace=True,
            note=DEMO_NOTE.format(rating=spec["rating"], centres=centres),
            area_id="demo-" + re.sub(r"[^a-z0-9]+", "-", area.lower()).strip("-"),
        )
        ids.append(dataset_id_of(aid))
    audit.record(
        con,
        "impact_area",
        dataset_id=",".join(ids),
        rows=sum(len(v) for v in members.values()),
        detail="loaded the six demo priority areas (approximate, for demonstration)",
    )
    areas = list_areas(con)
    areas = areas[areas["is_demo"] & areas["name"].isin(list(members))]
    all_codes = sorted({c for v in members.values() for c in v})
    pop = con.execute(
        "SELECT sum(population) FILTER (WHERE list_contains(?, lsoa21_code)), sum(population) FROM lsoa21", [all_codes]
    ).fetchall()[0]
    return {
        "created": True,
        "areas": areas[["name", "n_lsoa", "population", "population_share"]].reset_index(drop=True),
        "population_share": 100.0 * pop[0] / pop[1],
        "target": target,
    }


def ensure_demo_impact_areas(con: duckdb.DuckDBPyConnection) -> dict:
    """Create the six demo priority areas when the store has no Impact Area
    at all (in the caller's transaction; call it from the demo import).
    Returns as :func:`add_demo_impact_areas`, or {"created": False, ...} when
    areas already exist (they are left alone)."""
    store.ensure_data_tables(con)
    if con.execute("SELECT count(*) FROM impact_area").fetchall()[0][0]:
        target = published_priority_shares(con)["population_share"] or DEMO_TARGET_SHARE
        return {"created": False, "areas": pd.DataFrame(), "population_share": None, "target": target}
    return add_demo_impact_areas(con)


def demo_union_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The LSOAs of every demo (approximate) priority area together."""
    return [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT m.lsoa21_code FROM impact_area_lsoa m JOIN impact_area a USING (area_id) "
            "WHERE a.is_demo AND a.approximate ORDER BY 1"
        ).fetchall()
    ]
