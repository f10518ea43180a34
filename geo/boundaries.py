"""Boundaries: detailed LSOA 2021 and ward shapes, display simplification, and
GeoDataFrames read back from the store.

Detailed LSOA 2021 shapes (docs/architecture.md, Geography): the 155 LSOAs unchanged since
2011 take their 2011 shape as is; each Output Area of the 3 split LSOAs goes to
the 2021 child whose generalised shape holds most of it, and the children are
the dissolve of their OAs. May 2023 wards are the dissolve of their LSOAs
through the best-fit lookup (labelled "best-fit" where shown).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

BNG = 27700  # British National Grid, metres: areas, distances, simplification
WGS84 = 4326
DISPLAY_TOLERANCE_M = 4.0


def build_lsoa21(
    lsoa11: gpd.GeoDataFrame,
    oa11: gpd.GeoDataFrame,
    oa_lookup: pd.DataFrame,
    lsoa11_21: pd.DataFrame,
    lsoa21_generalised: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Detailed LSOA 2021 polygons (WGS84) with a ``changed`` flag."""
    l11 = lsoa11.set_index("LSOA11CD").geometry
    unchanged = lsoa11_21[lsoa11_21["change_code"] == "U"]
    split = lsoa11_21[lsoa11_21["change_code"] != "U"]

    parts = [
        gpd.GeoDataFrame(
            {"lsoa21_code": unchanged["lsoa21_code"].to_numpy(), "changed": False},
            geometry=l11.loc[unchanged["lsoa11_code"]].to_numpy(),
            crs=lsoa11.crs,
        )
    ]
    if len(split):
        oa = oa11.merge(oa_lookup[["OA11CD", "LSOA11CD"]], on="OA11CD")
        oa = oa[oa["LSOA11CD"].isin(split["lsoa11_code"])].to_crs(BNG)
        gen = lsoa21_generalised.set_index("lsoa21_code").to_crs(BNG).geometry
        children = split.groupby("lsoa11_code")["lsoa21_code"].apply(list)
        assigned = []
        for _, row in oa.iterrows():
            kids = children[row["LSOA11CD"]]
            overlap = [row.geometry.intersection(gen[k]).area for k in kids]
            assigned.append(kids[max(range(len(kids)), key=overlap.__getitem__)])
        oa = oa.assign(lsoa21_code=assigned)
        diss = oa.dissolve("lsoa21_code").to_crs(lsoa11.crs).geometry
        # OA edges match the 2011 LSOA edges only to about 1e-6 of the area, so
        # clip the children to their parent: the first take their OAs inside
        # the parent, the last takes the rest. They then tile the parent exactly.
        codes, geoms = [], []
        for parent, kids in children.items():
            shape = l11[parent]
            taken = []
            for k in kids[:-1]:
                g = shapely.make_valid(shape.intersection(diss[k]))
                taken.append(g)
                codes.append(k)
                geoms.append(g)
            codes.append(kids[-1])
            geoms.append(shapely.make_valid(shape.difference(shapely.union_all(taken))))
        geoms = [_drop_slivers(g) for g in geoms]
        parts.append(gpd.GeoDataFrame({"lsoa21_code": codes, "changed": True}, geometry=geoms, crs=lsoa11.crs))
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=lsoa11.crs).to_crs(WGS84)


def _drop_slivers(geom, min_m2: float = 5.0):
    """Drop polygon parts smaller than ``min_m2`` (edge mismatches of the OAs)."""
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
    proj = gpd.GeoSeries(parts, crs=WGS84).to_crs(BNG)
    keep = [p for p, a in zip(parts, proj.area, strict=True) if a >= min_m2]
    return keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)


def dissolve_wards(lsoa21: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Ward shapes as the union of their LSOAs (needs ward_code, ward_name)."""
    w = lsoa21[["ward_code", "ward_name", "geometry"]].dissolve(["ward_code", "ward_name"])
    return w.reset_index()


def area_km2(g: gpd.GeoSeries) -> pd.Series:
    return g.to_crs(BNG).area / 1e6


def representative_points(g: gpd.GeoSeries) -> tuple[pd.Series, pd.Series]:
    pts = g.to_crs(BNG).representative_point().to_crs(WGS84)
    return pts.y, pts.x


def display_geometry(g: gpd.GeoSeries, tolerance_m: float = DISPLAY_TOLERANCE_M) -> gpd.GeoSeries:
    """Simplify once for display, keeping shared edges shared (coverage simplify)."""
    proj = g.to_crs(BNG)
    simple = shapely.coverage_simplify(proj.to_numpy(), tolerance_m)
    out = gpd.GeoSeries(simple, index=g.index, crs=BNG).to_crs(WGS84)
    # Round to ~1 m: fewer bytes to the browser, no visible change.
    return out.set_precision(1e-5)


def to_wkb(g: gpd.GeoSeries) -> list[bytes]:
    return list(shapely.to_wkb(g.to_numpy()))


def from_frame(df: pd.DataFrame, geom_col: str = "geom") -> gpd.GeoDataFrame:
    """A GeoDataFrame (WGS84) from a store query with a WKB blob column."""
    geoms = shapely.from_wkb(df[geom_col].map(bytes).to_numpy())
    return gpd.GeoDataFrame(df.drop(columns=[geom_col]), geometry=geoms, crs=WGS84)
