"""AppTest: every view is a link (ui/urlstate.py).

These tests run the pages through app.py, sidebar included (the real
``navigation.ensure_navigation``, not the conftest's stand-in), because the
sidebar's filters and the publishing of the URL happen there. A link is
opened the way a browser opens it on a page: a run of that page with the
link's query string, which is not the one the app wrote last.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from swp_data import store
from swp_data.analysis import crime
from swp_data.demo import areas as demo_area_defs
from swp_data.places import impact_areas
from tests.app.conftest import APP, no_errors
from ui import urlstate

TR, CM, IA, OV, DEP, CL = (
    "pages/trends.py",
    "pages/crime_map.py",
    "pages/impact_areas.py",
    "pages/overview.py",
    "pages/deprivation.py",
    "pages/clusters.py",
)
EN = "pages/engagement.py"
EAST_PARK = "E05014843"


@pytest.fixture(autouse=True)
def _no_navigation_rerun():
    """Overrides tests/app/conftest.py's fixture: keep the real
    ensure_navigation so that pages run through app.py and its sidebar."""


def open_link(page: str | None, query: dict[str, str], timeout: float = 90) -> AppTest:
    """Open ``page`` (None: Overview) with ``query`` as the link's parameters."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    return at


def notes(at) -> list[str]:
    return [i.value for i in at.info if "link could not be used" in i.value]


def link_text(at) -> str:
    return at.sidebar.code[0].value


@pytest.fixture
def demo_areas(demo_store_path):
    impact_areas.in_transaction(demo_area_defs.ensure_demo_impact_areas, path=demo_store_path)
    return demo_store_path


def test_trends_link_opens_the_same_view_and_follows_changes(demo_app):
    q = {"area": f"ward:{EAST_PARK}", "cat": "burglary", "freq": "quarter", "measure": "rate"}
    at = open_link(TR, q)
    no_errors(at)
    assert not notes(at)
    assert at.sidebar.selectbox(key="area").value == "Ward: East Park"
    assert at.selectbox(key="tr_sel").value == "Burglary"
    assert at.radio(key="tr_freq").value == "quarter"
    assert at.radio(key="tr_measure").value == "Rate per 1,000 residents"
    assert any(s.value == "Burglary: quarterly rates" for s in at.subheader)
    assert "area: **Ward\\: East Park**" in "\n".join(m.value for m in at.markdown)
    assert at.query_params == q  # the URL already says it: nothing rewritten
    assert link_text(at) == "/trends?area=ward%3AE05014843&cat=burglary&freq=quarter&measure=rate"

    # a change of view goes to the URL; a default value leaves it
    at.radio(key="tr_freq").set_value("fy").run()
    assert at.query_params["freq"] == "fy"
    at.radio(key="tr_measure").set_value("Counts").run()
    assert "measure" not in at.query_params
    assert at.query_params == {"area": f"ward:{EAST_PARK}", "cat": "burglary", "freq": "fy"}

    # the back button replays the earlier URL: the earlier view comes back
    at.query_params.clear()
    at.query_params.update(q)
    at.run()
    no_errors(at)
    assert at.radio(key="tr_freq").value == "quarter"
    assert at.radio(key="tr_measure").value == "Rate per 1,000 residents"
    # and back to the page's bare link: the defaults, the sidebar area kept
    at.query_params.clear()
    at.query_params.update({"area": f"ward:{EAST_PARK}"})
    at.run()
    assert at.radio(key="tr_freq").value == "month"
    assert at.selectbox(key="tr_sel").value == "All crime and ASB"
    assert at.sidebar.selectbox(key="area").value == "Ward: East Park"


def test_trends_link_with_lsoas_and_split(demo_app, demo_store_path):
    with store.reading() as con:
        lsoas = con.execute(
            "SELECT lsoa21_code FROM lsoa21 WHERE ward_code = ? ORDER BY 1 LIMIT 2", [EAST_PARK]
        ).fetchall()
    codes = [c for (c,) in lsoas]
    q = {"area": f"ward:{EAST_PARK}", "cat": "neighbourhood-crime", "split": "1", "lsoa": ",".join(codes)}
    at = open_link(TR, q)
    no_errors(at)
    assert not notes(at)
    assert at.multiselect(key="tr_lsoas").value == codes
    assert at.toggle(key="tr_split").value is True
    assert at.query_params == q


