"""Most similar places (swp_data.places.peers) and the national tables behind them, on the real bundle."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from swp_data import access, store
from swp_data.errors import InputError
from swp_data.places import peers
from swp_data.store import audit

CITY = "E08000031"
VIEWER = access.Actor(who="viewer@example.gov.uk", role="viewer", via="oidc")


@pytest.fixture(scope="module")
def con(ref_store):
    c = duckdb.connect(str(ref_store), read_only=True)
    yield c
    c.close()


def test_national_tables_hold_england(con):
    assert store.one(con, "SELECT count(*) FROM national_lsoa") == 33_755
    assert store.one(con, "SELECT count(*) FROM national_lad") == 296
    assert store.one(con, "SELECT count(*) FROM national_lsoa WHERE lsoa21_code NOT LIKE 'E01%'") == 0
    # Census 2021 usual residents of England (the England rows of the bundle's age table) and of the city.
    assert store.one(con, "SELECT sum(residents) FROM national_lsoa") == 56_489_608
    assert store.one(con, "SELECT residents FROM national_lad WHERE lad24_code = ?", [CITY]) == 263_753
    assert store.one(con, "SELECT count(*) FROM national_lsoa WHERE lad24_code = ?", [CITY]) == 161
    ds = store.one(con, "SELECT row_count FROM dataset WHERE dataset_id = 'ref:national'")
    assert ds == 33_755 + 296


def test_city_peers_are_stable_and_sensible(con):
    g = peers.nearest(con)
    assert g.place.name == "Wolverhampton" and g.place.kind == "district"
    assert len(g.peers) == 15 and CITY not in g.codes
    # With the published default weights: the Black Country and similar post-industrial cities.
    assert g.codes[:3] == ["E08000030", "E08000028", "E06000021"]  # Walsall, Sandwell, Stoke-on-Trent
    assert {"E08000027", "E08000006", "E08000024"} <= set(g.codes)  # Dudley, Salford, Sunderland
    assert list(g.peers["rank"]) == list(range(1, 16))
    assert g.peers["distance"].is_monotonic_increasing
    assert ((g.peers["match"] > 0) & (g.peers["match"] <= 1)).all()
    assert g.peers["match"].iloc[0] == pytest.approx(1 - g.peers["distance"].iloc[0] / g.max_distance)
    contrib = g.peers[[f"contrib_{k}" for k in peers.VARIABLES]].sum(axis=1)
    assert np.allclose(contrib, 100)
    assert g.candidates == 295


def test_context_values_from_the_census(con):
    c = peers.place_context(con, peers.resolve(con, CITY))
    # Census 2021 for Wolverhampton: 263,753 residents.
    assert c["population"] == 263_753
    assert 0 < c["social_rented"] < 100 and 0 < c["terraced"] < 100
    lad = con.execute("SELECT * FROM national_lad WHERE lad24_code = ?", [CITY]).df().iloc[0]
    assert c["social_rented"] == pytest.approx(100 * lad["social_rented"] / lad["tenure_households"])
    assert c["density"] == pytest.approx(263_753 / lad["area_km2"])
    assert 60 < lad["area_km2"] < 80  # the city is 69.4 km²; the boundary is generalised


def test_one_variable_gives_the_nearest_on_that_variable(con):
    """Truth known: with population alone, the peers are the districts with the nearest (log) population."""
    only = {k: 0.0 for k in peers.VARIABLES} | {"population": 1.0}
    g = peers.nearest(con, CITY, only)
    lad = con.execute("SELECT lad24_code, residents FROM national_lad").df()
    lad = lad[lad["lad24_code"] != CITY]
    lad["gap"] = (np.log10(lad["residents"]) - np.log10(263_753)).abs()
    expected = lad.sort_values(["gap", "lad24_code"])["lad24_code"].head(15).tolist()
    assert g.codes == expected
    assert np.allclose(g.peers["contrib_population"], 100)


def test_identical_place_matches_fully(con):
    """A partnership of one district is that district: distance 0 to it, and it is not its own peer."""
    boston = peers.resolve(con, "E22000173")
    assert boston.kind == "csp" and boston.lads == ("E07000136",)
    g = peers.nearest(con, "E22000173")
    assert "E07000136" not in g.codes
    # The district's own peers are the partnership's.
    assert g.codes == peers.nearest(con, "E07000136").codes


def test_csp_of_several_districts_is_their_sum(con):
    p = peers.resolve(con, "E22000352")  # Dartford and Gravesham
    assert p.lads == ("E07000107", "E07000109")
    c = peers.place_context(con, p)
    pops = con.execute("SELECT sum(residents) FROM national_lad WHERE lad24_code IN ('E07000107', 'E07000109')")
    assert c["population"] == pops.fetchone()[0]
    g = peers.nearest(con, "E22000352")
    assert not set(p.lads) & set(g.codes)
    assert g.candidates == 294


def test_groups_are_not_symmetric(con):
    city = peers.nearest(con)
    outside = [c for c in city.codes if CITY not in peers.nearest(con, c).codes]
    assert outside, "expected at least one peer whose own group leaves Wolverhampton out"


def test_sensitivity_names_who_leaves_and_joins(con):
    s = peers.sensitivity(con)
    assert len(s) == len(peers.VARIABLES)
    for r in s.itertuples():
        assert r.peers_changed == (len(r.leave.split(", ")) if r.leave else 0)
    # Leaving out % in terraced houses changes the group (it is one of the strongest differences).
    assert s.set_index("variable").loc["terraced", "peers_changed"] > 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("W06000001", "not an English place"),
        ("S12000033", "not an English place"),
        ("E01010442", "not a district"),
        ("E22999999", "not an English community safety partnership"),
        ("E06999999", "not a current"),
        ("nonsense", "not a place code"),
    ],
)
def test_bad_place_codes_one_line(con, code, message):
    with pytest.raises(InputError, match=message) as e:
        peers.resolve(con, code)
    assert "\n" not in str(e.value)


def test_csp_with_no_data(store_path):
    with store.transaction() as c:
        c.execute("INSERT INTO national_lad_csp VALUES ('E06999998', 'E22999998', 'Nowhere CSP', 'Nowhere')")
    with store.reading() as c, pytest.raises(InputError, match="no district of this partnership has data"):
        peers.resolve(c, "E22999998")


def test_weights_checked():
    with pytest.raises(InputError, match="all zero"):
        peers.check_weights({k: 0 for k in peers.VARIABLES})
    with pytest.raises(InputError, match="unknown context variable"):
        peers.check_weights({"crime": 1})
    for bad in (-1, float("nan"), "x", 11):
        with pytest.raises(InputError, match="weight of"):
            peers.check_weights({"income": bad})


def _snapshot() -> tuple:
    with store.reading() as c:
        return (
            c.execute("SELECT * FROM setting ORDER BY ALL").fetchall(),
            c.execute("SELECT count(*) FROM audit").fetchall(),
        )


def test_weights_stored_audited_and_refused(store_path):
    with store.transaction() as c:
        peers.set_weights(c, {"population": 3, "density": 0})
    with store.reading() as c:
        w = peers.weights(c)
        assert w["population"] == 3 and w["density"] == 0 and w["income"] == 1
        trail = audit.entries(c)
        g = peers.nearest(c)
    assert "population 1 -> 3; density 1 -> 0" in trail["detail"].iloc[0]
    assert g.weights["population"] == 3
    before = _snapshot()
    with pytest.raises(InputError, match="all zero"), store.transaction() as c:
        peers.set_weights(c, {k: 0 for k in peers.VARIABLES})
    with pytest.raises(access.NotAuthorised), access.acting_as(VIEWER), store.transaction() as c:
        peers.set_weights(c, {"income": 2})
    assert _snapshot() == before
    with store.transaction() as c:
        peers.set_weights(c, None)
    with store.reading() as c:
        assert peers.weights(c) == peers.DEFAULT_WEIGHTS
        assert "back to the defaults" in audit.entries(c)["detail"].iloc[0]


def test_places_lists_districts_and_multi_district_csps(con):
    p = peers.places(con)
    assert (p["kind"] == "district").sum() == 296
    assert "E22000352" in set(p["code"]) and "E22000173" not in set(p["code"])  # Boston CSP = Boston
    assert isinstance(p, pd.DataFrame)
