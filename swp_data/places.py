"""Impact Areas and place-based indicators (DESIGN.md pages 5, 6 and 7).

An **Impact Area** is a named set of LSOAs 2021 (tables ``impact_area`` and
``impact_area_lsoa``). It can be made

* from a list of LSOA codes (picked on the map or in a list: :func:`save_area`);
* from a CSV of LSOA codes (:func:`read_lsoa_csv`, :func:`import_area_file`);
* from a GeoJSON of polygons (:func:`read_geojson`, :func:`assign_lsoas`,
  :func:`import_area_file`). We have no population below LSOA level, so the
  population-weighted overlap of an LSOA is estimated as (share of its area
  inside the polygons) x (its Census 2021 population), i.e. residents are
  taken to be spread evenly over the LSOA. An LSOA is assigned when more than
  half of its (so estimated) population lies inside; the assignment report
  lists every LSOA the polygons touch with its share inside.

File imports give the same guarantees as every other import: problems raise
:class:`~swp_data.errors.InputError` naming the file, the row (CSV) or
feature (GeoJSON) and the problem, before anything is written; the caller's
transaction (:func:`in_transaction`) leaves the store unchanged on failure;
re-importing a file replaces the area(s) of the same name (idempotent); codes
and polygons outside the city are refused. Names are stored verbatim (control
characters removed, as all free text) and escaped where shown.

Every area has a provenance row in ``dataset`` (``impact_area:<area_id>``,
kind ``impact_area``) that rename and delete keep in step.

The **demo** definition (:func:`ensure_demo_impact_areas`) approximates the
six 2011-12 priority areas of the seeds (DESIGN.md, Demo dataset) from the
given place centres; see :data:`DEMO_AREAS` for the rule.

The module also computes the per-LSOA (and per-ward) **indicators** used by
the clusters, priority and engagement pages (:func:`indicators`), and the
analyses of an area: shares of population and crime, inside against the rest
of the city, the change test, ranked LSOAs, deprivation profile and
comparators among similar LSOAs (:func:`comparators`).

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from . import clustering, priority, reference, stats, store, taxonomy
from .errors import InputError
from .partner import clean_text, file_hash
from .validate import check_not_truncated, read_text

# ----------------------------------------------------------------- constants
NAME_MAX = 120
ASSIGN_THRESHOLD = 0.5  # share of an LSOA's (estimated) population inside
MAX_FILE_BYTES = 20 * 1024 * 1024
BNG = 27700
LSOA_CODE = re.compile(r"^E01\d{6}$")

# CSV header names accepted for the LSOA code and the (optional) area name.
CODE_COLUMNS = ("lsoa21_code", "lsoa21cd", "lsoa_code", "lsoa code", "lsoa", "lsoa11cd", "lsoa11_code", "code")
AREA_COLUMNS = ("area", "area_name", "impact_area", "impact area", "name")
# GeoJSON feature properties that can name an area.
NAME_PROPERTIES = ("name", "Name", "NAME", "area", "Area", "area_name", "impact_area")

USER_LICENCE = "Defined by users of this app"
FILE_LICENCE = "As supplied with the imported file"
DEMO_LICENCE = "Demo data (approximate, for demonstration)"

# Published figures of the 2011-12 priority areas (seeds/001, published_figure).
PUBLISHED_POPULATION = "priority_areas_population_share"
PUBLISHED_CRIME = "priority_areas_recorded_crime_share"

# The six 2011-12 priority areas (seeds/001) and approximate place centres
# (lat, lon) from DESIGN.md, in the order they grow (see ensure_demo_impact_areas).
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

# Crime measures used throughout: strategy groupings, then categories.
ALL_CRIME = "All crime (excluding ASB)"
DEFAULT_SELECTION = ALL_CRIME


# ----------------------------------------------------------------- small helpers
def in_transaction(fn: Callable, *args, path: Path | None = None, **kwargs):
    """Run ``fn(con, *args, **kwargs)`` in one store transaction (committed on
    success, rolled back on any error) and return its result."""
    with store.transaction(path) as con:
        return fn(con, *args, **kwargs)


def _codes_tuple(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(dict.fromkeys(str(c) for c in codes)))


def clean_area_name(name, file=None, where: str = "") -> str:
    """The name as stored: verbatim apart from control characters and runs of
    spaces (like all free text); not empty, at most 120 characters."""
    text = clean_text("" if name is None else str(name))
    prefix = f"{where}: " if where else ""
    if not text:
        raise InputError(file, f"{prefix}the Impact Area needs a name")
    if len(text) > NAME_MAX:
        raise InputError(file, f"{prefix}the name is {len(text)} characters long; use at most {NAME_MAX}")
    return text


def city_lsoas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """code, name, ward_code, ward_name, population of the city's 161 LSOAs 2021."""
    return con.execute(
        "SELECT lsoa21_code AS code, lsoa21_name AS name, ward_code, ward_name, population "
        "FROM lsoa21 ORDER BY lsoa21_code"
    ).df()


