"""AppTest: the Outcomes page on the demo store (street files' last outcomes
only, DEMO banner) and on the real 2012-01 street records with a small
outcomes file of their real Crime IDs (TEST DATA: made-up outcomes), its
figures checked against the analysis and the store."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from swp_data.sources.imports import import_paths
from tests.app.conftest import APP, no_errors, open_page
from tests.unit.test_outcomes_import import (
    CSV_2012,
    N_KNOWN,
    TODAY,
    outcome_rows,
    street_crimes,
    write_outcomes,
)

OC = "pages/outcomes.py"
HEATH_TOWN = "E05014848"


@pytest.fixture(autouse=True)
def _no_navigation_rerun():
    """Overrides tests/app/conftest.py's fixture: the pages run through app.py
    and its sidebar (links are read there); no test here clicks a button."""


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


@pytest.fixture
def outcomes_store(store_path, bundle_dir, tmp_path):
    street = bundle_dir / CSV_2012
    import_paths([street], today=TODAY)
    crimes = street_crimes(street)
    # 60 crimes get an outcome eight months on (Sep 2012): Jan 2012 is then a mature cohort
    f = write_outcomes(tmp_path / "2012-09-west-midlands-outcomes.csv", outcome_rows(crimes, "2012-09"))
    import_paths([f], today=TODAY)
    return store_path


def test_outcomes_page_demo(demo_app):
    at = open_page(OC)
    no_errors(at)
    assert any("DEMO DATA" in w.value for w in at.warning)
    text = _texts(at.markdown)
    assert "charged or summonsed" in text
    assert at.selectbox(key="oc_measure").value == "All crime (excluding ASB)"
    assert len(at.dataframe) >= 3


def test_outcomes_page_real_with_history(outcomes_store):
    at = open_page(OC)
    no_errors(at)
    assert not any("DEMO DATA" in w.value for w in at.warning)
    text = _texts(at.markdown)
    # as the CLI computes it: of the 1,424 crimes of Jan 2012, the charged ones
    from swp_data import store
    from swp_data.analysis import outcomes as oc

    with store.reading() as con:
        v = oc.view(con, None, "All crime (excluding ASB)", dt.date(2012, 1, 1), dt.date(2012, 1, 1))
    assert v.asof.strftime("%Y-%m") == "2012-09" and v.mature["crimes"] == 1424
    assert f"Of the **{v.mature['crimes']:,}** crimes" in text
    assert f"**{100 * v.mature['charged_share']:.1f}%** had a suspect charged or summonsed" in text
    # the delays need the history: 60 crimes, all eight months on
    assert f"{N_KNOWN:,} have an outcome recorded" in text and "within **8 months**" in text


def test_outcomes_page_link(outcomes_store):
    """A link's choices open the same view (measure, months, area)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page(OC)
    at.run()
    at.query_params.clear()
    at.query_params.update({"area": f"ward:{HEATH_TOWN}", "measure": "burglary", "from": "2012-01", "to": "2012-01"})
    at.run()
    no_errors(at)
    assert at.selectbox(key="oc_measure").value == "Burglary"
    text = _texts(at.markdown)
    assert "Heath Town" in text and "Burglary" in text
    assert not [i.value for i in at.info if "link could not be used" in i.value]


def test_outcomes_page_public_mode(demo_store_path, monkeypatch):
    """The public site shows the page (police.uk data is open), nothing to change."""
    monkeypatch.setenv("SWP_MODE", "public")
    at = open_page(OC)
    no_errors(at)
    assert "had a suspect charged or summonsed" in _texts(at.markdown)
    assert len(at.button) == 0
