"""Impact Areas and place indicators (swp_data.places.impact_areas, area_files, demo_areas, area_compare,
indicators, place_clusters, engagement_analysis) on real bundle data,
with hand-made crime records where counts must be known exactly."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import mapping

from swp_data import taxonomy
from swp_data.analysis import crime_window
from swp_data.demo import areas as demo_areas
from swp_data.errors import InputError
from swp_data.places import (
    area_compare,
    area_files,
    clustering,
    engagement_analysis,
    impact_areas,
    indicators,
    place_clusters,
)

from .area_helpers import ro, snapshot


@pytest.fixture
def lsoa(store_path):
    con = ro(store_path)
    try:
        return area_files.lsoa_shapes(con)
    finally:
        con.close()


def write_geojson(path, geoms, props=None, crs=None):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": (props[i] if props else {}),
                "geometry": g if isinstance(g, dict) else mapping(g),
            }
            for i, g in enumerate(geoms)
        ],
    }
    if crs:
        doc["crs"] = crs
    path.write_text(json.dumps(doc))
    return path


# --------------------------------------------------------------------------- from a list
def test_area_from_lsoa_list(store_path):
    con = ro(store_path)
    pop = con.execute("SELECT lsoa21_code, population FROM lsoa21 ORDER BY 1 LIMIT 3").df()
    city = con.execute("SELECT sum(population) FROM lsoa21").fetchone()[0]
    con.close()
    codes = list(pop["lsoa21_code"])
    aid = impact_areas.in_transaction(
        impact_areas.save_area,
        "Test area",
        [codes[2], codes[0].lower(), codes[1], codes[0]],
        source="list",
        path=store_path,
    )
    con = ro(store_path)
    areas = impact_areas.list_areas(con)
    assert list(areas["name"]) == ["Test area"]
    row = areas.iloc[0]
    assert row["area_id"] == aid and row["source"] == "list"
    assert not row["approximate"] and not row["is_demo"]
    assert row["n_lsoa"] == 3
    assert row["population"] == pop["population"].sum()
    assert row["population_share"] == pytest.approx(100 * pop["population"].sum() / city)
    assert impact_areas.area_codes(con, aid) == sorted(codes)
    ds = con.execute(
        "SELECT kind, is_demo, row_count FROM dataset WHERE dataset_id = ?", [f"impact_area:{aid}"]
    ).fetchone()
    assert ds == ("impact_area", False, 3)


def test_save_rejects_codes_outside_the_city_and_empty_areas(store_path):
    before = snapshot(store_path)
    with pytest.raises(InputError, match="E01000001 is not one of Wolverhampton's 161 LSOAs"):
        impact_areas.in_transaction(
            impact_areas.save_area, "Outside", ["E01010410", "E01000001"], source="list", path=store_path
        )
    with pytest.raises(InputError, match="no LSOAs"):
        impact_areas.in_transaction(impact_areas.save_area, "Empty", [], source="list", path=store_path)
    with pytest.raises(InputError, match="needs a name"):
        impact_areas.in_transaction(impact_areas.save_area, " \t", ["E01010410"], source="list", path=store_path)
    assert snapshot(store_path) == before


def test_hostile_name_is_stored_verbatim_and_names_are_unique(store_path):
    name = '<script>alert("x")</script> =SUM(A1) **bold** [a](javascript:1)'
    aid = impact_areas.in_transaction(impact_areas.save_area, name, ["E01010410"], source="list", path=store_path)
    con = ro(store_path)
    assert impact_areas.list_areas(con)["name"].tolist() == [name]
    con.close()
    with pytest.raises(InputError, match="already exists"):
        impact_areas.in_transaction(impact_areas.save_area, name, ["E01010411"], source="list", path=store_path)
    # replace keeps the id
    again = impact_areas.in_transaction(
        impact_areas.save_area, name, ["E01010411"], source="map selection", replace=True, path=store_path
    )
    assert again == aid
    con = ro(store_path)
    assert impact_areas.area_codes(con, aid) == ["E01010411"]


def test_rename_and_delete(store_path):
    a = impact_areas.in_transaction(impact_areas.save_area, "North", ["E01010410"], source="list", path=store_path)
    b = impact_areas.in_transaction(
        impact_areas.save_area, "South", ["E01010411", "E01010412"], source="list", path=store_path
    )
    with pytest.raises(InputError, match="already exists"):
        impact_areas.in_transaction(impact_areas.rename_area, a, "South", path=store_path)
    impact_areas.in_transaction(impact_areas.rename_area, a, "  North   East ", path=store_path)
    con = ro(store_path)
    assert sorted(impact_areas.list_areas(con)["name"]) == ["North East", "South"]
    assert (
        con.execute("SELECT name FROM dataset WHERE dataset_id = ?", [f"impact_area:{a}"]).fetchone()[0]
        == "Impact Area: North East"
    )
    con.close()
    assert impact_areas.in_transaction(impact_areas.delete_area, b, path=store_path) is True
    con = ro(store_path)
    assert impact_areas.list_areas(con)["area_id"].tolist() == [a]
    assert con.execute("SELECT count(*) FROM impact_area_lsoa WHERE area_id = ?", [b]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM dataset WHERE dataset_id = ?", [f"impact_area:{b}"]).fetchone()[0] == 0
    con.close()
    assert impact_areas.in_transaction(impact_areas.delete_area, b, path=store_path) is False


# --------------------------------------------------------------------------- from polygons
def test_polygon_equal_to_an_lsoa_shape_gives_exactly_that_lsoa(store_path, lsoa, tmp_path):
    code = "E01010450"
    geom = lsoa.set_index("code").geometry[code]
    p = write_geojson(tmp_path / "one.geojson", [geom])
    rep = impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
    assert [a["name"] for a in rep.areas] == ["one"]
    con = ro(store_path)
    assert impact_areas.area_codes(con, rep.areas[0]["area_id"]) == [code]
    a = rep.assignment.set_index("code")
    assert a.loc[code, "share_inside"] == pytest.approx(1.0, abs=1e-6)
    assert a.loc[code, "assigned"]
    assert (a.drop(index=code)["share_inside"] < 0.5).all()
    assert a.loc[code, "population_inside"] == pytest.approx(a.loc[code, "population"], rel=1e-6)


def test_polygon_covering_two_lsoas_gives_both(store_path, lsoa, tmp_path):
    shapes = lsoa.set_index("code").to_crs(27700).geometry
    a = "E01010450"
    touching = shapes[shapes.intersects(shapes[a].buffer(5)) & (shapes.index != a)]
    b = touching.index[0]
    both = shapely.union_all([shapes[a], shapes[b]]).buffer(1)  # close the slivers between them
    wgs = pd.Series([both]).pipe(lambda s: __import__("geopandas").GeoSeries(s, crs=27700).to_crs(4326).iloc[0])
    p = write_geojson(tmp_path / "two.geojson", [wgs], props=[{"name": "Two LSOAs"}])
    rep = impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
    assert [x["name"] for x in rep.areas] == ["Two LSOAs"]
    con = ro(store_path)
    assert impact_areas.area_codes(con, rep.areas[0]["area_id"]) == sorted([a, b])
    assigned = rep.assignment[rep.assignment["assigned"]]
    assert sorted(assigned["code"]) == sorted([a, b])
    assert (assigned["share_inside"] > 0.99).all()


def test_half_an_lsoa_is_assigned_only_when_more_than_half_inside(store_path, lsoa):
    shapes = lsoa.set_index("code").to_crs(27700).geometry
    g = shapes["E01010450"]
    minx, miny, maxx, maxy = g.bounds
    con = ro(store_path)

    def share_for(frac):
        cut = shapely.box(minx - 10, miny - 10, minx + frac * (maxx - minx), maxy + 10)
        part = __import__("geopandas").GeoSeries([cut], crs=27700).to_crs(4326).iloc[0]
        a = area_files.assign_lsoas(con, part, lsoa).set_index("code")
        return a.loc["E01010450"]

    lo, hi = share_for(0.2), share_for(0.9)
    assert lo["share_inside"] < 0.5 and not lo["assigned"]
    assert hi["share_inside"] > 0.5 and hi["assigned"]


def test_geojson_problems_name_the_file_and_feature_and_leave_the_store_unchanged(store_path, lsoa, tmp_path):
    before = snapshot(store_path)
    ok = lsoa.geometry.iloc[0]
    london = shapely.box(-0.2, 51.45, -0.1, 51.55)
    cases = {
        "outside.geojson": ([ok, london], "feature 2: the polygon lies outside Wolverhampton"),
        "point.geojson": ([ok, shapely.Point(-2.12, 52.58)], "feature 2: a Point, not a polygon"),
        "grid.geojson": (
            [shapely.box(390000, 298000, 391000, 299000)],
            "feature 1: the coordinates are not longitude/latitude",
        ),
    }
    for name, (geoms, msg) in cases.items():
        p = write_geojson(tmp_path / name, geoms)
        with pytest.raises(InputError) as e:
            impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
        assert name in str(e.value) and msg in str(e.value)
    bad = tmp_path / "broken.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match=r"broken.geojson: not valid JSON"):
        impact_areas.in_transaction(area_files.import_area_file, bad, path=store_path)
    tiny = write_geojson(tmp_path / "tiny.geojson", [ok.centroid.buffer(0.0002)])
    with pytest.raises(InputError, match="hold more than half of no LSOA"):
        impact_areas.in_transaction(area_files.import_area_file, tiny, path=store_path)
    assert snapshot(store_path) == before


def test_geojson_in_british_national_grid_with_a_crs_member(store_path, lsoa, tmp_path):
    g = lsoa.set_index("code").to_crs(27700).geometry["E01010450"]
    p = write_geojson(
        tmp_path / "bng.geojson", [g], crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    )
    rep = impact_areas.in_transaction(area_files.import_area_file, p, name="Grid", path=store_path)
    assert rep.areas[0]["name"] == "Grid" and rep.areas[0]["n_lsoa"] == 1


# --------------------------------------------------------------------------- from a CSV
def test_csv_import_is_idempotent_and_splits_by_area(store_path, tmp_path):
    p = tmp_path / "my-area.csv"
    p.write_text("LSOA21CD,LSOA name\nE01010410,x\ne01010411 ,y\nE01010410,x\n")
    r1 = impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
    r2 = impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
    assert r1.areas[0]["name"] == "my-area" and r1.areas[0]["n_lsoa"] == 2
    assert r2.areas[0]["area_id"] == r1.areas[0]["area_id"] and r2.areas[0]["replaced"]
    con = ro(store_path)
    assert len(impact_areas.list_areas(con)) == 1
    assert impact_areas.area_codes(con, r1.areas[0]["area_id"]) == ["E01010410", "E01010411"]
    con.close()
    q = tmp_path / "two.csv"
    q.write_text("area,lsoa21_code\nEast,E01010410\nWest,E01010412\nEast,E01010413\n")
    rep = impact_areas.in_transaction(area_files.import_area_file, q, path=store_path)
    assert {a["name"]: a["n_lsoa"] for a in rep.areas} == {"East": 2, "West": 1}
    bare = tmp_path / "bare.csv"
    bare.write_text("E01010414\nE01010415\n")
    rep = impact_areas.in_transaction(area_files.import_area_file, bare, name="Bare", path=store_path)
    assert rep.areas[0]["n_lsoa"] == 2


@pytest.mark.parametrize(
    "content, row, message",
    [
        ("lsoa21_code\nE01010410\nE01000001\n", 3, "LSOA E01000001 is outside the city"),
        ("postcode\nWV1 1AA\n", 1, "no LSOA code column in the header"),
        ("lsoa21_code\nE01010410\nWV1 1AA\n", 3, "'WV1 1AA' is not an LSOA code"),
        ("lsoa21_code\nE01010410\n,\n\n", None, None),  # a blank row is skipped, not an error
        ("area,lsoa21_code\n,E01010410\n", 2, "the area name is empty"),
    ],
)
def test_csv_import_errors_name_file_and_row_and_leave_the_store_unchanged(store_path, tmp_path, content, row, message):
    impact_areas.in_transaction(impact_areas.save_area, "Existing", ["E01010420"], source="list", path=store_path)
    before = snapshot(store_path)
    p = tmp_path / "codes.csv"
    p.write_text(content)
    if message is None:
        rep = impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
        assert rep.areas[0]["n_lsoa"] == 1
        return
    with pytest.raises(InputError) as e:
        impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
    assert "codes.csv" in str(e.value) and f": row {row}: " in str(e.value)
    assert message in str(e.value)
    assert e.value.row == row
    assert snapshot(store_path) == before


def test_split_2011_code_stands_for_its_2021_children(store_path, tmp_path):
    con = ro(store_path)
    split = con.execute(
        "SELECT lsoa11_code, list(lsoa21_code ORDER BY lsoa21_code) FROM lsoa_crosswalk "
        "GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
    ).fetchone()
    con.close()
    p = tmp_path / "old.csv"
    p.write_text(f"lsoa_code\n{split[0]}\n")
    rep = impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)
    assert rep.areas[0]["n_lsoa"] == len(split[1])
    assert "was split in 2021" in rep.warnings[0]


def test_unknown_file_type(store_path, tmp_path):
    p = tmp_path / "area.xlsx"
    p.write_bytes(b"PK")
    with pytest.raises(InputError, match="area.xlsx: an Impact Area file is a CSV"):
        impact_areas.in_transaction(area_files.import_area_file, p, path=store_path)


# --------------------------------------------------------------------------- demo areas
def test_demo_areas(store_path):
    r = impact_areas.in_transaction(demo_areas.ensure_demo_impact_areas, path=store_path)
    assert r["created"]
    con = ro(store_path)
    areas = impact_areas.list_areas(con)
    assert sorted(areas["name"]) == sorted(demo_areas.DEMO_AREAS)
    assert len(areas) == 6
    assert areas["approximate"].all() and areas["is_demo"].all()
    assert (areas["n_lsoa"] > 0).all()
    assert "Approximate, for demonstration" in areas["note"].iloc[0]
    # the combined share is reported and sits near the published 16%
    assert r["target"] == 16.0
    assert r["population_share"] == pytest.approx(
        areas["population"].sum() / con.execute("SELECT sum(population) FROM lsoa21").fetchone()[0] * 100
    )
    assert abs(r["population_share"] - 16.0) < 0.7
    # each LSOA in one area at most; every centre's own LSOA is in its area
    members = con.execute(
        "SELECT lsoa21_code, count(*) FROM impact_area_lsoa GROUP BY 1 HAVING count(*) > 1"
    ).fetchall()
    assert members == []
    shapes = area_files.lsoa_shapes(con)
    for area, spec in demo_areas.DEMO_AREAS.items():
        aid = areas.set_index("name").loc[area, "area_id"]
        codes = impact_areas.area_codes(con, aid)
        for _place, lat, lon in spec["centres"]:
            home = shapes[shapes.contains(shapely.Point(lon, lat))]["code"].tolist()
            assert home and home[0] in codes
    assert con.execute("SELECT count(*) FROM dataset WHERE kind = 'impact_area' AND is_demo").fetchone()[0] == 6
    con.close()
    # only when no area exists: a second call leaves them alone
    again = impact_areas.in_transaction(demo_areas.ensure_demo_impact_areas, path=store_path)
    assert not again["created"]
    # deterministic
    con = ro(store_path)
    assert demo_areas.demo_area_members(con) == {
        a: impact_areas.area_codes(con, areas.set_index("name").loc[a, "area_id"]) for a in demo_areas.DEMO_AREAS
    }


# --------------------------------------------------------------------------- shares, trends, comparators
def test_share_table_on_a_hand_made_input():
    counts = pd.DataFrame(
        {
            "lsoa21_code": ["A", "A", "B", "B", "C"],
            "category": ["Burglary", "Anti-social behaviour", "Burglary", "Violence and sexual offences", "Robbery"],
            "n": [3, 5, 1, 6, 10],
        }
    )
    pop = pd.Series({"A": 100.0, "B": 300.0, "C": 600.0})
    t = area_compare.share_table(counts, pop, ["A", "B"]).set_index("measure")
    assert (t["population_share"] == 40.0).all()
    allc = t.loc["All crime (excluding ASB)"]
    assert (allc["inside"], allc["city"]) == (10, 20)
    assert allc["crime_share"] == 50.0 and allc["ratio"] == pytest.approx(1.25)
    assert allc["rate_inside"] == pytest.approx(25.0) and allc["rate_rest"] == pytest.approx(1000 * 10 / 600)
    nb = t.loc["Neighbourhood crime"]
    assert (nb["inside"], nb["city"]) == (4, 14) and nb["crime_share"] == pytest.approx(100 * 4 / 14)
    assert t.loc["Violence", "crime_share"] == pytest.approx(100 * 6 / 16)
    asb = t.loc["Anti-social behaviour"]
    assert (asb["inside"], asb["city"], asb["crime_share"]) == (5, 5, 100.0)
    assert t.loc["All crime and ASB", "crime_share"] == pytest.approx(100 * 15 / 25)
    assert t.loc["Shoplifting", "city"] == 0 and np.isnan(t.loc["Shoplifting", "crime_share"])
    assert list(t.index).count("Anti-social behaviour") == 1


def _add_crime(path, rows):
    """Hand-made crime records: (month 'YYYY-MM', lsoa, category, n)."""
    con = duckdb.connect(str(path))
    recs = []
    for month, code, cat, n in rows:
        d = dt.date(int(month[:4]), int(month[5:]), 1)
        recs += [("test:crime", "Test", d, None, cat, cat, None, None, None, code, code, None, "code", None, None)] * n
    con.executemany("INSERT INTO crime VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", recs)
    con.close()


def test_area_shares_trends_and_change_from_the_store(store_path):
    a, b, c = "E01010410", "E01010411", "E01010412"
    rows = [
        ("2023-12", a, "Burglary", 2),
        ("2024-01", a, "Burglary", 3),
        ("2024-06", b, "Robbery", 4),
        ("2024-12", c, "Burglary", 7),
        ("2024-12", a, "Anti-social behaviour", 5),
        ("2023-01", a, "Burglary", 20),
        ("2023-06", c, "Burglary", 30),
    ]
    _add_crime(store_path, rows)
    con = ro(store_path)
    w = crime_window.crime_window(con)
    assert (w["start"], w["last"]) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-01"))
    assert w["has_previous"]
    sh = area_compare.area_shares(con, (a, b)).set_index("measure")
    # 2023-12 is outside the latest 12 months
    assert (sh.loc["Burglary", "inside"], sh.loc["Burglary", "city"]) == (3, 10)
    assert (sh.loc["Neighbourhood crime", "inside"], sh.loc["Neighbourhood crime", "city"]) == (7, 14)
    assert sh.attrs["window"] == "Jan 2024 to Dec 2024"
    m = area_compare.inside_vs_rest_monthly(con, (a, b), "Burglary")
    assert len(m) == 2 * 24
    ins = m[m["where"] == "Inside the area"].set_index("month")
    assert ins.loc["2024-01-01", "count"] == 3 and ins.loc["2023-01-01", "count"] == 20
    pop_ab = con.execute("SELECT sum(population) FROM lsoa21 WHERE lsoa21_code IN (?, ?)", [a, b]).fetchone()[0]
    assert ins.loc["2024-01-01", "rate_per_1000"] == pytest.approx(3000 / pop_ab)
    ch = area_compare.inside_vs_rest_change(con, (a, b), "Burglary").set_index("where")
    assert (ch.loc["Inside the area", "current"], ch.loc["Inside the area", "previous"]) == (3, 22)
    assert (ch.loc["Rest of the city", "current"], ch.loc["Rest of the city", "previous"]) == (7, 30)
    assert ch.loc["Inside the area", "text"].endswith("too few to judge")
    rank = area_compare.area_lsoa_ranking(con, (a, b), "Burglary").set_index("code")
    assert rank.loc[a, "count"] == 3 and rank.loc[b, "count"] == 0
    harm_a = 3 * taxonomy.HARM_WEIGHTS["Burglary"] + 5 * taxonomy.HARM_WEIGHTS["Anti-social behaviour"]
    pop_a = con.execute("SELECT population FROM lsoa21 WHERE lsoa21_code = ?", [a]).fetchone()[0]
    assert rank.loc[a, "harm_per_1000"] == pytest.approx(1000 * harm_a / pop_a)
    assert rank["harm_rank"].min() == 1
    # harm indexed to the city (= 100): the city's harm per 1,000 over the same 12 months
    rows = con.execute(
        "SELECT category, count(*) FROM crime WHERE month BETWEEN '2024-01-01' AND '2024-12-01' "
        "AND lsoa21_code IN (SELECT lsoa21_code FROM lsoa21) GROUP BY 1"
    ).fetchall()
    city_pop = con.execute("SELECT sum(population) FROM lsoa21").fetchone()[0]
    city_harm = 1000 * sum(n * taxonomy.HARM_WEIGHTS.get(c, 0.0) for c, n in rows) / city_pop
    assert rank.loc[a, "harm_index"] == pytest.approx(100 * rank.loc[a, "harm_per_1000"] / city_harm)
    assert rank.loc[b, "harm_index"] == pytest.approx(100 * rank.loc[b, "harm_per_1000"] / city_harm)


def test_comparators_exclude_the_area(store_path):
    con = ro(store_path)
    codes = ("E01010410", "E01010411", "E01010450", "E01010500")
    comp = area_compare.comparators(con, codes, k=5)
    pairs = comp["pairs"]
    assert len(pairs) == 5 * len(codes)
    assert not set(pairs["neighbour"]) & set(codes)
    assert not set(comp["comparators"]["code"]) & set(codes)
    assert set(pairs["target"]) == set(codes)
    assert comp["comparators"]["times_chosen"].sum() == len(pairs)
    # nearest first, and the features leave crime out
    assert (pairs.groupby("target")["distance"].apply(lambda s: s.is_monotonic_increasing)).all()
    assert "crime" not in area_compare.similarity_features(con).columns
    # no crime records loaded: nothing to judge
    assert comp["inside"]["count"] == 0 and comp["verdict"].startswith("Too few records")


def test_deprivation_profile_counts_the_lsoas(store_path):
    con = ro(store_path)
    codes = ("E01010410", "E01010411", "E01010412")
    dep = area_compare.deprivation_profile(con, codes)
    assert (dep.groupby("domain")["lsoas"].sum() == 3).all()
    dec = con.execute("SELECT imd_decile FROM imd2025 WHERE lsoa21_code IN ?", [list(codes)]).df()["imd_decile"]
    imd = dep[dep["domain"] == "Index of Multiple Deprivation"].set_index("decile")["lsoas"]
    assert imd.to_dict() == {d: int((dec == d).sum()) for d in range(1, 11)}


# --------------------------------------------------------------------------- indicators, clusters, priority
def _synthetic_crime(path):
    con = ro(path)
    codes = [r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21 ORDER BY 1").fetchall()]
    con.close()
    rng = np.random.default_rng(1)
    rows = []
    for month in pd.period_range("2023-01", "2024-12", freq="M"):
        for code in codes[::3]:
            for cat in ("Burglary", "Violence and sexual offences", "Anti-social behaviour"):
                n = int(rng.poisson(1.5))
                if n:
                    rows.append((str(month), code, cat, n))
    _add_crime(path, rows)


def test_indicator_table(store_path):
    con = ro(store_path)
    ind0 = indicators.indicators(con)
    assert len(ind0) == 161 and set(indicators.INDICATORS) <= set(ind0.columns)
    assert ind0["harm"].isna().all()  # no crime loaded
    assert not set(indicators.CRIME_INDICATOR_COLUMNS) & set(indicators.available_indicators(con))
    assert "engagement" not in indicators.available_indicators(con)
    assert indicators.default_indicators(con)[0].startswith("iod_")
    con.close()
    _synthetic_crime(store_path)
    con = ro(store_path)
    ind = indicators.indicators(con)
    assert len(ind) == 161 and ind.index.is_unique
    cols = ["harm", "crime_violence", "imd_income", "iod_theft"]
    assert list(ind[cols].columns) == cols
    code = ind.index[0]
    got = con.execute(
        "SELECT category, count(*) FROM crime WHERE lsoa21_code = ? AND month >= '2024-01-01' GROUP BY 1", [code]
    ).fetchall()
    harm = sum(taxonomy.HARM_WEIGHTS[c] * n for c, n in got)
    assert ind.loc[code, "harm"] == pytest.approx(1000 * harm / ind.loc[code, "population"])
    assert (
        ind.loc[code, "imd_income"]
        == con.execute("SELECT income_score FROM imd2025 WHERE lsoa21_code = ?", [code]).fetchone()[0]
    )
    ward = indicators.indicators(con, "ward")
    assert len(ward) == 20
    assert ward["n_crime_all"].sum() == ind["n_crime_all"].sum()
    assert ward["population"].sum() == ind["population"].sum()


def test_clustering_and_priority_are_reproducible(store_path):
    _synthetic_crime(store_path)
    con = ro(store_path)
    cols = ("crime_violence", "harm", "imd_imd", "imd_health")
    sil = place_clusters.silhouettes(con, "lsoa", cols, "kmeans")
    k = clustering.choose_k(sil)
    res = place_clusters.cluster_analysis(con, "lsoa", cols, "kmeans", k)
    p1 = place_clusters.priority_list(con, "lsoa")
    assert list(sil["k"]) == list(range(2, 11))
    assert len(res["labels"]) == 161 and set(res["labels"]) == set(range(1, k + 1))
    assert 0 <= res["stability"] <= 1
    assert len(set(res["names"].values())) == k
    p2 = place_clusters.priority_list(con, "lsoa")
    pd.testing.assert_frame_equal(p1, p2)
    assert len(p1) == 161 and p1["rank"].min() == 1
    harm_only = place_clusters.priority_list(con, "lsoa", (("harm", 1.0),))
    assert harm_only.index[0] == harm_only["harm"].idxmax()
    assert "Harm in the top 10% of the city" in harm_only["reason"].iloc[0]
    # contiguity-constrained clusters are connected patches
    res_c = place_clusters.cluster_analysis(con, "lsoa", cols, "ward_contiguous", 4)
    assert set(res_c["labels"]) == {1, 2, 3, 4}


def test_nice_names_read_the_right_way_round():
    prof = pd.DataFrame({"imd_imd": [1.2, -1.0], "engagement": [-0.9, 0.8]}, index=[1, 2])
    names = clustering.describe_clusters(prof, indicators.nice_names())
    assert names[1] == "High deprivation, low engagement"
    assert names[2] == "Low deprivation, high engagement"


def test_wilson_and_stability_reading():
    lo, hi = engagement_analysis.wilson_interval(1064, 2216)
    assert lo < 1064 / 2216 < hi and hi - lo < 0.05
    assert "very stable" in place_clusters.stability_reading(0.95)
    assert "unstable" in place_clusters.stability_reading(0.2)


def test_categorical_recolour_colours_by_cluster_and_escapes_the_legend(store_path):
    from geo import boundaries as gb
    from geo import categorical, maps

    con = ro(store_path)
    g = gb.from_frame(
        con.execute(
            "SELECT lsoa21_code AS code, lsoa21_name AS name, geom_display AS geom FROM lsoa21 ORDER BY 1 LIMIT 6"
        ).df()
    )
    g["cluster"] = [1, 1, 2, 2, 3, None]
    m = maps.choropleth(
        g, id_col="code", name_col="name", value_col="cluster", value_label="Cluster", highlight=[g["code"][0]]
    )
    palette = dict(zip([1, 2, 3], categorical.colours(3), strict=True))
    categorical.recolour(
        dict(zip(g["code"], g["cluster"], strict=True)),
        {1: "<b>one</b>", 2: "two", 3: "three"},
        title="Cluster",
        palette=palette,
    )(m)
    gj = next(c for c in m._children.values() if c.__class__.__name__ == "GeoJson")
    fills = {f["properties"]["id"]: gj.style_function(f) for f in gj.data["features"]}
    assert fills[g["code"][2]]["fillColor"] == palette[2] == "#88CCEE"
    assert fills[g["code"][4]]["fillColor"] == palette[3]
    assert fills[g["code"][5]]["fillColor"] == maps.NO_DATA
    assert fills[g["code"][0]]["color"] == maps.OUTLINE_CASING  # the highlight outline is kept (black casing, #22)
    assert "&lt;b&gt;one&lt;/b&gt;" in m.legend_html and "<b>one</b>" not in m.legend_html
    assert len(set(categorical.colours(10))) == 10
