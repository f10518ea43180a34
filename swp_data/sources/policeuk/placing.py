"""Placing records in the city's LSOAs (docs/architecture.md, Geography).

A kept record goes to the LSOA 2021 its coordinates fall in (point in polygon
on the full shapes); without coordinates, or with coordinates just outside the
city boundary but a city LSOA code, it is placed by its code (a 2011 code goes
to the 2021 LSOA with the largest share of its population in the crosswalk).
A code that disagrees with the coordinates is counted; the coordinates win.

:func:`load_geography` builds the lookup tables on the staging connection
(``_code_map``, ``_city_code``, ``_lsoa_idx``) and returns the point locator;
:func:`place` defines ``_p``: every candidate and location-less row of the
winning source of its (force, month) (``_fm``, :mod:`.dedup`), with its LSOA,
how it was placed and whether its code disagrees.
"""

from __future__ import annotations

import contextlib
import hashlib

import duckdb
import numpy as np
import pandas as pd

from geo.boundaries import from_frame
from geo.spatial import AreaLocator
from swp_data.errors import InputError
from swp_data.sources.policeuk.schema import CAND, NO_LOCATION

_LOCATORS: dict[str, AreaLocator] = {}


def locator(lsoa: pd.DataFrame) -> AreaLocator:
    """The LSOA 2021 point locator, cached on the shapes' bytes (cheap to hash)."""
    h = hashlib.sha1()
    for code, geom in zip(lsoa["lsoa21_code"], lsoa["geom"], strict=True):
        h.update(str(code).encode())
        h.update(bytes(geom))
    key = h.hexdigest()
    if key not in _LOCATORS:
        gdf = from_frame(lsoa[["lsoa21_code", "geom"]])
        _LOCATORS.clear()
        _LOCATORS[key] = AreaLocator.from_frame(gdf, "lsoa21_code")
    return _LOCATORS[key]


def load_geography(con: duckdb.DuckDBPyConnection) -> AreaLocator:
    """The lookup tables for placing, from the ``lsoa21`` and ``lsoa_crosswalk``
    tables visible on ``con``; the LSOA locator."""
    # One catalog query (duckdb_tables() is much cheaper to bind than
    # information_schema, which store.table_exists uses).
    found = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name IN ('lsoa21', 'lsoa_crosswalk')"
        ).fetchall()
    }
    for t in ("lsoa21", "lsoa_crosswalk"):
        if t not in found:
            raise InputError(None, f"the store has no {t} table; run `python -m swp_data build` first")
    lsoa = con.execute("SELECT lsoa21_code, ward_code, geom FROM lsoa21 ORDER BY lsoa21_code").df()
    if lsoa.empty:
        raise InputError(None, "the store has no LSOA shapes; run `python -m swp_data build` first")
    loc = locator(lsoa)
    # A 2021 code maps to itself; a 2011 code to each 2021 LSOA it became,
    # 'best' marking the one with the largest share of its population.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _code_map AS
           SELECT code, lsoa21_code, bool_or(best) AS best FROM (
               SELECT lsoa21_code AS code, lsoa21_code, true AS best FROM lsoa21
               UNION ALL
               SELECT lsoa11_code, lsoa21_code,
                      row_number() OVER (PARTITION BY lsoa11_code ORDER BY weight DESC, lsoa21_code) = 1
               FROM lsoa_crosswalk)
           GROUP BY ALL"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _city_code AS SELECT DISTINCT code FROM _code_map")
    # Position of each LSOA in the locator (what locate_index returns).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _lsoa_idx AS
           SELECT CAST(unnest(range(len(c))) AS BIGINT) AS idx, unnest(c) AS lsoa21_code
           FROM (SELECT ?::VARCHAR[] AS c)""",
        [[str(c) for c in loc.codes]],
    )
    return loc


def place(con: duckdb.DuckDBPyConnection, loc: AreaLocator) -> None:
    """Define ``_p`` (a view; narrow: the row's rowid in ``_g`` and what placing decided).

    Point in polygon runs for the city candidates only (vectorised), once per
    distinct point: police.uk snaps locations to a fixed set of map points, so
    ~140,000 candidates of 36 months share a few thousand. Joined back on
    (lon, lat): the same parsed doubles, so equality is exact; rows without
    coordinates find no point (placed by code)."""
    xy = con.execute(
        f"SELECT DISTINCT lon, lat FROM _g WHERE cls = {CAND} AND lon IS NOT NULL AND lat IS NOT NULL"
    ).fetchnumpy()
    lon = np.asarray(xy["lon"], dtype="float64")
    lat = np.asarray(xy["lat"], dtype="float64")
    pts = pd.DataFrame({"lon": lon, "lat": lat, "pt": loc.locate_index(lon, lat)})
    # Small tables (a few thousand points), not registered DataFrames: _p is a
    # view, evaluated once inside the query that builds _k (dedup.dedupe), as
    # one query did before the stages were split.
    con.register("_pts_df", pts)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _pts AS SELECT * FROM _pts_df")
    finally:
        unregister(con, "_pts_df")
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW _p AS
        SELECT g.rowid AS rid, g.src, g.force, g.month, g.cls, g.by_id, g.crime_id, g.n,
               g.lon IS NOT NULL AS has_xy, g.crime_type,
               coalesce(li.lsoa21_code, cb.lsoa21_code) AS lsoa21_code,
               CASE WHEN li.lsoa21_code IS NOT NULL THEN 'coordinates'
                    WHEN cb.lsoa21_code IS NOT NULL THEN 'code' END AS placed_by,
               (li.lsoa21_code IS NOT NULL AND g.code IS NOT NULL AND cm.code IS NULL) AS disagree
        FROM _g g
        JOIN _fm f ON g.force = f.force AND g.month = f.month AND g.src = f.win
        LEFT JOIN _pts pt ON pt.lon = g.lon AND pt.lat = g.lat
        LEFT JOIN _lsoa_idx li ON li.idx = pt.pt
        LEFT JOIN (SELECT code, lsoa21_code FROM _code_map WHERE best) cb ON cb.code = g.code
        LEFT JOIN _code_map cm ON cm.code = g.code AND cm.lsoa21_code = li.lsoa21_code
        WHERE g.cls IN ({CAND}, {NO_LOCATION})"""
    )


def unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a registered DataFrame view; harmless if the transaction already failed."""
    with contextlib.suppress(duckdb.Error):
        con.unregister(name)