def _city_codes(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21").fetchall()}


def _lsoa11_children(con) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for l11, l21 in con.execute("SELECT lsoa11_code, lsoa21_code FROM lsoa_crosswalk ORDER BY 1, 2").fetchall():
        out.setdefault(l11, []).append(l21)
    return out


# ----------------------------------------------------------------- areas: CRUD
def list_areas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every Impact Area: area_id, name, source, approximate, is_demo, note,
    created_at, n_lsoa, population, population_share (% of the city)."""
    return con.execute(
        """
        WITH city AS (SELECT sum(population) AS pop FROM lsoa21)
        SELECT a.area_id, a.name, a.source, a.approximate, a.is_demo, a.note, a.created_at,
               count(l.lsoa21_code) AS n_lsoa, coalesce(sum(l.population), 0) AS population,
               100.0 * coalesce(sum(l.population), 0) / any_value(city.pop) AS population_share
        FROM impact_area a
        LEFT JOIN impact_area_lsoa m USING (area_id)
        LEFT JOIN lsoa21 l USING (lsoa21_code)
        CROSS JOIN city
        GROUP BY a.area_id, a.name, a.source, a.approximate, a.is_demo, a.note, a.created_at
        ORDER BY a.name, a.area_id
        """
    ).df()


def area_codes(con: duckdb.DuckDBPyConnection, area_id: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT lsoa21_code FROM impact_area_lsoa WHERE area_id = ? ORDER BY 1", [area_id]
        ).fetchall()
    ]


def get_area(con: duckdb.DuckDBPyConnection, area_id: str) -> dict | None:
    row = con.execute("SELECT * FROM impact_area WHERE area_id = ?", [area_id]).df()
    if row.empty:
        return None
    out = row.iloc[0].to_dict()
    out["codes"] = area_codes(con, area_id)
    return out


def find_area(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The area_id of the area with this (cleaned) name, or None."""
    r = con.execute(
        "SELECT area_id FROM impact_area WHERE name = ? ORDER BY area_id LIMIT 1", [clean_text(str(name))]
    ).fetchone()
    return r[0] if r else None


def _dataset_id(area_id: str) -> str:
    """Provenance id of an area; the demo areas (ids ``demo-...``) are ``demo:``
    like every other demo dataset."""
    return f"demo:impact_area:{area_id}" if area_id.startswith("demo-") else f"impact_area:{area_id}"


def save_area(
    con: duckdb.DuckDBPyConnection,
    name: str,
    codes: Iterable[str],
    *,
    source: str,
    approximate: bool = False,
    is_demo: bool = False,
    note: str | None = None,
    replace: bool = False,
    file: str | Path | None = None,
    hash_: str | None = None,
    area_id: str | None = None,
) -> str:
    """Create (or, with ``replace``, replace the area of the same name) an
    Impact Area of the given LSOAs 2021; returns its area_id.

    Every code must be one of the city's 161 LSOAs 2021 (InputError naming
    the first that is not); at least one is needed. A replaced area keeps its
    area_id, so links to it (the sidebar's choice) survive a re-import.
    """
    name = clean_area_name(name, file)
    codes = _codes_tuple(c.strip().upper() for c in codes)
    if not codes:
        raise InputError(file, f"the Impact Area {name!r} has no LSOAs: pick at least one")
    city = _city_codes(con)
    outside = [c for c in codes if c not in city]
    if outside:
        raise InputError(
            file,
            f"{outside[0]} is not one of Wolverhampton's 161 LSOAs (2021)"
            + (f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""),
        )
    existing = find_area(con, name)
    if existing and not replace:
        raise InputError(file, f"an Impact Area called {name!r} already exists: choose another name, or replace it")
    if existing:
        area_id = existing
        con.execute("DELETE FROM impact_area_lsoa WHERE area_id = ?", [area_id])
        con.execute("DELETE FROM impact_area WHERE area_id = ?", [area_id])
    area_id = area_id or f"ia-{uuid.uuid4().hex[:12]}"
    now = dt.datetime.now().replace(microsecond=0)
    con.execute(
        "INSERT INTO impact_area VALUES (?, ?, ?, ?, ?, ?, ?)",
        [area_id, name, str(source), bool(approximate), bool(is_demo), note, now],
    )
    con.executemany("INSERT INTO impact_area_lsoa VALUES (?, ?)", [[area_id, c] for c in codes])
    store.record_dataset(
        con,
        dataset_id=_dataset_id(area_id),
        name=f"Impact Area: {name}",
        kind="impact_area",
        source=str(source),
        licence=DEMO_LICENCE if is_demo else (FILE_LICENCE if file else USER_LICENCE),
        is_demo=is_demo,
        row_count=len(codes),
        file_hash=hash_,
    )
    return area_id


def rename_area(con: duckdb.DuckDBPyConnection, area_id: str, new_name: str) -> str:
    """Rename an area (InputError if the name is empty, too long or taken)."""
    name = clean_area_name(new_name)
    if not con.execute("SELECT 1 FROM impact_area WHERE area_id = ?", [area_id]).fetchone():
        raise InputError(None, f"there is no Impact Area {area_id!r} (deleted meanwhile?)")
    other = find_area(con, name)
    if other and other != area_id:
        raise InputError(None, f"an Impact Area called {name!r} already exists: choose another name")
    con.execute("UPDATE impact_area SET name = ? WHERE area_id = ?", [name, area_id])
    con.execute("UPDATE dataset SET name = ? WHERE dataset_id = ?", [f"Impact Area: {name}", _dataset_id(area_id)])
    return name


def delete_area(con: duckdb.DuckDBPyConnection, area_id: str) -> bool:
    """Delete an area, its LSOA list and its provenance row; False if absent."""
    found = con.execute("SELECT 1 FROM impact_area WHERE area_id = ?", [area_id]).fetchone()
    con.execute("DELETE FROM impact_area_lsoa WHERE area_id = ?", [area_id])
    con.execute("DELETE FROM impact_area WHERE area_id = ?", [area_id])
    con.execute("DELETE FROM dataset WHERE dataset_id = ?", [_dataset_id(area_id)])
    return bool(found)


# ----------------------------------------------------------------- CSV of LSOA codes
@dataclass
class AreaImport:
    """What an Impact Area file import did."""

    file: str
    areas: list[dict] = field(default_factory=list)  # area_id, name, n_lsoa, replaced
    assignment: pd.DataFrame | None = None  # GeoJSON: code, name, share_inside, ...
    warnings: list[str] = field(default_factory=list)


def read_lsoa_csv(
    con: duckdb.DuckDBPyConnection, path: str | Path, data: bytes | None = None
) -> tuple[dict[str | None, list[str]], list[str]]:
    """Read a CSV of LSOA codes: {area name from an ``area`` column, or None:
    [codes]} and warnings.

    The header needs an LSOA code column (``lsoa21_code``, ``LSOA21CD``,
    ``lsoa_code``, ``lsoa`` or ``code``, any case); an ``area`` (or ``name``)
    column, if present, splits the file into several areas; other columns are
    ignored. A file of bare codes without a header is read as one column of
    codes. A 2011 code split in 2021 stands for all its 2021 children (with a
    warning). Every problem names the file and the row; nothing is returned
    unless the whole file is good.
    """
    path = Path(path)
    text = _read_small(path, data, "an LSOA list")
    check_not_truncated(path, text)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [(i + 1, r) for i, r in enumerate(rows)]
    rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(path, "the file is empty")
    first_n, first = rows[0]
    header = [clean_text(c).lower() for c in first]
    if first and LSOA_CODE.match(clean_text(first[0]).upper()):
        code_i, area_i, body = 0, None, rows  # bare codes, no header
    else:
        code_i = next((header.index(c) for c in CODE_COLUMNS if c in header), None)
        if code_i is None:
            shown = ", ".join(repr(c) for c in first[:6]) or "nothing"
            raise InputError(
                path,
                f"no LSOA code column in the header ({shown}): name a column lsoa21_code "
                "(or LSOA21CD, lsoa_code, lsoa, code), one LSOA 2021 code a row; an optional "
                "area column names the area(s)",
                row=first_n,
            )
        area_i = next((header.index(c) for c in AREA_COLUMNS if c in header), None)
        body = rows[1:]
    if not body:
        raise InputError(path, "the file has a header but no LSOA codes", row=first_n + 1)
    city = _city_codes(con)
    children = _lsoa11_children(con)
    out: dict[str | None, list[str]] = {}
    warnings: list[str] = []
    for n, r in body:
        raw = clean_text(r[code_i]) if code_i < len(r) else ""
        code = raw.upper()
        if not code:
            raise InputError(path, "the LSOA code is empty", row=n)
        if not LSOA_CODE.match(code):
            raise InputError(path, f"{raw!r} is not an LSOA code (E01 followed by six digits)", row=n)
        if code in city:
            codes = [code]
        elif code in children:
            codes = children[code]
            warnings.append(
                f"row {n}: LSOA 2011 {code} was split in 2021; its 2021 LSOAs {', '.join(codes)} are all included"
            )
        else:
            raise InputError(
                path,
                f"LSOA {code} is outside the city: it is not one of Wolverhampton's "
                "161 LSOAs (2021) or 158 LSOAs (2011)",
                row=n,
            )
        key = None
        if area_i is not None:
            key = clean_text(r[area_i]) if area_i < len(r) else ""
            if not key:
                raise InputError(path, "the area name is empty (the file has an area column)", row=n)
            if len(key) > NAME_MAX:
                raise InputError(path, f"the area name is {len(key)} characters long; use at most {NAME_MAX}", row=n)
        out.setdefault(key, []).extend(codes)
    return {k: list(_codes_tuple(v)) for k, v in out.items()}, warnings


# ----------------------------------------------------------------- GeoJSON of polygons
def _read_small(path: Path, data: bytes | None, what: str) -> str:
    """The text of an uploaded or named file of at most MAX_FILE_BYTES."""
    if data is None:
        if not path.exists():
            raise InputError(path, "file not found")
        data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            path, f"the file is {len(data) / 1e6:.1f} MB; {what} is at most {MAX_FILE_BYTES // 1_000_000} MB"
        )
    return read_text(path, data)


