"""Issue 22, finding 4: the geography level and the Area list agree. By
wards, the list offers the city and the wards (an Impact Area is a set of
neighbourhoods); an Impact Area chosen otherwise (a link, "Find a place")
is drawn by neighbourhoods; choosing Wards on an Impact Area shows the city."""

from __future__ import annotations

import pytest

from swp_data.demo import areas as demo_areas
from swp_data.places import impact_areas
from tests.app.conftest import no_errors, open_page
from ui import sidebar

PENNFIELDS = "Impact Area: Pennfields (approximate)"
OPTS = {
    sidebar.CITY: ("city", None),
    "Ward: Park": ("ward", "E05014852"),
    PENNFIELDS: ("impact", "demo-pennfields"),
}


@pytest.fixture
def with_areas(demo_store_path):
    impact_areas.in_transaction(demo_areas.ensure_demo_impact_areas, path=demo_store_path)
    return demo_store_path


def test_ward_level_lists_the_city_and_wards_and_neighbourhoods_list_all():
    assert sidebar.area_choices(OPTS, sidebar.LEVELS["lsoa"]) == OPTS
    assert sidebar.area_choices(OPTS, None) == OPTS
    assert list(sidebar.area_choices(OPTS, sidebar.LEVELS["ward"])) == [sidebar.CITY, "Ward: Park"]


def test_wards_chosen_on_an_impact_area_show_the_whole_city_and_say_so(monkeypatch):
    state = {"area": PENNFIELDS, "level": sidebar.LEVELS["ward"]}
    monkeypatch.setattr(sidebar.st, "session_state", state)
    sidebar._level_changed(OPTS)
    assert state["area"] == sidebar.CITY and "drawn by neighbourhoods only" in state["place_found"]
    state = {"area": "Ward: Park", "level": sidebar.LEVELS["ward"]}
    monkeypatch.setattr(sidebar.st, "session_state", state)
    sidebar._level_changed(OPTS)
    assert state == {"area": "Ward: Park", "level": sidebar.LEVELS["ward"]}  # a ward by wards: kept


def test_an_impact_area_with_ward_level_is_drawn_by_neighbourhoods(with_areas):
    at = open_page(area=PENNFIELDS, level="Ward")  # as a link or "Find a place" may set them
    no_errors(at)
    assert at.session_state["area"] == PENNFIELDS
    assert at.session_state["level"] == "LSOA"
    at = open_page(area="Ward: Park", level="Ward")
    no_errors(at)
    assert at.session_state["area"] == "Ward: Park" and at.session_state["level"] == "Ward"
