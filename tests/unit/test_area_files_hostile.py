"""Hostile Impact Area files (issue 11) and the authorisation and audit of
every Impact Area change (swp_data.places.impact_areas, area_files, demo_areas)."""

from __future__ import annotations

import json
import math

import duckdb
import pytest
import shapely
from shapely.geometry import mapping

from swp_data import access
from swp_data.access import Actor, NotAuthorised
from swp_data.demo import areas as demo_areas
from swp_data.errors import InputError
from swp_data.places import area_files, impact_areas
from swp_data.store import audit

from .area_helpers import ro, snapshot

CENTRE = (-2.128, 52.586)  # City Centre (docs/architecture.md)


def feature(geom, props=None) -> dict:
    return {"type": "Feature", "properties": props or {}, "geometry": geom if isinstance(geom, dict) else mapping(geom)}


def write(path, doc) -> object:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def collection(*feats) -> dict:
    return {"type": "FeatureCollection", "features": list(feats)}


def star(n: int, r: float = 0.01) -> shapely.Polygon:
    """A self-intersecting {n/m} star polygon around the city centre: every
    edge crosses most others (the worst case for make_valid)."""
    m = n // 2 - 1
    lon, lat = CENTRE
    pts = [(lon + r * math.cos(2 * math.pi * k * m / n), lat + r * math.sin(2 * math.pi * k * m / n)) for k in range(n)]
    return shapely.Polygon(pts)


def imp(store_path, p):
    return impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)


# --------------------------------------------------------------------------- geometry
def test_star_polygon_is_refused_within_the_repair_bound_not_repaired_for_minutes(store_path, tmp_path, monkeypatch):
    """A 10 KB self-intersecting 500-point star took ~100 s and GBs with
    make_valid's default method; now the repair runs in a bounded child
    process and the file is refused with one line."""
    monkeypatch.setattr(area_files, "REPAIR_SECONDS", 2.0)
    p = write(tmp_path / "star.geojson", collection(feature(star(500))))
    assert p.stat().st_size < 30_000
    before = snapshot(store_path, audit=True)
    with pytest.raises(InputError) as e:
        imp(store_path, p)
    msg = str(e.value)
    assert "star.geojson: feature 1: the polygon is not valid (Self-intersection" in msg
    assert "cannot be repaired within 2 seconds and 512 MB; repair it in your GIS" in msg and "\n" not in msg
    assert snapshot(store_path, audit=True) == before


def test_repair_child_is_bounded_in_memory():
    """With a tiny memory bound the child fails and the caller gets None (a
    refusal), never an exception or a parent that grows."""
    assert area_files.repair_polygons([star(200)], seconds=10, memory=64 * 1024 * 1024) is None


def test_an_ordinary_invalid_polygon_is_still_repaired(store_path, tmp_path):
    """A bow-tie (two triangles meeting at a point, drawn as one ring) over the
    city centre is repaired with method="structure" and imported."""
    lon, lat = CENTRE
    d = 0.015
    bow = shapely.Polygon([(lon - d, lat - d), (lon + d, lat + d), (lon + d, lat - d), (lon - d, lat + d)])
    assert not bow.is_valid
    p = write(tmp_path / "bow.geojson", collection(feature(bow)))
    rep = imp(store_path, p)
    assert rep.areas[0]["name"] == "bow" and rep.areas[0]["n_lsoa"] >= 1
    fixed = area_files.read_geojson(p)[0][2]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2


def test_points_per_geometry_total_and_features_are_capped(store_path, tmp_path, monkeypatch):
    lon, lat = CENTRE
    ring = [
        (lon + 0.01 * math.cos(2 * math.pi * k / 20_001), lat + 0.01 * math.sin(2 * math.pi * k / 20_001))
        for k in range(20_001)
    ]
    big = write(tmp_path / "big.geojson", collection(feature(shapely.Polygon(ring))))
    with pytest.raises(InputError, match=r"big.geojson: feature 1: the geometry has 20,002 points; at most 20,000"):
        imp(store_path, big)
    box = mapping(shapely.box(lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005))
    many = write(tmp_path / "many.geojson", collection(*[feature(box)] * 1_001))
    with pytest.raises(InputError, match=r"many.geojson: the file has 1,001 features; .* at most 1,000$"):
        imp(store_path, many)
    monkeypatch.setattr(area_files, "MAX_TOTAL_POINTS", 12)
    three = write(tmp_path / "three.geojson", collection(*[feature(box)] * 3))
    with pytest.raises(InputError, match=r"three.geojson: feature 3: the file has more than 12 points"):
        imp(store_path, three)