def read_geojson(path: str | Path, data: bytes | None = None) -> list[tuple[int, str | None, object]]:
    """The polygons of a GeoJSON file: [(feature number from 1, its name
    property or None, shapely geometry in WGS84)].

    Accepts a FeatureCollection, a single Feature or a bare (Multi)Polygon,
    in longitude/latitude (RFC 7946) or, with an old-style ``crs`` member,
    British National Grid (EPSG:27700). Invalid rings are repaired
    (``make_valid``). Problems name the file and the feature.
    """
    path = Path(path)
    text = _read_small(path, data, "an area file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    if not isinstance(doc, dict) or "type" not in doc:
        raise InputError(path, 'not a GeoJSON document (no "type" member)')
    kind = doc["type"]
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise InputError(path, 'the FeatureCollection has no "features" list')
    elif kind == "Feature":
        feats = [doc]
    elif kind in ("Polygon", "MultiPolygon", "GeometryCollection"):
        feats = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise InputError(path, f"a GeoJSON {kind}: expected a FeatureCollection of polygons")
    if not feats:
        raise InputError(path, "the FeatureCollection has no features")
    bng = _declares_bng(doc)
    out = []
    for i, f in enumerate(feats, start=1):
        where = f"feature {i}"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputError(path, f"{where}: not a GeoJSON Feature")
        g = f.get("geometry")
        if not g:
            raise InputError(path, f"{where}: has no geometry")
        gtype = g.get("type") if isinstance(g, dict) else None
        try:
            geom = shape(g)
        except Exception as e:  # shapely's errors vary by problem
            raise InputError(path, f"{where}: the geometry is not valid GeoJSON ({e})") from None
        polys = _polygons(geom)
        if polys is None:
            raise InputError(path, f"{where}: a {gtype}, not a polygon: an Impact Area file holds polygons")
        if polys.is_empty:
            raise InputError(path, f"{where}: the polygon is empty")
        minx, miny, maxx, maxy = polys.bounds
        if bng:
            polys = gpd.GeoSeries([polys], crs=BNG).to_crs(4326).iloc[0]
        elif not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputError(
                path,
                f"{where}: the coordinates are not longitude/latitude (WGS84, as "
                "GeoJSON requires); save the file as GeoJSON in EPSG:4326",
            )
        if not polys.is_valid:
            polys = _polygons(shapely.make_valid(polys))
            if polys is None or polys.is_empty:
                raise InputError(path, f"{where}: the polygon is not valid and cannot be repaired")
        props = f.get("properties") or {}
        name = next((props[k] for k in NAME_PROPERTIES if isinstance(props, dict) and props.get(k)), None)
        out.append((i, clean_text(str(name)) if name is not None else None, polys))
    return out


def _declares_bng(doc: dict) -> bool:
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return False
    name = str((crs.get("properties") or {}).get("name", ""))
    return "27700" in name


def _polygons(geom):
    """The polygonal part of a geometry (Polygon/MultiPolygon), or None if it has none."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = []
        for g in geom.geoms:
            p = _polygons(g)
            if p is not None:
                parts.extend(getattr(p, "geoms", [p]))
        return shapely.MultiPolygon(parts) if parts else None
    return None


def lsoa_shapes(con: duckdb.DuckDBPyConnection) -> gpd.GeoDataFrame:
    """Full (analysis) LSOA 2021 shapes, WGS84: code, name, ward_name, population."""
    from geo import boundaries as gb

    df = con.execute(
        "SELECT lsoa21_code AS code, lsoa21_name AS name, ward_name, population, geom FROM lsoa21 ORDER BY lsoa21_code"
    ).df()
    return gb.from_frame(df)


def assign_lsoas(con: duckdb.DuckDBPyConnection, geoms, lsoa: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Population-weighted overlap of the polygons ``geoms`` (WGS84) with every LSOA.

    Returns the LSOAs the polygons touch, largest share first: code, name,
    ward_name, population, share_inside (0-1, of the LSOA's area inside the
    union of the polygons, in metres on the British National Grid),
    population_inside (share_inside x population: the estimate, as residents
    are taken to be spread evenly within an LSOA) and assigned
    (population_inside / population > 0.5).
    """
    lsoa = lsoa if lsoa is not None else lsoa_shapes(con)
    if not isinstance(geoms, (list, tuple)):
        geoms = [geoms]
    union = shapely.union_all(gpd.GeoSeries(list(geoms), crs=4326).to_crs(BNG).to_numpy())
    proj = lsoa.to_crs(BNG)
    areas = proj.area.to_numpy()
    hit = proj.intersects(union).to_numpy()
    share = np.zeros(len(proj))
    if hit.any():
        inter = shapely.intersection(proj.geometry.to_numpy()[hit], union)
        share[hit] = shapely.area(inter) / areas[hit]
    out = lsoa.drop(columns="geometry").assign(share_inside=np.clip(share, 0, 1))
    out = pd.DataFrame(out[out["share_inside"] > 1e-9])
    out["population_inside"] = out["share_inside"] * out["population"]
    out["assigned"] = (out["population_inside"] / out["population"].where(out["population"] > 0)) > ASSIGN_THRESHOLD
    return out.sort_values(["share_inside", "code"], ascending=[False, True]).reset_index(drop=True)


# ----------------------------------------------------------------- file import
def import_area_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    data: bytes | None = None,
    *,
    name: str | None = None,
    is_demo: bool = False,
) -> AreaImport:
    """Import a CSV of LSOA codes or a GeoJSON of polygons as Impact Area(s),
    in the caller's transaction (use :func:`in_transaction`).

    One area per file, named ``name`` (else the file's name without its
    extension), unless the file names several areas (CSV ``area`` column,
    GeoJSON ``name`` property) and no ``name`` is given: then one area per
    name. An area of the same name is replaced (re-importing is idempotent).
    Everything is checked before anything is written.
    """
    path = Path(path)
    if data is None:
        if not path.exists():
            raise InputError(path, "file not found")
        data = path.read_bytes()
    suffix = path.suffix.lower()
    report = AreaImport(file=path.name)
    default = name if name is not None and clean_text(str(name)) else path.stem
    groups: dict[str, list[str]] = {}
    if suffix == ".csv":
        found, report.warnings = read_lsoa_csv(con, path, data)
        for key, codes in found.items():
            k = clean_area_name(default if (name or key is None) else key, path)
            groups.setdefault(k, []).extend(codes)
    elif suffix in (".geojson", ".json"):
        feats = read_geojson(path, data)
        lsoa = lsoa_shapes(con)
        city = shapely.union_all(lsoa.geometry.to_numpy())
        by_name: dict[str, list] = {}
        for i, fname, g in feats:
            if not g.intersects(city):
                raise InputError(
                    path, f"feature {i}: the polygon lies outside Wolverhampton (it touches none of the city's LSOAs)"
                )
            k = clean_area_name(default if (name or fname is None) else fname, path, f"feature {i}")
            by_name.setdefault(k, []).append((i, g))
        parts = []
        for k, items in by_name.items():
            a = assign_lsoas(con, [g for _, g in items], lsoa)
            if not a["assigned"].any():
                best = a.iloc[0]
                feats_txt = ", ".join(str(i) for i, _ in items)
                raise InputError(
                    path,
                    f"feature {feats_txt}: the polygon(s) of {k!r} hold more than half of no LSOA "
                    f"(the largest share is {100 * best['share_inside']:.0f}% of {best['code']}); "
                    "draw the area larger or pick its LSOAs on the map",
                )
            groups[k] = list(a.loc[a["assigned"], "code"])
            parts.append(a.assign(area=k))
        report.assignment = pd.concat(parts, ignore_index=True)
    else:
        raise InputError(
            path,
            f"an Impact Area file is a CSV of LSOA codes (.csv) or a GeoJSON of "
            f"polygons (.geojson or .json), not {suffix or 'a file without extension'}",
        )
    h = file_hash(data)
    for k, codes in groups.items():
        replaced = find_area(con, k) is not None
        aid = save_area(
            con,
            k,
            codes,
            source=path.name,
            is_demo=is_demo,
            replace=True,
            file=path,
            hash_=h,
            note=f"Imported from {path.name}",
        )
        report.areas.append({"area_id": aid, "name": k, "n_lsoa": len(set(codes)), "replaced": replaced})
    return report


