"""Impact Areas from files: a CSV of LSOA codes or a GeoJSON of polygons.

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
transaction (:func:`~swp_data.places.impact_areas.in_transaction`) leaves the store
unchanged on failure; re-importing a file replaces the area(s) of the same
name (idempotent); codes and polygons outside the city are refused.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from geo.boundaries import BNG, WGS84
from swp_data import access, store
from swp_data.errors import InputError
from swp_data.places.impact_areas import (
    NAME_MAX,
    city_codes,
    clean_area_name,
    dataset_id_of,
    find_area,
    unique_codes,
    write_area,
)
from swp_data.sources.tables import clean_text, file_hash
from swp_data.sources.validate import check_not_truncated, read_text
from swp_data.store import audit

ASSIGN_THRESHOLD = 0.5  # share of an LSOA's (estimated) population inside
MAX_FILE_BYTES = 10 * 1024 * 1024

# Limits on untrusted GeoJSON (docs/import_formats.md, "Limits, and why"). An Impact Area
# is a few polygons of at most a few thousand points; the city's 785 Output
# Areas together have 13,439 points in the bundle.
MAX_FEATURES = 1_000  # features per file
MAX_POINTS_PER_GEOMETRY = 20_000  # points (coordinate pairs) of one feature's geometry
MAX_TOTAL_POINTS = 200_000  # points in the whole file
MAX_COLLECTION_DEPTH = 2  # GeometryCollections inside GeometryCollections
# Repairing an invalid polygon runs in a child process with these bounds: a
# self-intersecting "star" of 500 points takes minutes and gigabytes with
# make_valid's default method, and still seconds with method="structure".
REPAIR_SECONDS = 5.0
REPAIR_MEMORY_BYTES = 512 * 1024 * 1024
LSOA_CODE = re.compile(r"^E01\d{6}$")

# CSV header names accepted for the LSOA code and the (optional) area name.
CODE_COLUMNS = ("lsoa21_code", "lsoa21cd", "lsoa_code", "lsoa code", "lsoa", "lsoa11cd", "lsoa11_code", "code")
AREA_COLUMNS = ("area", "area_name", "impact_area", "impact area", "name")
# GeoJSON feature properties that can name an area.
NAME_PROPERTIES = ("name", "Name", "NAME", "area", "Area", "area_name", "impact_area")


def _lsoa11_children(con) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for l11, l21 in con.execute("SELECT lsoa11_code, lsoa21_code FROM lsoa_crosswalk ORDER BY 1, 2").fetchall():
        out.setdefault(l11, []).append(l21)
    return out


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
    try:
        rows = [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text, newline="")), 1) if any(c.strip() for c in r)]
    except csv.Error as e:
        raise InputError(path, f"malformed CSV ({_one_line(e)})") from None
    if not rows:
        raise InputError(path, "the file is empty")
    first_n, first = rows[0]
    header = [clean_text(c).lower() for c in first]
    if first and LSOA_CODE.match(clean_text(first[0]).upper()):
        code_i, area_i, body = 0, None, rows  # bare codes, no header
    else:
        found_i = next((header.index(c) for c in CODE_COLUMNS if c in header), None)
        if found_i is None:
            shown = ", ".join(repr(c) for c in first[:6]) or "nothing"
            raise InputError(
                path,
                f"no LSOA code column in the header ({shown}): name a column lsoa21_code "
                "(or LSOA21CD, lsoa_code, lsoa, code), one LSOA 2021 code a row; an optional "
                "area column names the area(s)",
                row=first_n,
            )
        code_i, area_i = found_i, next((header.index(c) for c in AREA_COLUMNS if c in header), None)
        body = rows[1:]
    if not body:
        raise InputError(path, "the file has a header but no LSOA codes", row=first_n + 1)
    city = city_codes(con)
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
    return {k: list(unique_codes(v)) for k, v in out.items()}, warnings


# ----------------------------------------------------------------- GeoJSON of polygons
def check_size(path: str | Path, size: int, what: str = "an Impact Area file") -> None:
    """InputError when a file of ``size`` bytes is over :data:`MAX_FILE_BYTES`
    (call it before reading an upload into memory)."""
    if size > MAX_FILE_BYTES:
        raise InputError(
            Path(path), f"the file is {size / 1e6:.1f} MB; {what} is at most {MAX_FILE_BYTES // 1_000_000} MB"
        )


def _file_bytes(path: Path, what: str = "an Impact Area file") -> bytes:
    if not path.exists():
        raise InputError(path, "file not found")
    check_size(path, path.stat().st_size, what)
    return path.read_bytes()


def _read_small(path: Path, data: bytes | None, what: str) -> str:
    """The text of an uploaded or named file of at most MAX_FILE_BYTES."""
    if data is None:
        data = _file_bytes(path, what)
    check_size(path, len(data), what)
    return read_text(path, data)


def read_geojson(path: str | Path, data: bytes | None = None) -> list[tuple[int, str | None, Any]]:
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
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise InputError(path, "the JSON is nested too deeply to be a GeoJSON of polygons") from None
    except ValueError as e:  # NaN or Infinity (see _no_constant)
        raise InputError(path, f"not valid JSON ({e})") from None
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
    if len(feats) > MAX_FEATURES:
        raise InputError(
            path, f"the file has {len(feats):,} features; an Impact Area file holds at most {MAX_FEATURES:,}"
        )
    bng = _declares_bng(doc)
    found = []
    total = 0
    for i, f in enumerate(feats, start=1):
        where = f"feature {i}"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputError(path, f"{where}: not a GeoJSON Feature")
        g = f.get("geometry")
        if not g:
            raise InputError(path, f"{where}: has no geometry")
        gtype = g.get("type") if isinstance(g, dict) else None
        n = _count_points(path, where, g)
        if n > MAX_POINTS_PER_GEOMETRY:
            raise InputError(
                path,
                f"{where}: the geometry has {n:,} points; at most {MAX_POINTS_PER_GEOMETRY:,} are accepted "
                "(simplify it in your GIS first)",
            )
        total += n
        if total > MAX_TOTAL_POINTS:
            raise InputError(
                path,
                f"{where}: the file has more than {MAX_TOTAL_POINTS:,} points; simplify the polygons in your GIS first",
            )
        try:
            geom = shape(g)
        except Exception as e:  # shapely's errors vary by problem
            raise InputError(path, f"{where}: the geometry is not valid GeoJSON ({_one_line(e)})") from None
        polys = _polygons(geom)
        if polys is None:
            raise InputError(path, f"{where}: a {gtype}, not a polygon: an Impact Area file holds polygons")
        if polys.is_empty:
            raise InputError(path, f"{where}: the polygon is empty")
        minx, miny, maxx, maxy = polys.bounds
        if bng:
            polys = gpd.GeoSeries([polys], crs=BNG).to_crs(WGS84).iloc[0]
        elif not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InputError(
                path,
                f"{where}: the coordinates are not longitude/latitude (WGS84, as "
                "GeoJSON requires); save the file as GeoJSON in EPSG:4326",
            )
        props = f.get("properties") or {}
        name = next((props[k] for k in NAME_PROPERTIES if isinstance(props, dict) and props.get(k)), None)
        found.append((i, clean_text(str(name)) if name is not None else None, polys))
    return _repaired(path, found)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number GeoJSON allows")


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:200]


def _count_points(path: Path, where: str, g: object, depth: int = 0) -> int:
    """The number of positions in a GeoJSON geometry object, checking its
    nesting without recursing into coordinates (hostile files may nest
    arrays thousands deep). Malformed coordinates are left to shapely."""
    if not isinstance(g, dict):
        raise InputError(path, f"{where}: the geometry is not a GeoJSON object")
    if g.get("type") == "GeometryCollection":
        if depth >= MAX_COLLECTION_DEPTH:
            raise InputError(path, f"{where}: GeometryCollections nested more than {MAX_COLLECTION_DEPTH} deep")
        parts = g.get("geometries")
        if not isinstance(parts, list):
            raise InputError(path, f'{where}: the GeometryCollection has no "geometries" list')
        return sum(_count_points(path, where, p, depth + 1) for p in parts)
    levels = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
    level = levels.get(str(g.get("type")))
    if level is None:
        return 0  # shape() refuses an unknown type with its own message
    items = [g.get("coordinates")]
    for _ in range(level - 1):
        items = [x for it in items if isinstance(it, list) for x in it]
    return sum(len(it) for it in items if isinstance(it, list)) if level else 1


# The child that repairs invalid polygons: reads length-prefixed WKB, writes
# length-prefixed WKB, under an address-space limit and at a lower CPU priority; the
# parent kills it after REPAIR_SECONDS. It imports nothing of this project.
_REPAIR_CHILD = """
import os, resource, struct, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.nice(10)  # other visitors' pages go first
import shapely
data = sys.stdin.buffer.read()
out, pos = [], 0
while pos < len(data):
    (n,) = struct.unpack_from("<I", data, pos)
    out.append(shapely.from_wkb(data[pos + 4 : pos + 4 + n]))
    pos += 4 + n
