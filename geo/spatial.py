"""Point in polygon: which small area holds each point, vectorised.

Used by the importers to place police.uk records (anonymised "snap points") in
their LSOA 2021 by coordinates (docs/architecture.md, Geography). The shapes are the full
(not display-simplified) LSOA 2021 polygons from the store.

Method: an STRtree over the polygons gives, for every point, the polygons whose
bounding box holds it; each candidate polygon is then tested once, prepared,
against all its candidate points with ``shapely.intersects_xy`` (vectorised in
GEOS, no Python loop over points). A point on a shared edge belongs to both
neighbours; it is given to the first polygon in the order the locator was built
with (deterministic).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely


class AreaLocator:
    """Locate points (WGS84 longitude, latitude) in a set of polygons with codes."""

    def __init__(self, codes: Sequence[str], geoms: Sequence[shapely.Geometry]):
        self.codes = np.asarray(list(codes), dtype=object)
        self.geoms = np.asarray(list(geoms), dtype=object)
        if len(self.codes) != len(self.geoms):
            raise ValueError("codes and geometries differ in length")
        if len(self.geoms) == 0:
            raise ValueError("no polygons to locate points in")
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        minx, miny, maxx, maxy = shapely.total_bounds(self.geoms)
        self.bbox = (float(minx), float(miny), float(maxx), float(maxy))

    @classmethod
    def from_frame(cls, gdf: gpd.GeoDataFrame, code_col: str) -> AreaLocator:
        return cls(gdf[code_col].astype(str).tolist(), gdf.geometry.to_numpy())

    def locate_index(self, lon, lat) -> np.ndarray:
        """Index (into ``codes``) of the polygon holding each point; -1 when the
        point is in none of them or has no coordinates (NaN)."""
        x = np.asarray(lon, dtype="float64")
        y = np.asarray(lat, dtype="float64")
        out = np.full(len(x), -1, dtype=np.int64)
        ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        if len(ok) == 0:
            return out
        pts = shapely.points(x[ok], y[ok])
        # Bounding-box candidates: pairs (point, polygon), sorted by point.
        p_idx, g_idx = self.tree.query(pts)
        if len(p_idx) == 0:
            return out
        hit = np.zeros(len(p_idx), dtype=bool)
        # One vectorised, prepared test per polygon over all its candidate points.
        order = np.argsort(g_idx, kind="stable")
        g_sorted = g_idx[order]
        bounds = np.flatnonzero(np.diff(g_sorted)) + 1
        for chunk in np.split(order, bounds):
            g = g_idx[chunk[0]]
            pi = ok[p_idx[chunk]]
            hit[chunk] = shapely.intersects_xy(self.geoms[g], x[pi], y[pi])
        # First polygon (lowest index) wins for points on a shared edge.
        best = np.full(len(ok), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, p_idx[hit], g_idx[hit])
        found = best != np.iinfo(np.int64).max
        out[ok[found]] = best[found]
        return out

    def locate(self, lon, lat) -> np.ndarray:
        """Code of the polygon holding each point (object array, None outside)."""
        idx = self.locate_index(lon, lat)
        codes = np.empty(len(idx), dtype=object)
        inside = idx >= 0
        codes[inside] = self.codes[idx[inside]]
        return codes

    def contains(self, lon, lat) -> np.ndarray:
        """True where the point lies in (or on the edge of) any polygon."""
        return self.locate_index(lon, lat) >= 0
