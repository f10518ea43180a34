"""The store build on the real bundle: geography, deprivation, Census,
provenance; and its failures (the previous store must survive them)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo import boundaries as gb
from swp_data import config
from swp_data.errors import InputError
from swp_data.sources.build import build, needs_build


@pytest.fixture(scope="module")
def con(ref_store):
    c = duckdb.connect(str(ref_store), read_only=True)
    yield c
    c.close()


def _lsoa(con) -> gpd.GeoDataFrame:
    return gb.from_frame(con.execute("SELECT lsoa21_code, changed, geom FROM lsoa21").df())


def test_counts(con):
    assert con.execute("SELECT count(*) FROM lsoa21").fetchone()[0] == 161
    assert con.execute("SELECT count(*) FROM ward").fetchone()[0] == 20
    assert con.execute("SELECT count(*) FROM lsoa11").fetchone()[0] == 158
    assert con.execute("SELECT count(*) FROM ward2013").fetchone()[0] == 20
    codes = {r[0] for r in con.execute("SELECT ward_code FROM ward").fetchall()}
    assert codes == {f"E050148{n}" for n in range(38, 58)}


def test_population_matches_census(con, bundle_dir):
    raw = pd.read_csv(bundle_dir / "population/census2021_lsoa21_age_bands_wolverhampton.csv")
    assert con.execute("SELECT sum(population) FROM lsoa21").fetchone()[0] == 263_753 == raw["usual_residents"].sum()
    assert con.execute("SELECT sum(population) FROM ward").fetchone()[0] == 263_753
    one = raw[raw["lsoa21_code"] == "E01010410"]["usual_residents"].sum()
    assert con.execute("SELECT population FROM lsoa21 WHERE lsoa21_code = 'E01010410'").fetchone()[0] == one


def test_union_equals_city_and_no_overlaps(con, bundle_dir):
    g = _lsoa(con).to_crs(gb.BNG)
    city = gpd.read_file(bundle_dir / "boundaries/wards2013_wolverhampton.geojson").to_crs(gb.BNG).union_all()
    union = g.union_all()
    assert abs(union.area - city.area) / city.area < 0.005
    # Sum of areas equals the area of the union: no overlaps (to 1 m² in 69 km²).
    assert abs(g.area.sum() - union.area) < 1.0
    assert _lsoa(con).is_valid.all()


def test_unchanged_lsoas_identical_to_2011(con, bundle_dir):
    g = _lsoa(con).set_index("lsoa21_code")
    l11 = gpd.read_file(bundle_dir / "boundaries/lsoa11_wolverhampton.geojson").set_index("LSOA11CD")
    unchanged = g[~g["changed"]]
    assert len(unchanged) == 155
    for code, geom in unchanged.geometry.items():
        assert shapely.equals_exact(geom, l11.geometry[code], tolerance=1e-9), code
    # The six children of the three split LSOAs exactly tile their parents.
    for parent, kids in {
        "E01010435": ["E01034310", "E01034311"],
        "E01010521": ["E01034312", "E01034313"],
        "E01010453": ["E01034314", "E01034315"],
    }.items():
        both = gpd.GeoSeries([g.geometry[k] for k in kids], crs=4326).to_crs(gb.BNG)
        par = gpd.GeoSeries([l11.geometry[parent]], crs=4326).to_crs(gb.BNG).iloc[0]
        assert abs(both.area.sum() - par.area) / par.area < 1e-4
        assert both.iloc[0].intersection(both.iloc[1]).area < 1.0


def test_wards_are_dissolved_lsoas(con):
    w = gb.from_frame(con.execute("SELECT ward_code, geom FROM ward").df()).to_crs(gb.BNG).set_index("ward_code")
    lsoa = gb.from_frame(con.execute("SELECT ward_code, geom FROM lsoa21").df()).to_crs(gb.BNG)
    per = lsoa.assign(a=lsoa.area).groupby("ward_code")["a"].sum()
    pd.testing.assert_series_equal((w.area - per).abs().lt(1.0), pd.Series(True, index=w.index), check_names=False)


def test_imd_values_equal_bundle(con, bundle_dir):
    raw25 = pd.read_csv(bundle_dir / "deprivation/imd2025_lsoa21_england.csv").set_index("lsoa21_code")
    row = con.execute(
        "SELECT imd_rank, imd_decile, imd_score, crime_rank FROM imd2025 WHERE lsoa21_code = 'E01010410'"
    ).fetchone()
    assert row == (
        raw25.at["E01010410", "IMD_rank"],
        raw25.at["E01010410", "IMD_decile"],
        raw25.at["E01010410", "IMD_score"],
        raw25.at["E01010410", "Crime_rank"],
    )
    raw19 = pd.read_csv(bundle_dir / "deprivation/imd2019_lsoa11_england.csv").set_index("lsoa11_code")
    r19 = con.execute("SELECT imd_rank FROM imd2019 WHERE lsoa11_code = 'E01010435'").fetchone()[0]
    assert r19 == raw19.at["E01010435", "IMD_rank"]
    # Carried to 2021: both children of a split LSOA take their parent's rank.
    kids = con.execute(
        "SELECT lsoa21_code, imd_rank, carried_from_split FROM imd2019_lsoa21 "
        "WHERE lsoa11_code = 'E01010435' ORDER BY 1"
    ).fetchall()
    assert kids == [("E01034310", r19, True), ("E01034311", r19, True)]
    assert con.execute("SELECT count(*) FROM imd2019_lsoa21").fetchone()[0] == 161


def test_crosswalk_weights(con):
    w = con.execute("SELECT lsoa11_code, sum(weight) FROM lsoa_crosswalk GROUP BY 1").fetchall()
    assert len(w) == 158 and all(abs(s - 1) < 1e-12 for _, s in w)
    kids = con.execute(
        "SELECT l.population, c.weight FROM lsoa_crosswalk c JOIN lsoa21 l USING (lsoa21_code) "
        "WHERE c.lsoa11_code = 'E01010521' ORDER BY c.lsoa21_code"
    ).fetchall()
    total = sum(p for p, _ in kids)
    assert [round(wt, 12) for _, wt in kids] == [round(p / total, 12) for p, _ in kids]


def test_la_summaries_and_census(con, bundle_dir):
    raw = pd.read_csv(bundle_dir / "deprivation/imd2025_lad2024_england.csv")
    assert con.execute("SELECT count(*) FROM imd2025_lad").fetchone()[0] == len(raw)
    wm = con.execute("SELECT count(*) FROM imd2025_lad WHERE pfa24_name = 'West Midlands'").fetchone()[0]
    assert wm == 7
    assert con.execute("SELECT count(DISTINCT lsoa21_code) FROM census_ethnicity").fetchone()[0] == 161
    assert con.execute("SELECT count(*) FROM published_figure").fetchone()[0] == len(
        pd.read_csv(bundle_dir / "published/swp_strategy_figures.csv")
    )


def test_provenance_rows(con):
    ds = con.execute(
        "SELECT dataset_id, is_demo, licence, file_hash, row_count FROM dataset WHERE kind = 'reference'"
    ).df()
    assert {"ref:boundaries", "ref:imd2025", "ref:imd2019", "ref:census2021", "ref:published"} <= set(ds["dataset_id"])
    assert not ds["is_demo"].any()
    assert ds["licence"].str.contains("Open Government Licence").all()
    assert ds["file_hash"].str.len().eq(64).all() and (ds["row_count"] > 0).all()


def test_display_geometry_is_light(con):
    full, disp = con.execute("SELECT sum(octet_length(geom)), sum(octet_length(geom_display)) FROM lsoa21").fetchone()
    assert disp < full


# ---------------------------------------------------------------- failures
def _bundle_copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("police_uk"))
    for p in dst.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)
    return dst


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def broken(tmp_path, bundle_dir, monkeypatch, ref_store):
    """A copy of the bundle to break, and a previous store that must survive."""
    data = _bundle_copy(bundle_dir, tmp_path / "bundle")
    store = tmp_path / "swp.duckdb"
    shutil.copy(ref_store, store)
    monkeypatch.setenv("SWP_DATA_DIR", str(data))
    monkeypatch.setenv("SWP_STORE", str(store))
    return data, store


def _expect_failure(store: Path, match: str):
    before = _digest(store)
    with pytest.raises(InputError, match=match) as e:
        build()
    assert _digest(store) == before, "the previous store must be untouched"
    assert not list(store.parent.glob(".swp.duckdb.building-*"))
    return str(e.value)


def test_missing_file(broken):
    data, store = broken
    (data / "deprivation/imd2025_lsoa21_england.csv").unlink()
    msg = _expect_failure(store, "imd2025_lsoa21_england.csv")
    assert "not found" in msg or "missing" in msg


def test_truncated_csv(broken):
    data, store = broken
    p = data / "lookups/lsoa21_ward2023_wolverhampton.csv"
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])  # cut mid-row
    msg = _expect_failure(store, "lsoa21_ward2023_wolverhampton.csv")
    assert "truncated" in msg


def test_truncated_at_line_boundary(broken):
    data, store = broken
    p = data / "deprivation/imd2025_lsoa21_england.csv"
    lines = p.read_text().splitlines(keepends=True)
    p.write_text("".join(lines[:20000]))  # whole rows, but Wolverhampton's LSOAs are gone
    _expect_failure(store, r"imd2025_lsoa21_england.csv: .*LSOAs of the city missing")


def test_wrong_column(broken):
    data, store = broken
    p = data / "population/census2021_lsoa21_age_bands_wolverhampton.csv"
    p.write_text(p.read_text().replace("usual_residents", "residents", 1))
    msg = _expect_failure(store, "census2021_lsoa21_age_bands_wolverhampton.csv: row 1: missing column")
    assert "usual_residents" in msg


def test_bad_value_names_row(broken):
    data, store = broken
    p = data / "population/census2021_lsoa21_age_bands_wolverhampton.csv"
    lines = p.read_text().splitlines(keepends=True)
    parts = lines[5].rstrip("\n").split(",")
    parts[-1] = "-4"
    lines[5] = ",".join(parts) + "\n"
    p.write_text("".join(lines))
    _expect_failure(store, r"census2021_lsoa21_age_bands_wolverhampton.csv: row 6: column 'usual_residents'")


def test_non_utf8(broken):
    data, store = broken
    p = data / "published/swp_strategy_figures.csv"
    p.write_bytes(p.read_bytes().replace(b"Wolverhampton,002", "Wolverhampton £,002".encode("latin-1"), 1))
    msg = _expect_failure(store, r"swp_strategy_figures.csv: row 2: not UTF-8")
    assert "0xa3" in msg


def test_bad_geojson(broken):
    data, store = broken
    p = data / "boundaries/oa11_wolverhampton.geojson"
    p.write_bytes(p.read_bytes()[:5000])
    _expect_failure(store, "oa11_wolverhampton.geojson")


def test_cli_failure_exit_code(broken):
    data, store = broken
    (data / "lookups/lsoa11_lsoa21_wolverhampton.csv").unlink()
    before = _digest(store)
    r = subprocess.run(
        [sys.executable, "-m", "swp_data", "build"], capture_output=True, text=True, cwd=config.PROJECT_ROOT
    )
    assert r.returncode != 0
    assert "lsoa11_lsoa21_wolverhampton.csv" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert _digest(store) == before


def test_rebuild_keeps_data_tables(store_path, monkeypatch):
    con = duckdb.connect(str(store_path))
    con.execute("INSERT INTO impact_area VALUES ('t', 'Test area', 'list', false, false, NULL, now())")
    con.execute("INSERT INTO impact_area_lsoa VALUES ('t', 'E01010410')")
    con.close()
    build(target=store_path)
    con = duckdb.connect(str(store_path), read_only=True)
    assert con.execute("SELECT name FROM impact_area").fetchall() == [("Test area",)]
    assert con.execute("SELECT count(*) FROM lsoa21").fetchone()[0] == 161
    con.close()
    assert needs_build(store_path) is None


def test_needs_build(tmp_path):
    assert needs_build(tmp_path / "nothing.duckdb") == "the store does not exist"