fixed = shapely.make_valid(out, method="structure", keep_collapsed=False)
for g in shapely.to_wkb(fixed):
    sys.stdout.buffer.write(struct.pack("<I", len(g)) + g)
"""


def repair_polygons(geoms: list, seconds: float | None = None, memory: int | None = None) -> list | None:
    """``shapely.make_valid(method="structure")`` of each geometry, computed in
    a child process bounded to ``seconds`` (default :data:`REPAIR_SECONDS`)
    and ``memory`` bytes (:data:`REPAIR_MEMORY_BYTES`); None when it does not
    finish within them (the caller refuses the file)."""
    seconds = REPAIR_SECONDS if seconds is None else seconds
    memory = REPAIR_MEMORY_BYTES if memory is None else memory
    payload = b"".join(struct.pack("<I", len(w)) + w for w in shapely.to_wkb(np.asarray(geoms, dtype=object)))
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _REPAIR_CHILD, str(int(memory))],
            input=payload,
            capture_output=True,
            timeout=seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    out, data, pos = [], done.stdout, 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        out.append(shapely.from_wkb(data[pos + 4 : pos + 4 + n]))
        pos += 4 + n
    return out if len(out) == len(geoms) else None


def _repaired(path: Path, found: list[tuple[int, str | None, Any]]) -> list[tuple[int, str | None, Any]]:
    """The features with invalid polygons repaired (all in one bounded child
    process), or an InputError naming the first that cannot be repaired."""
    bad = [k for k, (_, _, g) in enumerate(found) if not g.is_valid]
    if not bad:
        return found
    fixed = repair_polygons([found[k][2] for k in bad])
    first = found[bad[0]][0]
    if fixed is None:
        why = shapely.is_valid_reason(found[bad[0]][2])
        raise InputError(
            path,
            f"feature {first}: the polygon is not valid ({why}) and cannot be repaired within "
            f"{REPAIR_SECONDS:.0f} seconds and {REPAIR_MEMORY_BYTES // 2**20} MB; repair it in your GIS "
            "(e.g. QGIS: Fix geometries) and import again",
        )
    out = list(found)
    for k, g in zip(bad, fixed, strict=True):
        polys = _polygons(g)
        if polys is None or polys.is_empty:
            raise InputError(path, f"feature {found[k][0]}: the polygon is not valid and cannot be repaired")
        out[k] = (found[k][0], found[k][1], polys)
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
    union = shapely.union_all(gpd.GeoSeries(list(geoms), crs=WGS84).to_crs(BNG).to_numpy())
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
@dataclass
class AreaPlan:
    """What an Impact Area file holds, checked and ready to write
    (:func:`read_area_file`); nothing written yet."""

    path: Path
    groups: dict[str, list[str]]
    report: AreaImport
    file_hash: str


def read_area_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    data: bytes | None = None,
    *,
    name: str | None = None,
    features: list | None = None,
) -> AreaPlan:
    """Read and check a CSV of LSOA codes or a GeoJSON of polygons; reads the
    store only, so it can run on a read connection before the write lock is
    taken. One area per file, named ``name`` (else the file's name without
    its extension), unless the file names several areas (CSV ``area``
    column, GeoJSON ``name`` property) and no ``name`` is given: then one
    area per name. ``features``: the file's :func:`read_geojson`, if already
    read."""
    path = Path(path)
    if data is None:
        data = _file_bytes(path)
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
        feats = features if features is not None else read_geojson(path, data)
        try:
            report.assignment = _assign_features(con, path, feats, default, name, groups)
        except shapely.errors.GEOSException as e:
            raise InputError(path, f"the polygons cannot be processed ({_one_line(e)})") from None
    else:
        raise InputError(
            path,
            f"an Impact Area file is a CSV of LSOA codes (.csv) or a GeoJSON of "
            f"polygons (.geojson or .json), not {suffix or 'a file without extension'}",
        )
    return AreaPlan(path=path, groups=groups, report=report, file_hash=file_hash(data))


def _assign_features(con, path: Path, feats, default: str, name: str | None, groups: dict) -> pd.DataFrame:
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
    return pd.concat(parts, ignore_index=True)


def prepare_area_file(
    path: str | Path, data: bytes | None = None, *, name: str | None = None, store_path: Path | None = None
) -> AreaPlan:
    """:func:`read_area_file` for a page: the polygons are parsed and repaired
    before the store is opened, then the store is only read, so no lock is
    held by a parse and the write lock not at all; write the plan with
    :func:`write_area_file` in a transaction."""
    path = Path(path)
    if data is None:
        data = _file_bytes(path)
    feats = read_geojson(path, data) if path.suffix.lower() in (".geojson", ".json") else None
    with store.reading(store_path) as con:
        return read_area_file(con, path, data, name=name, features=feats)


def write_area_file(con: duckdb.DuckDBPyConnection, plan: AreaPlan, *, is_demo: bool = False) -> AreaImport:
    """Write the areas of a checked file (:func:`read_area_file`) in the
    caller's transaction: an area of the same name is replaced (re-importing
    is idempotent). Analysts only; one audit row for the file."""
    access.require_analyst("importing an Impact Area file")
    path, report = plan.path, plan.report
    report.areas = []
    for k, codes in plan.groups.items():
        replaced = find_area(con, k) is not None
        aid = write_area(
            con,
            k,
            codes,
            source=path.name,
            is_demo=is_demo,
            replace=True,
            file=path,
            hash_=plan.file_hash,
            note=f"Imported from {path.name}",
        )
        report.areas.append({"area_id": aid, "name": k, "n_lsoa": len(set(codes)), "replaced": replaced})
    audit.record(
        con,
        "impact_area",
        dataset_id=",".join(dataset_id_of(a["area_id"]) for a in report.areas),
        rows=sum(a["n_lsoa"] for a in report.areas),
        fingerprint=plan.file_hash,
        detail=f"imported {path.name}: " + "; ".join(f"{a['name']!r} ({a['n_lsoa']} LSOAs)" for a in report.areas),
    )
    return report


def import_area_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    data: bytes | None = None,
    *,
    name: str | None = None,
    is_demo: bool = False,
) -> AreaImport:
    """Import a CSV of LSOA codes or a GeoJSON of polygons as Impact Area(s),
    in the caller's transaction (use :func:`~swp_data.places.impact_areas.in_transaction`):
    :func:`read_area_file` then :func:`write_area_file`. Everything is
    checked before anything is written."""
    access.require_analyst("importing an Impact Area file")
    return write_area_file(con, read_area_file(con, path, data, name=name), is_demo=is_demo)
