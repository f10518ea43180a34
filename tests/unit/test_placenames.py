"""Place names people use, mapped to wards and Impact Areas (issue #22, finding 4)."""

from __future__ import annotations

import duckdb
import pytest
import shapely

from swp_data.places import placenames


@pytest.fixture(scope="module")
def con(demo_store):
    c = duckdb.connect(str(demo_store), read_only=True)
    yield c
    c.close()


def _row(con, place):
    hit = placenames.find(con, place)
    assert hit["place"].iloc[0] == place
    return hit.iloc[0]


def test_common_place_names_lead_to_a_ward_and_an_impact_area(con):
    wr = _row(con, "Whitmore Reans")
    # the ward is the one of the LSOA whose boundary holds the place centre
    lsoas = con.execute("SELECT lsoa21_code, ward_name, geom FROM lsoa21").df()
    shapes = shapely.from_wkb(lsoas["geom"].map(bytes).to_numpy())
    lat, lon = placenames.PLACE_CENTRES["Whitmore Reans"]
    holding = lsoas.loc[shapely.contains_xy(shapes, lon, lat), "ward_name"].tolist()
    assert holding == [wr["ward_name"]] == ["Park"]
    assert [n for _, n in wr["impact_areas"]] == ["Whitmore Reans"]
    assert placenames.describe(wr) == "Whitmore Reans: in Park ward; Impact Area Whitmore Reans"
    # part of a joint ward name
    assert _row(con, "Low Hill")["ward_name"] == "Bushbury South & Low Hill"
    assert _row(con, "Heath Town")["ward_name"] == "Heath Town"
    # part of an Impact Area's name
    assert "Heath Town & Park Village" in [n for _, n in _row(con, "Park Village")["impact_areas"]]


def test_every_ward_is_a_place_and_search_is_forgiving(con):
    tab = placenames.place_table(con)
    wards = {r[0] for r in con.execute("SELECT ward_name FROM ward").fetchall()}
    assert wards <= set(tab["place"]) and tab["place"].is_unique
    assert placenames.find(con, "  whitmore ")["place"].tolist() == ["Whitmore Reans"]
    assert placenames.find(con, "").empty and placenames.find(con, "Atlantis").empty
