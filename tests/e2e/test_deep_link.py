"""A first visit straight to a page URL runs through app.py (shared sidebar).

Streamlit treats the pages/ folder as a legacy multipage folder until
st.navigation has run once in the server process: this test starts its own
server so that its first request is the deep link."""

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
        # Only the app's own pages are listed: no legacy entry for ui/common.py.
        assert sb.get_by_text("common", exact=True).count() == 0
        assert_no_exception(pg)
        shot(pg, "deep-link-deprivation")
        ctx.close()
    finally:
        stop_server(srv)
