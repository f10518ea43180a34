"""Reference queries, maps and exports on the real store."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pandas as pd
import pytest

from geo import boundaries as gb
from geo import maps
from swp_data.analysis import reference as ref
from swp_data.report import export


@pytest.fixture(scope="module")
def con(ref_store):
    c = duckdb.connect(str(ref_store), read_only=True)
    yield c
    c.close()


def test_city_summary_against_bundle(con, bundle_dir):
    s = ref.city_summary(con)
    lad = pd.read_csv(bundle_dir / "deprivation/imd2025_lad2024_england.csv").set_index("ltla24_code")
    assert s["imd2025"]["rank_avg_score"] == lad.at["E08000031", "imd_rank_of_average_score"]
    assert s["imd2025"]["n_la"] == len(lad)
    imd = pd.read_csv(bundle_dir / "deprivation/imd2025_lsoa21_england.csv")
    city = pd.read_csv(bundle_dir / "lookups/lsoa21_ward2023_wolverhampton.csv")["lsoa21_code"]
    assert s["imd2025"]["lsoa_in_decile1"] == int((imd[imd["lsoa21_code"].isin(city)]["IMD_decile"] == 1).sum())
    assert s["population"] == 263_753
    # Seven West Midlands force-area authorities; Birmingham and Sandwell are more deprived.
    assert s["imd2025"]["wm_n"] == 7 and s["imd2025"]["wm_rank"] == 3


def test_rank_to_decile(con):
    r = pd.Series([1, 3375, 3376, 33755, None])
    assert ref.rank_to_decile(con, "2025", r).tolist()[:4] == [1, 1, 2, 10]
    assert pd.isna(ref.rank_to_decile(con, "2025", r).iloc[4])


def test_ward_values_are_population_weighted(con):
    lsoa = ref.imd_measure(con, "2025", "imd", "lsoa")
    ward = ref.imd_measure(con, "2025", "imd", "ward").set_index("code")
    park = lsoa[lsoa["ward_code"] == "E05014851"]
    expected = (park["rank"] * park["population"]).sum() / park["population"].sum()
    assert ward.at["E05014851", "rank"] == pytest.approx(expected)


def test_pockets_definition(con):
    p = ref.pockets(con, "2025", "quintile")
    assert len(p) > 0
    assert (p["decile"] <= 2).all() and (p["ward_decile"] > 2).all()
    assert p["rank"].is_monotonic_increasing
    # Every quintile-1 LSOA not listed sits in a ward whose average is in quintile 1.
    lsoa = ref.imd_measure(con, "2025", "imd", "lsoa")
    ward = ref.imd_measure(con, "2025", "imd", "ward").set_index("code")["decile"]
    rest = lsoa[(lsoa["decile"] <= 2) & ~lsoa["code"].isin(p["code"])]
    assert (rest["ward_code"].map(ward) <= 2).all()


def test_census_share(con, bundle_dir):
    raw = pd.read_csv(bundle_dir / "census2021/ethnicity_lsoa21_wolverhampton.csv")
    r = raw[(raw["lsoa21_code"] == "E01010410") & (raw["ethnic_group"] == "White")].iloc[0]
    s = ref.census_shares(con, "ethnicity", "White", "lsoa").set_index("code")
    assert s.at["E01010410", "share"] == pytest.approx(100 * r["n"] / r["total_residents"])


def test_profile(con):
    p = ref.lsoa_profile(con, "E01010410")
    assert p["area"]["population"] > 0
    assert set(p["deprivation"]["edition"]) == {"2025", "2019"}
    assert p["ethnicity"]["share"].sum() == pytest.approx(100)
    w = ref.lsoa_profile(con, "E05014851")
    assert w["level"] == "ward"
    with pytest.raises(KeyError):
        ref.lsoa_profile(con, "E01999999")


def test_choropleth_escapes_hostile_text_and_is_small(con):
    g = gb.from_frame(
        con.execute("SELECT lsoa21_code AS code, lsoa21_name AS name, geom_display AS geom FROM lsoa21").df()
    )
    g.loc[0, "name"] = '<img src=x onerror="alert(1)">'
    g["v"] = range(len(g))
    m = maps.choropleth(g, id_col="code", name_col="name", value_col="v", value_label="Value <b>")
    html = m.get_root().render()
    assert "<img src=x" not in html
    # Escaped once (JSON in the page encodes "&" as \u0026).
    assert "lt;img src=x onerror=" in html and "quot;alert(1)" in html
    assert maps.payload_bytes(m) < 2_000_000


def test_csv_export_safe_and_labelled():
    df = pd.DataFrame({"name": ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "-2", "Park"], "n": [1, 2, 3, -4, 5]})
    raw = export.to_csv_bytes(df, title="Test", is_demo=True).decode("utf-8-sig")
    lines = raw.splitlines()
    assert lines[0] == "# Test" and "DEMO DATA" in lines[1]
    body = list(csv.DictReader(io.StringIO("\n".join(ln for ln in lines if not ln.startswith("#")))))
    assert [r["name"] for r in body] == ['\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)", "'-2", "Park"]
    assert [r["n"] for r in body] == ["1", "2", "3", "-4", "5"]  # numbers untouched
    assert all(r["data_status"].startswith("DEMO") for r in body)
    real = export.to_csv_bytes(df, title="Test", is_demo=False).decode("utf-8-sig")
    assert "DEMO" not in real


def test_points_layer_popups_bind_escaped_json_without_jquery():
    """Each record's popup is bound with Leaflet's bindPopup and a JSON string:
    no jQuery (the offline maps do not load it; folium's Popup needs it) and no
    JavaScript template literal a backtick or ${ in the data could leave."""
    import re

    hostile = "`${alert(1)}` </script><img src=x onerror=alert(2)>"
    pts = pd.DataFrame({"lat": [52.58, 52.59], "lon": [-2.12, -2.13], "location": [hostile, "On or near Park"]})
    m = maps.base_map(tiles=False)
    assert maps.points_layer(m, pts, label_cols={"location": "Location"}) == 2
    html = m.get_root().render()
    assert "$(`" not in html and "L.popup(" not in html
    bound = re.findall(r"\.bindPopup\((\"(?:[^\"\\]|\\.)*\"), \{maxWidth: 260\}\);", html)
    assert len(bound) == 2
    texts = [json.loads(b) for b in bound]
    assert texts[0] == "<b>Location</b>: `${alert(1)}` &lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    assert "</script><img" not in html and "<img src=x" not in html


def test_published_figures_cite_their_source_by_name(ref_store):
    import duckdb

    from swp_data.analysis import reference

    con = duckdb.connect(str(ref_store), read_only=True)
    try:
        docs = {r[0] for r in con.execute("SELECT DISTINCT source_document FROM published_figure").fetchall()}
    finally:
        con.close()
    names = {reference.source_name(d) for d in docs}
    assert docs and not any(n.endswith(".txt") for n in names)
    assert reference.source_name("001_ac932429a4d359f5.txt").startswith("SWP Crime Reduction, Community Safety")
