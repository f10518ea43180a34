"""A first visit straight to a page URL runs through app.py (shared sidebar).

Streamlit treats the pages/ folder as a legacy multipage folder until
st.navigation has run once in the server process (ui/navigation.py): these
tests start their own server so that their first request is the deep link."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, goto, shot, start_server, stop_server

pytestmark = pytest.mark.e2e


def test_first_request_is_a_deep_link(browser, ref_store, tmp_path):
    srv = start_server(ref_store, tmp_path)
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        pg = ctx.new_page()
        pg.base_url = srv["url"]
        goto(pg, "deprivation")
        pg.get_by_role("heading", name="Deprivation").wait_for()
        sb = pg.locator('[data-testid="stSidebar"]')
        sb.get_by_text("Geography level").wait_for()
        # Only the app's own pages are listed: no legacy entry for a module.
        assert sb.get_by_text("gateway", exact=True).count() == 0
        assert_no_exception(pg)
        shot(pg, "deep-link-deprivation")
        ctx.close()
    finally:
        stop_server(srv)


PUBLIC_PAGES = [
    "Overview",
    "Performance",
    "Trends",
    "Crime map",
    "Outcomes",
    "Deprivation",
    "Impact Areas",
    "Neighbourhood clusters",
    "Engagement",
    "Compare",
]


def test_first_visit_after_start_in_public_mode_lists_only_public_pages(browser, ref_store, tmp_path):
    """An anonymous visitor's first request after the server starts: the
    navigation is app.py's (the public pages), never the pages/ folder's
    files, and the analysts' Data page is neither listed nor served."""
    srv = start_server(ref_store, tmp_path, env={"SWP_MODE": "public"})
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        pg = ctx.new_page()
        pg.base_url = srv["url"]
        goto(pg, "data")
        sb = pg.locator('[data-testid="stSidebar"]')
        sb.get_by_text("Geography level").wait_for()
        links = sb.locator('[data-testid="stSidebarNavLink"]')
        links.first.wait_for()
        assert [t.strip().split("\n")[-1] for t in links.all_inner_texts()] == PUBLIC_PAGES  # after the icon's name
        assert pg.get_by_role("heading", name="Data", exact=True).count() == 0
        assert_no_exception(pg)
        ctx.close()
    finally:
        stop_server(srv)