# ----------------------------------------------------------------- demo areas
def published_priority_shares(con: duckdb.DuckDBPyConnection) -> dict:
    """The strategy's figures for the 2011-12 priority areas (seeds/001):
    population_share and crime_share (percent), period, note. None values
    when the store lacks them."""
    df = con.execute(
        "SELECT indicator, period, value, note FROM published_figure WHERE indicator IN (?, ?)",
        [PUBLISHED_POPULATION, PUBLISHED_CRIME],
    ).df()
    get = dict(zip(df["indicator"], df["value"]))
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
    pts = gpd.GeoSeries(gpd.points_from_xy(reps["lon"], reps["lat"]), crs=4326).to_crs(BNG)
    xy = np.column_stack([pts.x, pts.y])
    pop = reps["population"].to_numpy(dtype=float)
    city_pop = pop.sum()
    codes = reps["code"].to_numpy()
    centres = [(area, place, lat, lon) for area, spec in DEMO_AREAS.items() for place, lat, lon in spec["centres"]]
    cxy = gpd.GeoSeries(gpd.points_from_xy([c[3] for c in centres], [c[2] for c in centres]), crs=4326).to_crs(BNG)
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
    store.ensure_data_tables(con)
    target = published_priority_shares(con)["population_share"] or DEMO_TARGET_SHARE
    members = demo_area_members(con, target)
    for area, codes in members.items():
        spec = DEMO_AREAS[area]
        centres = ", ".join(f"{p} ({lat:.3f}, {lon:.3f})" for p, lat, lon in spec["centres"])
        save_area(
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
    areas = list_areas(con)
    areas = areas[areas["is_demo"] & areas["name"].isin(list(members))]
    all_codes = sorted({c for v in members.values() for c in v})
    pop = con.execute(
        "SELECT sum(population) FILTER (WHERE list_contains(?, lsoa21_code)), sum(population) FROM lsoa21", [all_codes]
    ).fetchone()
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
    if con.execute("SELECT count(*) FROM impact_area").fetchone()[0]:
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


# ----------------------------------------------------------------- crime windows and counts
def crime_window(con: duckdb.DuckDBPyConnection, months: int = 12) -> dict | None:
    """The latest ``months`` months of loaded crime records and the
    ``months`` before them: last, start, prev_start, prev_end (Timestamps),
    n_months (months loaded), has_previous (all previous months loaded).
    None without crime records."""
    r = con.execute("SELECT max(month), min(month), count(DISTINCT month) FROM crime").fetchone()
    if r[0] is None:
        return None
    last, first = pd.Timestamp(r[0]), pd.Timestamp(r[1])
    start = last - pd.DateOffset(months=months - 1)
    prev_end = start - pd.DateOffset(months=1)
    prev_start = start - pd.DateOffset(months=months)
    return {
        "last": last,
        "start": start,
        "prev_start": prev_start,
        "prev_end": prev_end,
        "first": first,
        "n_months": int(r[2]),
        "months": months,
        "has_previous": bool(first <= prev_start),
    }


def window_label(w: dict | None, previous: bool = False) -> str:
    if not w:
        return "no crime records loaded"
    a, b = (w["prev_start"], w["prev_end"]) if previous else (w["start"], w["last"])
    return f"{a:%b %Y} to {b:%b %Y}"


def window_counts(con: duckdb.DuckDBPyConnection, previous: bool = False) -> pd.DataFrame:
    """Records by LSOA and category in the latest 12 months (or the 12
    before): lsoa21_code, category, n. Records with no LSOA are left out."""
    w = crime_window(con)
    if w is None:
        return pd.DataFrame(
            {
                "lsoa21_code": pd.Series(dtype="string"),
                "category": pd.Series(dtype="string"),
                "n": pd.Series(dtype="int64"),
            }
        )
    a, b = (w["prev_start"], w["prev_end"]) if previous else (w["start"], w["last"])
    df = con.execute(
        "SELECT lsoa21_code, category, count(*) AS n FROM crime WHERE month BETWEEN ? AND ? "
        "AND lsoa21_code IS NOT NULL GROUP BY ALL ORDER BY 1, 2",
        [a.date(), b.date()],
    ).df()
    df["n"] = df["n"].astype("int64")
    return df


def measures() -> list[str]:
    """Strategy groupings, then the canonical categories (for selectors)."""
    return list(taxonomy.GROUPINGS) + [c for c in taxonomy.CATEGORIES if c not in taxonomy.GROUPINGS]


def measure_text(measure: str) -> str:
    """A measure name inside a sentence: "all crime (excluding ASB)", "violence"."""
    return measure[:1].lower() + measure[1:]


def _sum_selection(counts: pd.DataFrame, selection: str) -> pd.Series:
    """Count per LSOA of one grouping or category from lsoa21_code/category/n."""
    cats = taxonomy.categories_for(selection)
    sub = counts[counts["category"].isin(cats)]
    return sub.groupby("lsoa21_code")["n"].sum()


def harm_per_lsoa(counts: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.Series:
    """Harm-weighted count per LSOA: sum of count x harm weight
    (taxonomy.HARM_WEIGHTS; categories without a weight count 0)."""
    weights = weights or taxonomy.HARM_WEIGHTS
    w = counts["category"].map(lambda c: weights.get(c, 0.0)).astype("float64")
    return (counts["n"] * w).groupby(counts["lsoa21_code"]).sum()


# ----------------------------------------------------------------- shares of population and crime
def share_table(
    counts: pd.DataFrame, population: pd.Series, codes: Iterable[str], selections: Iterable[str] | None = None
) -> pd.DataFrame:
    """Share of the city's population against share of its recorded crime.

    ``counts``: lsoa21_code, category, n (a period's records); ``population``:
    residents by LSOA code (the whole city); ``codes``: the area's LSOAs.
    One row per measure (grouping or category, default :func:`measures`):
    measure, kind ('grouping'|'category'), inside, city, crime_share (% of the
    city's records that are inside), population_share (% of residents inside),
    ratio (crime_share / population_share: 1 = its fair share),
    rate_inside and rate_rest (per 1,000 residents).
    """
    codes = set(codes)
    pop_in = float(population[population.index.isin(codes)].sum())
    pop_all = float(population.sum())
    pop_share = 100.0 * pop_in / pop_all if pop_all else np.nan
    rows = []
    for m in list(selections) if selections is not None else measures():
        per = _sum_selection(counts, m)
        inside = int(per[per.index.isin(codes)].sum())
        city = int(per.sum())
        crime_share = 100.0 * inside / city if city else np.nan
        rows.append(
            {
                "measure": m,
                "kind": "grouping" if m in taxonomy.GROUPINGS else "category",
                "inside": inside,
                "city": city,
                "crime_share": crime_share,
                "population_share": pop_share,
                "ratio": crime_share / pop_share if pop_share and not np.isnan(crime_share) else np.nan,
                "rate_inside": stats.rate_per_1000(inside, pop_in),
                "rate_rest": stats.rate_per_1000(city - inside, pop_all - pop_in),
            }
        )
    return pd.DataFrame(rows)


def _population(con) -> pd.Series:
    df = con.execute("SELECT lsoa21_code, population FROM lsoa21 ORDER BY 1").df()
    return df.set_index("lsoa21_code")["population"].astype("float64")


def area_shares(con: duckdb.DuckDBPyConnection, codes: tuple[str, ...]) -> pd.DataFrame:
    """:func:`share_table` on the latest 12 months of loaded records
    (``attrs['window']`` names the months)."""
    out = share_table(window_counts(con), _population(con), codes)
    out.attrs["window"] = window_label(crime_window(con))
    return out


# ----------------------------------------------------------------- inside against the rest
def inside_vs_rest_monthly(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION
) -> pd.DataFrame:
    """Monthly records inside the area and in the rest of the city: month,
    where ('Inside the area' | 'Rest of the city'), count, population,
    rate_per_1000 (records per 1,000 residents in the month). Every month from
    the first to the last loaded appears (0 where none)."""
    cats = list(taxonomy.categories_for(selection))
    df = con.execute(
        "SELECT month, list_contains(?, lsoa21_code) AS inside, count(*) AS n FROM crime "
        "WHERE list_contains(?, category) AND lsoa21_code IS NOT NULL GROUP BY ALL",
        [list(codes), cats],
    ).df()
    w = crime_window(con)
    cols = ["month", "where", "count", "population", "rate_per_1000"]
    if w is None:
        return pd.DataFrame(columns=cols)
    pop = _population(con)
    p_in = float(pop[pop.index.isin(set(codes))].sum())
    p_out = float(pop.sum()) - p_in
    months = pd.date_range(w["first"], w["last"], freq="MS")
    parts = []
    for flag, label, p in ((True, "Inside the area", p_in), (False, "Rest of the city", p_out)):
        s = (
            df[df["inside"] == flag]
            .assign(month=lambda d: pd.to_datetime(d["month"]))
            .set_index("month")["n"]
            .reindex(months, fill_value=0)
        )
        parts.append(
            pd.DataFrame({"month": months, "where": label, "count": s.to_numpy().astype("int64"), "population": p})
        )
    out = pd.concat(parts, ignore_index=True)
    out["rate_per_1000"] = stats.rate_per_1000(out["count"], out["population"]).to_numpy()
    return out[cols]


def inside_vs_rest_change(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION
) -> pd.DataFrame:
    """The change test (latest 12 months against the 12 before, exact Poisson
    test, stats.poisson_change) inside the area and in the rest of the city:
    where, current, previous, ratio, ci_low, ci_high, p_value, significant,
    unreliable, pct_change, text (stats.describe_change). Empty without 24
    months of records."""
    w = crime_window(con)
    if w is None or not w["has_previous"]:
        return pd.DataFrame(
            columns=[
                "where",
                "current",
                "previous",
                "ratio",
                "ci_low",
                "ci_high",
                "p_value",
                "significant",
                "unreliable",
                "pct_change",
                "text",
            ]
        )
    cur = _sum_selection(window_counts(con), selection)
    prev = _sum_selection(window_counts(con, previous=True), selection)
    cs = set(codes)
    rows = []
    for label, mask in (("Inside the area", True), ("Rest of the city", False)):
        c = int(cur[cur.index.isin(cs) == mask].sum())
        p = int(prev[prev.index.isin(cs) == mask].sum())
        r = stats.poisson_change(c, p)
        rows.append(
            {
                "where": label,
                "current": c,
                "previous": p,
                "ratio": r.ratio,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "p_value": r.p_value,
                "significant": r.significant,
                "unreliable": r.unreliable,
                "pct_change": r.pct_change,
                "text": stats.describe_change(r),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["window"] = f"{window_label(w)} against {window_label(w, previous=True)}"
    return out


# ----------------------------------------------------------------- LSOAs inside, deprivation
def area_lsoa_ranking(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION
) -> pd.DataFrame:
    """The area's LSOAs ranked: code, name, ward_name, population, count
    (latest 12 months, of ``selection``), rate_per_1000, harm_per_1000 (all
    categories, harm-weighted), rate_rank and harm_rank (1 = highest in the
    area), imd_decile (IMD 2025). Sorted by harm rank."""
    counts = window_counts(con)
    lsoa = city_lsoas(con)
    lsoa = lsoa[lsoa["code"].isin(set(codes))].copy()
    sel = _sum_selection(counts, selection)
    harm = harm_per_lsoa(counts)
    lsoa["count"] = lsoa["code"].map(sel).fillna(0).astype("int64")
    lsoa["rate_per_1000"] = stats.rate_per_1000(lsoa["count"], lsoa["population"]).to_numpy()
    lsoa["harm_per_1000"] = stats.rate_per_1000(lsoa["code"].map(harm).fillna(0.0), lsoa["population"]).to_numpy()
    lsoa["rate_rank"] = lsoa["rate_per_1000"].rank(ascending=False, method="min").astype("Int64")
    lsoa["harm_rank"] = lsoa["harm_per_1000"].rank(ascending=False, method="min").astype("Int64")
    imd = con.execute("SELECT lsoa21_code AS code, imd_decile FROM imd2025").df()
    lsoa = lsoa.merge(imd, on="code", how="left")
    return lsoa.sort_values(["harm_rank", "rate_rank", "code"]).reset_index(drop=True)


IMD_DOMAINS_2025 = reference.DOMAINS["2025"]


def deprivation_profile(con: duckdb.DuckDBPyConnection, codes: tuple[str, ...]) -> pd.DataFrame:
    """IMD 2025 deciles of the area's LSOAs, per domain: domain, decile
    (1 = most deprived 10% in England), lsoas (how many of the area's LSOAs),
    population (their residents), share (% of the area's residents)."""
    imd = con.execute("SELECT * FROM imd2025").df().rename(columns={"lsoa21_code": "code"})
    pop = _population(con)
    imd = imd[imd["code"].isin(set(codes))]
    imd["population"] = imd["code"].map(pop)
    rows = []
    total = float(imd["population"].sum())
    for key, label in IMD_DOMAINS_2025.items():
        g = imd.groupby(f"{key}_decile").agg(lsoas=("code", "size"), population=("population", "sum"))
        for dec in range(1, 11):
            n = int(g["lsoas"].get(dec, 0)) if dec in g.index else 0
            p = float(g["population"].get(dec, 0.0)) if dec in g.index else 0.0
            rows.append(
                {
                    "domain": label,
                    "decile": dec,
                    "lsoas": n,
                    "population": p,
                    "share": 100.0 * p / total if total else np.nan,
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------- comparators
COMPARATOR_DOMAINS = ("income", "employment", "education", "health", "housing_and_services", "environment")


def similarity_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Features used to find similar LSOAs: the six IMD 2025 domain scores
    other than crime, and population (indexed by LSOA code). The crime
    domain and the overall IMD (which contains it) are left out on purpose:
    matching on crime would match on the very outcome being compared."""
    cols = ", ".join(f"i.{d}_score AS {d}" for d in COMPARATOR_DOMAINS)
    df = con.execute(
        f"SELECT l.lsoa21_code, {cols}, l.population FROM lsoa21 l JOIN imd2025 i USING (lsoa21_code) ORDER BY 1"
    ).df()
    return df.set_index("lsoa21_code").astype("float64")


def comparators(
    con: duckdb.DuckDBPyConnection, codes: tuple[str, ...], selection: str = DEFAULT_SELECTION, k: int = 5
) -> dict:
    """The area against its most similar LSOAs outside it.

    For every LSOA inside, its ``k`` nearest LSOAs outside the area
    (clustering.similar_areas on :func:`similarity_features`, standardised
    over the city); the comparators are the distinct LSOAs so found. Returns
    a dict: ``pairs`` (target, target_name, neighbour, neighbour_name,
    distance, rank), ``comparators`` (code, name, ward_name, population,
    count, rate_per_1000, times_chosen), ``inside`` / ``comparator`` (count,
    population, rate_per_1000 of ``selection`` in the latest 12 months),
    ``test`` (stats.poisson_change of the inside rate against the comparators'
    rate, population as exposure), ``verdict`` (plain English) and
    ``better`` (True = lower rate than comparators, significantly; False =
    higher, significantly; None = no clear difference or too few).
    """
    feats = similarity_features(con)
    codes = [c for c in codes if c in feats.index]
    lsoa = city_lsoas(con).set_index("code")
    pairs = clustering.similar_areas(feats, codes, k=k)
    pairs["target_name"] = pairs["target"].map(lsoa["name"])
    pairs["neighbour_name"] = pairs["neighbour"].map(lsoa["name"])
    pairs = pairs[["target", "target_name", "neighbour", "neighbour_name", "distance", "rank"]]
    sel = _sum_selection(window_counts(con), selection)
    comp_codes = list(dict.fromkeys(pairs["neighbour"]))
    comp = lsoa.loc[comp_codes, ["name", "ward_name", "population"]].reset_index()
    comp["count"] = comp["code"].map(sel).fillna(0).astype("int64")
    comp["rate_per_1000"] = stats.rate_per_1000(comp["count"], comp["population"]).to_numpy()
    comp["times_chosen"] = comp["code"].map(pairs["neighbour"].value_counts()).astype("int64")

    def block(cs):
        n = int(sel[sel.index.isin(set(cs))].sum())
        p = float(lsoa.loc[list(cs), "population"].sum()) if len(cs) else 0.0
        return {"count": n, "population": p, "rate_per_1000": stats.rate_per_1000(n, p)}

    inside, other = block(codes), block(comp_codes)
    test, verdict, better = None, "No comparators (the area covers the whole city?)", None
    if comp_codes and inside["population"] > 0 and other["population"] > 0:
        test = stats.poisson_change(inside["count"], other["count"], inside["population"], other["population"])
        ratio = test.ratio
        diff = "higher" if ratio > 1 else "lower"
        pct = abs(100 * (ratio - 1)) if np.isfinite(ratio) else float("nan")
        if test.unreliable:
            verdict = "Too few records to judge against similar places"
        elif test.significant:
            better = bool(ratio < 1)
            verdict = (
                f"{'Doing better than' if better else 'Doing worse than'} similar places: the rate "
                f"inside is {pct:.0f}% {diff} than in its {len(comp_codes)} comparator LSOAs "
                f"(95% confidence)"
            )
        else:
            verdict = (
                f"In line with similar places: the rate inside is {pct:.0f}% {diff} than in its "
                f"{len(comp_codes)} comparator LSOAs, within normal variation"
            )
    return {
        "pairs": pairs,
        "comparators": comp,
        "inside": inside,
        "comparator": other,
        "test": test,
        "verdict": verdict,
        "better": better,
        "selection": selection,
        "k": k,
        "window": window_label(crime_window(con)),
    }


# ----------------------------------------------------------------- indicators (clusters, priority, engagement)
GROUP_COLUMNS = {
    "crime_all": ALL_CRIME,
    "crime_violence": "Violence",
    "crime_neighbourhood": "Neighbourhood crime",
    "crime_asb": "Anti-social behaviour",
}

# column -> (label for people, nice name for cluster labels: "high <nice>")
INDICATORS: dict[str, tuple[str, str]] = {
    "crime_all": ("Recorded crime (excl. ASB) per 1,000, last 12 months", "crime"),
    "crime_violence": ("Violence per 1,000, last 12 months", "violence"),
    "crime_neighbourhood": ("Neighbourhood crime per 1,000, last 12 months", "neighbourhood crime"),
    "crime_asb": ("Anti-social behaviour per 1,000, last 12 months", "anti-social behaviour"),
    "harm": ("Harm-weighted crime per 1,000, last 12 months", "harm"),
    "iod_violence_with_injury": ("IoD2025: violence with injury per 1,000", "violence with injury (IoD)"),
    "iod_violence_without_injury": ("IoD2025: violence without injury per 1,000", "violence without injury (IoD)"),
    "iod_stalking_and_harassment": ("IoD2025: stalking and harassment per 1,000", "stalking and harassment (IoD)"),
    "iod_burglary": ("IoD2025: burglary per 1,000 properties", "burglary (IoD)"),
    "iod_theft": ("IoD2025: theft per 1,000", "theft (IoD)"),
    "iod_criminal_damage": ("IoD2025: criminal damage per 1,000", "criminal damage (IoD)"),
    "iod_public_order": ("IoD2025: public order and weapons per 1,000", "public order (IoD)"),
    "iod_asb": ("IoD2025: anti-social behaviour per 1,000", "anti-social behaviour (IoD)"),
    "imd_imd": ("IMD 2025 score", "deprivation"),
    "imd_income": ("IMD 2025 income score", "income deprivation"),
    "imd_employment": ("IMD 2025 employment score", "employment deprivation"),
    "imd_education": ("IMD 2025 education, skills and training score", "education deprivation"),
    "imd_health": ("IMD 2025 health deprivation and disability score", "health deprivation"),
    "imd_crime": ("IMD 2025 crime score", "crime deprivation"),
    "imd_housing_and_services": ("IMD 2025 barriers to housing and services score", "barriers to housing"),
    "imd_environment": ("IMD 2025 living environment score", "living environment deprivation"),
    "engagement": ("Meeting attendees per 1,000 residents, last 12 months (ward)", "engagement"),
}
_IOD_COLUMNS = {
    "iod_violence_with_injury": "violence_with_injury_rate_per_1_000_at_risk_population",
    "iod_violence_without_injury": "violence_without_injury_rate_per_1_000_at_risk_population",
    "iod_stalking_and_harassment": "stalking_and_harassment_rate_per_1_000_at_risk_population",
    "iod_burglary": "burglary_rate_per_1_000_at_risk_properties",
    "iod_theft": "theft_rate_per_1_000_at_risk_population",
    "iod_criminal_damage": "criminal_damage_rate_per_1_000_at_risk_population",
    "iod_public_order": "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",
    "iod_asb": "anti_social_behaviour_rate_per_1_000_at_risk_population",
}
CRIME_INDICATOR_COLUMNS = ("crime_all", "crime_violence", "crime_neighbourhood", "crime_asb", "harm")
DEFAULT_INDICATORS = ("crime_violence", "crime_neighbourhood", "crime_asb", "harm", "imd_imd", "engagement")
FALLBACK_INDICATORS = ("iod_violence_with_injury", "iod_theft", "iod_asb", "imd_imd")


def nice_names() -> dict[str, str]:
    return {k: v[1] for k, v in INDICATORS.items()}


def labels() -> dict[str, str]:
    return {k: v[0] for k, v in INDICATORS.items()}


def meeting_window(con: duckdb.DuckDBPyConnection) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The latest 12 months of meeting records: (first day, last day), or None."""
    r = con.execute("SELECT max(date) FROM engagement_meeting").fetchone()[0]
    if r is None:
        return None
    last = pd.Timestamp(r).to_period("M").end_time.normalize()
    start = (pd.Timestamp(r).to_period("M") - 11).start_time
    return start, last


def ward_engagement(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Meetings and attendees per ward in the latest 12 months of meeting
    records: ward_code, ward_name, population, meetings, attendees,
    attendees_per_1000 (0 for wards with none; NaN everywhere without
    meeting records)."""
    w = meeting_window(con)
    wards = con.execute("SELECT ward_code, ward_name, population FROM ward ORDER BY ward_code").df()
    if w is None:
        return wards.assign(meetings=np.nan, attendees=np.nan, attendees_per_1000=np.nan)
    m = con.execute(
        "SELECT ward_code, count(*) AS meetings, sum(attendees) AS attendees FROM engagement_meeting "
        "WHERE date BETWEEN ? AND ? GROUP BY 1",
        [w[0].date(), w[1].date()],
    ).df()
    out = wards.merge(m, on="ward_code", how="left")
    out["meetings"] = out["meetings"].fillna(0).astype("int64")
    out["attendees"] = out["attendees"].fillna(0).astype("int64")
    out["attendees_per_1000"] = stats.rate_per_1000(out["attendees"], out["population"]).to_numpy()
    out.attrs["window"] = f"{w[0]:%b %Y} to {w[1]:%b %Y}"
    return out


def _lsoa_base(con) -> pd.DataFrame:
    return (
        con.execute(
            "SELECT lsoa21_code AS code, lsoa21_name AS name, ward_code, ward_name, population FROM lsoa21 ORDER BY 1"
        )
        .df()
        .set_index("code")
    )


def indicators(con: duckdb.DuckDBPyConnection, level: str = "lsoa") -> pd.DataFrame:
    """Every indicator of :data:`INDICATORS` per LSOA (161 rows) or ward (20),
    indexed by code, with name, ward_name and population first, plus the
    counts behind the rates (``n_<column>``, ``harm_units``) and ``trend``
    (records excl. ASB in the latest 12 months / the 12 before; NaN without
    24 months or with none before).

    Crime rates: records per 1,000 residents (Census 2021) in the latest 12
    months loaded, by strategy grouping; harm: the sum of records x
    taxonomy.HARM_WEIGHTS per 1,000 residents; IoD2025 indicators and IMD 2025
    domain scores as published (wards: population-weighted means of their
    LSOAs); engagement: meeting attendees per 1,000 residents of the ward in
    the latest 12 months of meeting records, an LSOA taking its ward's rate
    (attendees shared among the ward's LSOAs in proportion to population).
    Crime and engagement columns are NaN when no such records are loaded.
    """
    base = _lsoa_base(con)
    counts = window_counts(con)
    prev = window_counts(con, previous=True)
    w = crime_window(con)
    have_crime = w is not None
    raw = pd.DataFrame(index=base.index)
    for col, sel in GROUP_COLUMNS.items():
        raw[f"n_{col}"] = _sum_selection(counts, sel).reindex(base.index).fillna(0.0) if have_crime else np.nan
    raw["harm_units"] = harm_per_lsoa(counts).reindex(base.index).fillna(0.0) if have_crime else np.nan
    raw["n_prev_all"] = (
        _sum_selection(prev, ALL_CRIME).reindex(base.index).fillna(0.0) if have_crime and w["has_previous"] else np.nan
    )
    iod = con.execute("SELECT * FROM imd2025_indicators").df().set_index("lsoa21_code")
    for col, src in _IOD_COLUMNS.items():
        raw[col] = iod[src].reindex(base.index)
    imd = con.execute("SELECT * FROM imd2025").df().set_index("lsoa21_code")
    for d in IMD_DOMAINS_2025:
        raw[f"imd_{d}"] = imd[f"{d}_score"].reindex(base.index)
    eng = ward_engagement(con).set_index("ward_code")
    raw["attendees"] = (
        base["ward_code"].map(eng["attendees"]) * base["population"] / base["ward_code"].map(eng["population"])
    )
    if level == "ward":
        wards = (
            con.execute("SELECT ward_code AS code, ward_name AS name, ward_name, population FROM ward ORDER BY 1")
            .df()
            .set_index("code")
        )
        raw["_pop"] = base["population"]
        g = raw.groupby(base["ward_code"])
        sums = g[[f"n_{c}" for c in GROUP_COLUMNS] + ["harm_units", "n_prev_all", "attendees"]].sum(min_count=1)
        wmean = [c for c in raw.columns if c.startswith(("iod_", "imd_"))]
        means = (
            raw[wmean]
            .mul(raw["_pop"], axis=0)
            .groupby(base["ward_code"])
            .sum(min_count=1)
            .div(raw["_pop"].groupby(base["ward_code"]).sum(), axis=0)
        )
        raw = pd.concat([sums, means], axis=1).reindex(wards.index)
        frame = wards[["name", "ward_name", "population"]].copy()
    else:
        frame = base[["name", "ward_name", "population"]].copy()
    pop = frame["population"].astype("float64")
    out = frame.copy()
    for col in GROUP_COLUMNS:
        out[col] = stats.rate_per_1000(raw[f"n_{col}"], pop).to_numpy()
    out["harm"] = stats.rate_per_1000(raw["harm_units"], pop).to_numpy()
    for col in [c for c in INDICATORS if c.startswith(("iod_", "imd_"))]:
        out[col] = raw[col].to_numpy()
    out["engagement"] = stats.rate_per_1000(raw["attendees"], pop).to_numpy()
    for col in GROUP_COLUMNS:
        out[f"n_{col}"] = raw[f"n_{col}"].to_numpy()
    out["harm_units"] = raw["harm_units"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        tr = raw["n_crime_all"].to_numpy(dtype=float) / raw["n_prev_all"].to_numpy(dtype=float)
    out["trend"] = np.where(np.isfinite(tr), tr, np.nan)
    out.index.name = "code"
    out.attrs["window"] = window_label(w)
    return out


def available_indicators(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Indicator columns that have data on this store (crime columns need
    crime records, engagement needs meeting records)."""
    have_crime = crime_window(con) is not None
    have_eng = meeting_window(con) is not None
    return [
        c for c in INDICATORS if (have_crime or c not in CRIME_INDICATOR_COLUMNS) and (have_eng or c != "engagement")
    ]


def default_indicators(con: duckdb.DuckDBPyConnection) -> list[str]:
    avail = set(available_indicators(con))
    chosen = [c for c in DEFAULT_INDICATORS if c in avail]
    if not any(c in avail for c in CRIME_INDICATOR_COLUMNS):
        chosen = [c for c in FALLBACK_INDICATORS if c in avail] + [c for c in chosen if c not in FALLBACK_INDICATORS]
    return chosen


# ----------------------------------------------------------------- clusters
def contiguity(con: duckdb.DuckDBPyConnection, level: str = "lsoa"):
    """Queen contiguity of the full (analysis) shapes as a sparse matrix in
    code order, with its description (geo.hotspots.contiguity_weights,
    which falls back to fuzzy contiguity on these generalised shapes)."""
    from geo import boundaries as gb
    from geo import hotspots

    if level == "ward":
        df = con.execute("SELECT ward_code AS code, geom FROM ward ORDER BY 1").df()
    else:
        df = con.execute("SELECT lsoa21_code AS code, geom FROM lsoa21 ORDER BY 1").df()
    g = gb.from_frame(df)
    w, desc = hotspots.contiguity_weights(g)
    m = w.sparse.tocsr()
    return list(g["code"]), m, desc


def silhouettes(con: duckdb.DuckDBPyConnection, level: str, columns: tuple[str, ...], method: str) -> pd.DataFrame:
    """clustering.silhouette_by_k (k = 2..10) on the chosen indicators."""
    z = clustering.standardise(indicators(con, level)[list(columns)])
    w = _weights_for(con, level, z.index) if method == "ward_contiguous" else None
    return clustering.silhouette_by_k(z, method=method, w=w)


def _weights_for(con, level, index):
    codes, m, _ = contiguity(con, level)
    pos = {c: i for i, c in enumerate(codes)}
    order = np.array([pos[c] for c in index])
    return m[order][:, order]


def cluster_analysis(
    con: duckdb.DuckDBPyConnection, level: str, columns: tuple[str, ...], method: str, k: int, seed: int = 0
) -> dict:
    """Clusters of the areas on the chosen indicators: z (standardised
    indicators), labels (1..k), stability (mean adjusted Rand index over 20
    resamples), profile (mean z per cluster), names (plain-language label per
    cluster), sizes."""
    ind = indicators(con, level)
    z = clustering.standardise(ind[list(columns)])
    w = _weights_for(con, level, z.index) if method == "ward_contiguous" else None
    labels_ = clustering.cluster(z, k, method=method, seed=seed, w=w)
    stab = clustering.stability(z, k, method=method, seed=seed, w=w)
    prof = clustering.profiles(z, labels_)
    names = clustering.describe_clusters(prof, nice_names())
    return {
        "z": z,
        "labels": labels_,
        "stability": stab,
        "profile": prof,
        "names": names,
        "sizes": clustering.cluster_sizes(labels_),
    }


def stability_reading(ari: float) -> str:
    """Plain-language reading of the adjusted Rand index of the stability check."""
    if not np.isfinite(ari):
        return "could not be measured"
    if ari >= 0.9:
        return "very stable: the same clusters come back almost every time"
    if ari >= 0.75:
        return "stable: the clusters are broadly the same when the data are resampled"
    if ari >= 0.5:
        return "moderately stable: the broad pattern holds but areas near the edges of clusters move"
    return "unstable: treat these clusters as a rough sketch, not a firm grouping"


# ----------------------------------------------------------------- priority
def priority_components(con: duckdb.DuckDBPyConnection, level: str = "lsoa") -> pd.DataFrame:
    """The four components of priority.priority_scores per area: harm (per
    1,000), deprivation (IMD 2025 score), engagement (attendees per 1,000) and
    trend (latest 12 months / the 12 before), with name and ward_name."""
    ind = indicators(con, level)
    return pd.DataFrame(
        {
            "name": ind["name"],
            "ward_name": ind["ward_name"],
            "population": ind["population"],
            "harm": ind["harm"],
            "deprivation": ind["imd_imd"],
            "engagement": ind["engagement"],
            "trend": ind["trend"],
        },
        index=ind.index,
    )


def priority_list(
    con: duckdb.DuckDBPyConnection, level: str = "lsoa", weights: tuple[tuple[str, float], ...] | None = None
) -> pd.DataFrame:
    """priority.priority_scores on :func:`priority_components` with the given
    weights (a tuple of (component, weight) pairs, for caching; default
    priority.DEFAULT_WEIGHTS): rank, name, ward, score, reason, the
    components and their percentiles. Same inputs, same list."""
    comp = priority_components(con, level)
    w = dict(weights) if weights else dict(priority.DEFAULT_WEIGHTS)
    scores = priority.priority_scores(comp[["harm", "deprivation", "engagement", "trend"]], w)
    out = scores.join(comp)
    out.index.name = "code"
    first = ["rank", "name", "ward_name", "score", "reason", "harm", "deprivation", "engagement", "trend"]
    return out[first + [c for c in out.columns if c not in first]]


# ----------------------------------------------------------------- engagement against harm, representativeness
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
