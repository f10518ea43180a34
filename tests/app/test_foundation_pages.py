"""AppTest: Overview and Deprivation, with and without filters."""

from __future__ import annotations

import pytest

from tests.app.conftest import no_errors

DEP = "pages/deprivation.py"


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


def test_overview_reference_only(ref_app):
    at = ref_app()
    no_errors(at)
    assert at.title[0].value == "Safer Wolverhampton Insight"
    assert _metric(at, "Residents (Census 2021)").value == "263,753"
    assert _metric(at, "Most deprived local authorities, IMD 2025").value == "23 of 296"
    assert _metric(at, "LSOAs in England's most deprived 10%").value.startswith("35 of 161")
    assert _metric(at, "West Midlands police force area").value == "3 of 7"
    # Sidebar: the shared filters are there, with every ward.
    assert at.sidebar.radio(key="level").options == ["Neighbourhoods", "Wards"]  # shown in words (LSOA, Ward)
    assert "Ward: Park" in at.sidebar.selectbox(key="area").options
    assert any("Open Government Licence" in c.value for c in at.sidebar.caption)


def test_overview_sidebar_filter_state(ref_app):
    at = ref_app(area="Ward: Heath Town", level="Ward")
    no_errors(at)
    assert at.sidebar.selectbox(key="area").value == "Ward: Heath Town"
    assert at.sidebar.radio(key="level").value == "Ward"
    assert len(at.sidebar.toggle) == 0  # public mode is the server's (SWP_MODE), not a switch


@pytest.mark.parametrize("level", ["LSOA", "Ward"])
@pytest.mark.parametrize(
    "view", ["IMD and domains", "IoD2025 crime indicators", "Census 2021", "Pockets of deprivation"]
)
def test_deprivation_views(ref_app, view, level):
    at = ref_app(DEP, level=level, dep_view=view)
    no_errors(at)
    assert at.title[0].value == "Deprivation"
    table = at.dataframe[0].value
    n = len(table)
    if view == "Pockets of deprivation":
        assert 0 < n < 161
    else:
        assert n == (161 if level == "LSOA" else 20)


def test_deprivation_area_filter_limits_table(ref_app):
    at = ref_app(DEP, area="Ward: Park")
    no_errors(at)
    table = at.dataframe[0].value
    assert len(table) == 9 and set(table["ward_name"]) == {"Park"}


def test_deprivation_imd2019_and_domain(ref_app):
    at = ref_app(DEP, dep_edition="2019")
    at.selectbox(key="dep_domain_2019").set_value("crime").run()
    no_errors(at)
    assert any("Crime decile (IMD 2019)" in m.value.replace("\\", "") for m in at.markdown)


def test_deprivation_profile_of_selected_area(ref_app, bundle_dir):
    import pandas as pd

    pop = pd.read_csv(bundle_dir / "population/census2021_lsoa21_age_bands_wolverhampton.csv")
    expected = int(pop.loc[pop["lsoa21_code"] == "E01010410", "usual_residents"].sum())
    at = ref_app(DEP)
    key = next(s.key for s in at.selectbox if s.key and s.key.endswith("_selected"))
    at.selectbox(key=key).set_value("E01010410").run()
    no_errors(at)
    assert any("Profile: Wolverhampton 033A" in s.value for s in at.subheader)
    assert _metric(at, "Residents (Census 2021)").value == f"{expected:,}"


def test_pockets_ranked(ref_app):
    at = ref_app(DEP, dep_view="Pockets of deprivation", pockets_band="quintile")
    no_errors(at)
    t = at.dataframe[0].value
    assert t["national rank"].is_monotonic_increasing
    assert (t["LSOA decile"] <= 2).all() and (t["ward average decile"] > 2).all()


def test_overview_crime_headline_with_demo(demo_app, demo_store_path):
    import duckdb

    at = demo_app()
    no_errors(at)
    con = duckdb.connect(str(demo_store_path), read_only=True)
    last = con.execute("SELECT max(month) FROM crime").fetchone()[0]
    cur, prev = con.execute(
        "SELECT count(*) FILTER (WHERE month > ? - INTERVAL 12 MONTH), "
        "count(*) FILTER (WHERE month <= ? - INTERVAL 12 MONTH AND month > ? - INTERVAL 24 MONTH) FROM crime",
        [last, last, last],
    ).fetchone()
    con.close()
    m = _metric(at, "All crime and ASB (DEMO)")
    assert m.value == f"{cur:,}"
    assert m.delta == f"{100 * (cur / prev - 1):+.1f}%"
    assert any("DEMO DATA" in w.value for w in at.warning)
    assert any("Latest month loaded: Sep 2026" in c.value for c in at.caption)


def test_pockets_at_ward_level_keep_the_area_lsoas(ref_app):
    """Pockets are LSOAs: with Ward level and a ward chosen, the table keeps
    that ward's pocket LSOAs (it must not be filtered by ward codes)."""
    at = ref_app(DEP, level="Ward", area="Ward: Park", dep_view="Pockets of deprivation", pockets_band="quintile")
    no_errors(at)
    t = at.dataframe[0].value
    assert len(t) > 0 and set(t["ward_name"]) == {"Park"}


def test_app_run_freezes_the_server_heap(ref_app, monkeypatch):
    """app.py settles the heap after a run that loaded modules (ui/heap.py)."""
    import gc

    from ui import heap

    monkeypatch.setattr(heap, "_modules_frozen", 0)
    gc.unfreeze()
    try:
        at = ref_app()
        no_errors(at)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_crime_and_deprivation_view_reads_the_loaded_records_against_income(demo_app, demo_store_path):
    import duckdb

    from swp_data.analysis import crime_deprivation

    at = demo_app(DEP, dep_view="Crime and deprivation")
    no_errors(at)
    assert at.selectbox(key="dep_vs_domain").value == "income"  # Income by default
    con = duckdb.connect(str(demo_store_path), read_only=True)
    try:
        rel = crime_deprivation.relationship(con, "income", None, what="All crime and ASB")
    finally:
        con.close()
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert rel.reading in text and "Spearman's rank correlation" in text
    assert not any("circular" in w.value for w in at.warning)
    table = next(d.value for d in at.dataframe if "fifth" in d.value.columns)
    assert len(table) == 161 and table["count"].sum() == rel.lsoas["count"].sum()
    # the overall IMD is partly circular: a warning says so
    at.selectbox(key="dep_vs_domain").set_value("imd").run()
    no_errors(at)
    assert any("partly circular" in w.value for w in at.warning)