def test_crime_map_link_with_period_hotspots_and_profile(demo_app, demo_store_path):
    with store.reading() as con:
        months = crime.months_loaded(con)
        code = con.execute("SELECT lsoa21_code FROM lsoa21 ORDER BY 1 LIMIT 1").fetchone()[0]
    start, end = months[-24], months[-13]
    q = {
        "area": "city",
        "cat": "robbery",
        "from": f"{start:%Y-%m}",
        "to": f"{end:%Y-%m}",
        "map": "hotspots",
        "select": code,
    }
    at = open_link(CM, q)
    no_errors(at)
    assert not notes(at)
    assert at.selectbox(key="cm_sel").value == "Robbery"
    assert at.select_slider(key="cm_period").value == (start, end)
    assert at.radio(key="cm_view").value == "Hotspots"
    assert at.selectbox(key="cm_hotspots_selected").value == code
    assert any(s.value.startswith("Profile: ") and code in s.value for s in at.subheader)
    assert at.query_params == q

    # the change view at ward level: its own parameters, the period kept
    at.radio(key="cm_view").set_value("Areas").run()
    at.radio(key="cm_measure").set_value("Change").run()
    no_errors(at)
    assert at.query_params == {"area": "city", "cat": "robbery", "from": q["from"], "to": q["to"], "measure": "change"}


def test_impact_area_link_beats_the_sidebar_area(demo_app, demo_areas):
    q = {"area": "impact:demo-city-centre", "ia": "demo-whitmore-reans", "measure": "burglary"}
    at = open_link(IA, q)
    no_errors(at)
    assert not notes(at)
    assert at.selectbox(key="ia_profile").value == "demo-whitmore-reans"
    assert at.selectbox(key="ia_measure").value == "Burglary"
    assert any("Whitmore Reans" in m.value for m in at.markdown if m.value.startswith("### "))
    assert at.query_params == q
    # another area in the sidebar: the profile follows it, and so does the URL
    label = next(o for o in at.sidebar.selectbox(key="area").options if "Pennfields" in o)
    at.sidebar.selectbox(key="area").set_value(label).run()
    no_errors(at)
    assert at.selectbox(key="ia_profile").value == "demo-pennfields"
    assert at.query_params == {"area": "impact:demo-pennfields", "ia": "demo-pennfields", "measure": "burglary"}


def test_impact_area_link_to_an_lsoa_and_to_the_other_modes(demo_app, demo_areas):
    with store.reading() as con:
        inside = impact_areas.area_codes(con, "demo-whitmore-reans")
    q = {"area": "city", "ia": "demo-whitmore-reans", "lsoa": inside[-1]}
    at = open_link(IA, q)
    no_errors(at)
    assert not notes(at)
    assert at.selectbox(key="ia_lsoas_selected").value == inside[-1]
    assert any(inside[-1] in m.value and "most similar" in m.value for m in at.markdown)
    assert at.query_params == q
    at = open_link(IA, {"area": "city", "ia": "demo-whitmore-reans", "lsoa": "E01010410x"})
    assert "**lsoa**" in notes(at)[0]

    at = open_link(IA, {"area": "city", "mode": "create"})
    no_errors(at)
    assert at.radio(key="ia_mode").value == "Create an area"
    at = open_link(IA, {"area": "city", "mode": "manage", "edit": "demo-pennfields"})
    no_errors(at)
    assert at.selectbox(key="ia_manage").value == "demo-pennfields"


def test_overview_link_sets_the_shared_filters_and_offers_the_link(demo_app):
    at = open_link(None, {"area": f"ward:{EAST_PARK}", "level": "ward"})
    no_errors(at)
    assert at.sidebar.selectbox(key="area").value == "Ward: East Park"
    assert at.sidebar.radio(key="level").value == "Ward"
    assert link_text(at) == "/?area=ward%3AE05014843&level=ward"
    assert any(e.label == "Copy link to this view" for e in at.sidebar.expander)


def test_sidebar_filters_carry_over_to_another_page(demo_app):
    at = open_link(TR, {"area": f"ward:{EAST_PARK}", "cat": "burglary"})
    at.switch_page(CM)
    at.query_params.clear()  # the browser's navigation drops the query string
    at.run()
    no_errors(at)
    assert at.sidebar.selectbox(key="area").value == "Ward: East Park"
    assert at.query_params == {"area": f"ward:{EAST_PARK}"}


HOSTILE = "<script>alert(1)</script>"


