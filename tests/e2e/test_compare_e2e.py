"""Browser: the Compare page from a link, its charts and map, another place chosen and kept in the URL."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, choose, goto, shot, wait_idle

pytestmark = pytest.mark.e2e


def test_compare_page_link_charts_and_place(page):
    goto(page, "compare?indicator=burglary")
    page.get_by_role("heading", name="Compare").first.wait_for()
    assert_no_exception(page)
    page.get_by_text("Wolverhampton is higher than its most similar places on 4").wait_for(timeout=60_000)
    # the spine chart, the group's bars, the funnel plot and the peers' contributions are drawn
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=60_000)
    page.get_by_text("Burglary: the group, highest first").wait_for()
    # the LSOA map of percentiles among England's LSOAs
    page.locator('iframe[src*="streamlit_folium"]').first.wait_for(state="visible", timeout=60_000)
    shot(page, "compare-city")
    choose(page, "Place", "Walsall (E08000030)")
    wait_idle(page, 1.5)
    assert_no_exception(page)
    page.get_by_text("Walsall is higher than its most similar places").wait_for(timeout=60_000)
    page.get_by_text("The map covers the city only").wait_for()
    page.wait_for_function("() => location.search.includes('place=e08000030')", timeout=30_000)
    assert "indicator=burglary" in page.url
    shot(page, "compare-walsall")
