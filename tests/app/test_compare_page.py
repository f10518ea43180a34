"""The Compare page (AppTest): the answer first, the charts and tables, any place, analysts' weights."""

from __future__ import annotations

import pytest

from swp_data import store
from swp_data.places import peers
from swp_data.store import audit
from tests.app.conftest import no_errors, open_page
from tests.unit.test_peer_police import twelve_months  # noqa: F401 - a fixture

CMP = "pages/compare.py"


def _text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_city_comparison(ref_app):
    at = ref_app(CMP)
    no_errors(at)
    text = _text(at)
    assert "Wolverhampton is higher than its most similar places on 4, similar on 1 and lower on 3" in text
    frames = [d.value for d in at.dataframe]
    ind = frames[0]
    assert len(ind) == 8 and "verdict (peers)" in ind.columns
    assert ind.loc[ind["indicator"] == "Violence with injury", "rank of 16 (1 = highest)"].iloc[0] == 1
    peer_tab = next(f for f in frames if "match" in f.columns)
    assert len(peer_tab) == 15 and peer_tab.iloc[0]["name"] == "Walsall"
    assert len(at.get("plotly_chart")) == 4  # spine, sorted bars, funnel, contributions
    assert "not the Home Office" in text
    assert "42 of 161 LSOAs of Wolverhampton are in England's most affected 10%" in text
    # No analyst controls unless analysts; local mode is the analyst.
    assert at.button(key="cmp_w_save")


def test_other_place_and_ward_level(ref_app):
    at = ref_app(CMP, cmp_place="E22000352", cmp_level="ward", cmp_indicator="burglary")
    no_errors(at)
    text = _text(at)
    assert "Dartford and Gravesham \\(community safety partnership\\)" in text
    assert "The map covers the city only" in "\n".join(c.value for c in at.caption)
    assert any("England's most affected 10%" in f.value.columns for f in at.dataframe)


def test_analyst_saves_weights_and_all_zero_is_refused(ref_app, store_path):
    at = ref_app(CMP)
    at.number_input(key="cmp_w_population").set_value(3.0)
    at.button(key="cmp_w_save").click().run()
    no_errors(at)
    with store.reading() as con:
        assert peers.weights(con)["population"] == 3.0
        assert "population 1 -> 3" in audit.entries(con)["detail"].iloc[0]
        n_audit = len(audit.entries(con))
    for k in peers.VARIABLES:
        at.number_input(key=f"cmp_w_{k}").set_value(0.0)
    at.button(key="cmp_w_save").click().run()
    assert any("all zero" in e.value for e in at.error)
    with store.reading() as con:
        assert peers.weights(con)["population"] == 3.0 and len(audit.entries(con)) == n_audit


def test_public_site_has_the_page_without_weights(store_path, monkeypatch):
    monkeypatch.setenv("SWP_MODE", "public")
    at = open_page(CMP)
    no_errors(at)
    assert "most similar places" in _text(at)
    assert not [b for b in at.button if b.key in ("cmp_w_save", "cmp_w_reset")]


def test_no_peer_figures_says_how_to_get_them(ref_app):
    at = ref_app(CMP)
    assert any("No other district's police.uk figures are loaded" in i.value for i in at.info)


@pytest.mark.usefixtures("twelve_months")
def test_peers_police_figures(ref_app):
    at = ref_app(CMP)
    no_errors(at)
    pol = next(d.value for d in at.dataframe if "peers with data" in d.value.columns)
    v = pol.set_index("priority").loc["Violence"]
    assert v["peers with data"] == 2 and v["verdict"] == "significantly lower"
    assert any(c.key == "cmp_pol_chart" for c in at.get("plotly_chart"))
    assert "Jan 2025 to Dec 2025" in _text(at)
