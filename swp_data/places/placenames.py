"""Place names people use, mapped to wards and Impact Areas (issue #22,
finding 4): "Whitmore Reans" or "Low Hill" are not ward names, yet they are
how residents, officers and the strategy (seeds/001) name places.

The table is built from three documented sources, nothing guessed:

1. every ward of the bundle (May 2023 wards) by its name, and by each part
   of a joint name ("Bushbury South & Low Hill" also answers "Low Hill");
2. :data:`PLACE_CENTRES`: the approximate place centres of the 2011-12
   priority areas given in DESIGN.md (Demo dataset). Each is placed in the
   ward of the LSOA whose boundary contains the point (the nearest LSOA
   centre if none does);
3. every Impact Area in the store by its name and each part of it
   ("Heath Town & Park Village" also answers "Park Village").

A place names the Impact Areas that contain its LSOA (or carry its name).
Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import shapely

from swp_data import store

# Approximate place centres (lat, lon), DESIGN.md "Demo dataset" (the same as swp_data.demo.areas.DEMO_AREAS,
# which sits in a higher layer and cannot be imported here).
PLACE_CENTRES: dict[str, tuple[float, float]] = {
    "City Centre": (52.586, -2.128),
    "Whitmore Reans": (52.592, -2.143),
    "All Saints": (52.579, -2.118),
    "Blakenhall": (52.570, -2.130),
    "Heath Town": (52.592, -2.098),
    "Park Village": (52.598, -2.108),
    "Low Hill": (52.611, -2.115),
    "The Scotlands": (52.618, -2.118),
    "Pennfields": (52.570, -2.150),
}

COLUMNS = ["place", "ward_code", "ward_name", "impact_areas", "how"]


def _parts(name: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*&\s*|\s+and\s+", name) if p.strip()]


def lsoa_at(lsoas: pd.DataFrame, lat: float, lon: float) -> str:
    """The code of the LSOA containing the point (``lsoas`` with a WKB
    ``geom`` column, WGS84), else the one whose centre is nearest (lat/lon,
    scaled for latitude)."""
    if "geom" in lsoas:
        shapes = shapely.from_wkb(lsoas["geom"].map(bytes).to_numpy())
        inside = shapely.contains_xy(shapes, lon, lat)
        if inside.any():
            return str(lsoas["lsoa21_code"].iloc[int(np.argmax(inside))])
    dx = (lsoas["lon"].to_numpy() - lon) * np.cos(np.radians(lat))
    dy = lsoas["lat"].to_numpy() - lat
    return str(lsoas["lsoa21_code"].iloc[int(np.argmin(dx * dx + dy * dy))])


def place_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per place name: place, ward_code, ward_name (None for an
    Impact Area spanning several), impact_areas (list of (area_id, name)),
    how (where the name comes from). Sorted by place; a name is listed once."""
    lsoas = con.execute("SELECT lsoa21_code, ward_code, ward_name, lat, lon, geom FROM lsoa21").df()
    areas = pd.DataFrame(columns=["area_id", "name", "lsoa21_code"])
    if store.table_exists(con, "impact_area"):
        areas = con.execute(
            "SELECT a.area_id, a.name, m.lsoa21_code FROM impact_area a JOIN impact_area_lsoa m USING (area_id)"
        ).df()
    by_lsoa: dict[str, list[tuple[str, str]]] = {}
    for r in areas.drop_duplicates(["area_id", "lsoa21_code"]).itertuples():
        by_lsoa.setdefault(r.lsoa21_code, []).append((r.area_id, r.name))
    rows: list[dict] = []
    wards = lsoas.drop_duplicates("ward_code").sort_values("ward_name")
    for w in wards.itertuples():
        ia = sorted(
            {a for code in lsoas.loc[lsoas["ward_code"] == w.ward_code, "lsoa21_code"] for a in by_lsoa.get(code, [])}
        )
        for name in dict.fromkeys([w.ward_name, *_parts(w.ward_name)]):
            rows.append(
                {
                    "place": name,
                    "ward_code": w.ward_code,
                    "ward_name": w.ward_name,
                    "impact_areas": ia,
                    "how": "ward" if name == w.ward_name else f"part of the ward name {w.ward_name}",
                }
            )
    for place, (lat, lon) in PLACE_CENTRES.items():
        code = lsoa_at(lsoas, lat, lon)
        w = lsoas.set_index("lsoa21_code").loc[code]
        named = {(a.area_id, a.name) for a in areas.drop_duplicates("area_id").itertuples() if place in _parts(a.name)}
        ia = sorted(set(by_lsoa.get(code, [])) | named)
        rows.append(
            {
                "place": place,
                "ward_code": w["ward_code"],
                "ward_name": w["ward_name"],
                "impact_areas": ia,
                "how": "place centre (DESIGN.md), in the ward of the neighbourhood there",
            }
        )
    for a in areas.drop_duplicates("area_id").itertuples():
        ward_codes = lsoas.loc[lsoas["lsoa21_code"].isin(areas.loc[areas["area_id"] == a.area_id, "lsoa21_code"])]
        one = ward_codes["ward_code"].unique()
        for name in dict.fromkeys([a.name, *_parts(a.name)]):
            rows.append(
                {
                    "place": name,
                    "ward_code": one[0] if len(one) == 1 else None,
                    "ward_name": ward_codes["ward_name"].iloc[0] if len(one) == 1 else None,
                    "impact_areas": [(a.area_id, a.name)],
                    "how": "Impact Area",
                }
            )
    df = pd.DataFrame(rows, columns=COLUMNS)
    # one row per name: a ward first, then a place centre, then an Impact Area (the order above)
    return (
        df.drop_duplicates("place", keep="first")
        .sort_values("place", key=lambda s: s.str.casefold())
        .reset_index(drop=True)
    )


def find(con: duckdb.DuckDBPyConnection, text: str) -> pd.DataFrame:
    """Places whose name contains ``text`` (any case), exact matches first."""
    t = str(text or "").strip().casefold()[:80]
    tab = place_table(con)
    if not t:
        return tab.iloc[0:0]
    hit = tab[tab["place"].str.casefold().str.contains(t, regex=False)].copy()
    hit["_exact"] = hit["place"].str.casefold() != t
    return hit.sort_values(["_exact", "place"]).drop(columns="_exact").reset_index(drop=True)


def describe(row) -> str:
    """e.g. "Whitmore Reans: in Park ward; Impact Area Whitmore Reans"."""
    bits = [f"in {row['ward_name']} ward"] if pd.notna(row["ward_name"]) else ["across several wards"]
    if row["impact_areas"]:
        bits.append("Impact Area " + ", ".join(n for _, n in row["impact_areas"]))
    return f"{row['place']}: " + "; ".join(bits)