def test_deeply_nested_json_and_non_numbers_are_one_line_refusals(store_path, tmp_path):
    deep = write(
        tmp_path / "deep.geojson", '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    with pytest.raises(InputError, match=r"deep.geojson: the JSON is nested too deeply"):
        imp(store_path, deep)
    coll = {"type": "Point", "coordinates": list(CENTRE)}
    for _ in range(5):
        coll = {"type": "GeometryCollection", "geometries": [coll]}
    nested = write(tmp_path / "nested.geojson", collection(feature(coll)))
    with pytest.raises(InputError, match=r"nested.geojson: feature 1: GeometryCollections nested more than 2 deep"):
        imp(store_path, nested)
    nan = write(tmp_path / "nan.geojson", '{"type": "Polygon", "coordinates": [[[NaN, 1], [2, 3], [4, 5], [NaN, 1]]]}')
    with pytest.raises(InputError, match=r"nan.geojson: not valid JSON \(NaN is not a number GeoJSON allows\)"):
        imp(store_path, nan)


def test_geos_errors_become_one_line_refusals(store_path, tmp_path, monkeypatch):
    lon, lat = CENTRE
    p = write(tmp_path / "ok.geojson", collection(feature(shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))))

    def boom(*a, **k):
        raise shapely.errors.GEOSException("TopologyException: side location conflict at 1 2")

    monkeypatch.setattr(area_files, "assign_lsoas", boom)
    with pytest.raises(InputError, match=r"ok.geojson: the polygons cannot be processed \(TopologyException"):
        imp(store_path, p)


# --------------------------------------------------------------------------- authorisation and audit
def audit_rows(path):
    con = ro(path)
    try:
        return audit.entries(con)
    finally:
        con.close()


def test_every_impact_area_change_is_audited_with_the_os_user(store_path, tmp_path):
    me = access.os_actor().who
    aid = impact_areas.in_transaction(
        impact_areas.save_area, "North", ["E01010410", "E01010411"], source="list", path=store_path
    )
    impact_areas.in_transaction(impact_areas.rename_area, aid, "North East", path=store_path)
    p = tmp_path / "areas.csv"
    p.write_text("lsoa21_code,area\nE01010420,West\nE01010421,West\n")
    impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
    impact_areas.in_transaction(impact_areas.delete_area, aid, path=store_path)
    impact_areas.in_transaction(demo_areas.add_demo_impact_areas, path=store_path)
    rows = audit_rows(store_path).iloc[::-1].reset_index(drop=True)
    assert list(rows["action"]) == ["impact_area"] * 5
    assert set(rows["who"]) == {me} and set(rows["via"]) == {"os"}
    assert list(rows["detail"][:4]) == [
        "saved Impact Area 'North' (2 LSOAs)",
        "renamed Impact Area 'North' to 'North East'",
        "imported areas.csv: 'West' (2 LSOAs)",
        "deleted Impact Area 'North East' (2 LSOAs)",
    ]
    assert rows["dataset_id"][0] == f"impact_area:{aid}" and rows["rows"][0] == 2
    assert rows["fingerprint"][2] and len(rows["fingerprint"][2]) == 64
    assert rows["detail"][4].startswith("loaded the six demo priority areas")
    assert rows["dataset_id"][4].count("demo:impact_area:demo-") == 6


def test_a_viewer_can_change_no_impact_area(store_path, tmp_path):
    aid = impact_areas.in_transaction(impact_areas.save_area, "Mine", ["E01010410"], source="list", path=store_path)
    p = tmp_path / "areas.csv"
    p.write_text("lsoa21_code\nE01010420\n")
    before = snapshot(store_path, audit=True)
    viewer = Actor("v@x.gov.uk", "viewer", "oidc")
    attempts = {
        "save": lambda con: impact_areas.save_area(con, "New", ["E01010411"], source="list"),
        "rename": lambda con: impact_areas.rename_area(con, aid, "Other"),
        "delete": lambda con: impact_areas.delete_area(con, aid),
        "import": lambda con: area_files.import_area_file(con, p),
        "demo": lambda con: demo_areas.add_demo_impact_areas(con),
    }
    for what, fn in attempts.items():
        with access.acting_as(viewer), pytest.raises(NotAuthorised, match="v@x.gov.uk is signed in as viewer"):
            # The functions refuse by themselves (a caller's own connection,
            # not only store.transaction, which refuses too).
            con = duckdb.connect(str(store_path))
            try:
                con.execute("BEGIN TRANSACTION")
                fn(con)
            finally:
                con.execute("ROLLBACK")
                con.close()
        assert snapshot(store_path, audit=True) == before, what


def test_an_oversized_file_is_refused_before_it_is_read(store_path, tmp_path):
    """A 200 MB file (sparse: no disk used) is refused from its size, not
    read into memory first."""
    import tracemalloc

    p = tmp_path / "huge.geojson"
    with open(p, "wb") as f:
        f.truncate(200_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(
            InputError, match=r"huge.geojson: the file is 200.0 MB; an Impact Area file is at most 10 MB"
        ):
            imp(store_path, p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    with pytest.raises(InputError, match="at most 10 MB"):
        area_files.check_size("upload.geojson", 11 * 1024 * 1024)


def test_a_csv_field_over_the_csv_limit_is_a_one_line_refusal(store_path, tmp_path):
    p = tmp_path / "wide.csv"
    p.write_text("lsoa21_code,area\nE01010410," + "x" * 200_000 + "\n")
    with pytest.raises(InputError, match=r"wide.csv: malformed CSV \(field larger than field limit"):
        imp(store_path, p)