def test_bad_parameters_give_defaults_and_one_short_note(demo_app, demo_store_path):
    with store.reading() as con:
        months = crime.months_loaded(con)
    q = {
        "area": "ward:E09999999",
        "cat": HOSTILE,
        "from": "2001-01",  # not loaded
        "to": "September",
        "map": "[click](javascript:alert(1))",
        "layer": "heat",  # valid: kept
        "select": "E01999999",
        "bogus": "1",
    }
    at = open_link(CM, q)
    no_errors(at)
    # the defaults where the link was wrong, the link's value where it was right
    assert at.sidebar.selectbox(key="area").value == "Whole city"
    assert at.selectbox(key="cm_sel").value == "All crime and ASB"
    assert at.select_slider(key="cm_period").value == (months[-12], months[-1])
    assert at.radio(key="cm_view").value == "Areas"
    assert at.radio(key="cm_overlay").value == "Heat"
    (note,) = notes(at)
    for name in ("area", "cat", "from", "to", "map", "select", "bogus"):
        assert f"**{name}**" in note
    assert "no records are loaded for that month" in note
    assert "<script" not in note and "](javascript" not in note
    assert "&lt;script&gt;" in note
    # the URL now states the view shown
    assert at.query_params == {"area": "city", "layer": "heat"}


def test_hostile_text_everywhere_never_breaks_a_page(demo_app):
    for page in (TR, IA, DEP, CL, EN, None):
        at = open_link(
            page,
            {
                "area": HOSTILE,
                "level": "**bold**",
                "cat": "x" * 5000,
                "freq": "%00",
                "ia": "../../etc/passwd",
                "k": "nan",
                "w_harm": "2",
                "lsoa": "E01010410,<b>",
                "view": "pockets'",
                "mode": "delete",
                "survey": "'; DROP TABLE dataset; --",
                "<img src=x onerror=alert(1)>": "1",
                "n" * 500: "1",
            },
        )
        no_errors(at)
        (note,) = notes(at)
        assert "<b>" not in note and "<script" not in note and "<img" not in note
        assert len(note) < 2500  # long values and names are shortened
        assert "n" * 40 + "…" in note and "n" * 41 not in note
        assert at.sidebar.selectbox(key="area").value == "Whole city"


def test_deprivation_and_clusters_links(demo_app):
    at = open_link(DEP, {"area": "city", "view": "census", "topic": "household-deprivation"})
    no_errors(at)
    assert not notes(at)
    assert at.selectbox(key="dep_view").value == "Census 2021"
    assert at.selectbox(key="dep_census").value == "household_deprivation"
    group = at.selectbox(key="dep_census_cat_household_deprivation")
    other = group.options[-1]
    group.set_value(other).run()
    assert at.query_params["group"] == urlstate.slug(other)
    assert urlstate.slug(other) and set(urlstate.slug(other)) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")

    with store.reading() as con:
        code = con.execute("SELECT lsoa21_code FROM lsoa21 ORDER BY 1 DESC LIMIT 1").fetchone()[0]
    at = open_link(DEP, {"area": "city", "edition": "2019", "domain": "health", "measure": "rank", "select": code})
    no_errors(at)
    assert not notes(at)
    assert at.radio(key="dep_edition").value == "2019"
    assert at.selectbox(key="dep_domain_2019").value == "health"
    assert at.radio(key="dep_measure").value == "rank"
    assert any(s.value.startswith("Profile: ") and code in s.value for s in at.subheader)
    # "score" exists only in the 2025 edition
    at = open_link(DEP, {"area": "city", "edition": "2019", "measure": "score"})
    no_errors(at)
    assert "**measure** “score”" in notes(at)[0]

    at = open_link(CL, {"area": "city", "ind": "crime_asb,imd_imd", "method": "ward", "k": "4", "w_trend": "0.5"})
    no_errors(at)
    assert not notes(at)
    assert at.multiselect(key="cl_ind").value == ["crime_asb", "imd_imd"]
    assert at.radio(key="cl_method").value == "ward"
    assert at.select_slider(key="cl_k").value == 4
    assert at.slider(key="cl_w_trend").value == 0.5
    assert at.query_params == {"area": "city", "ind": "crime_asb,imd_imd", "method": "ward", "k": "4", "w_trend": "0.5"}


def test_engagement_link(demo_app):
    at = open_link(EN, {"area": "city"})
    surveys = at.selectbox(key="en_survey").options
    questions = at.selectbox(key="en_question").options
    question = questions[-1]
    answers = [o for o in at.radio(key="en_answer").options if o != "No"]
    q = {"area": "city", "question": urlstate.slug(question), "answer": urlstate.slug(answers[0])}
    at = open_link(EN, q)
    no_errors(at)
    assert not notes(at)
    assert at.selectbox(key="en_survey").value == surveys[0]
    assert at.selectbox(key="en_question").value == question
    assert at.radio(key="en_answer").value == answers[0]
    # the first question is the default: the link written back leaves it out
    assert at.query_params == (q if len(questions) > 1 else {"area": "city", "answer": q["answer"]})
