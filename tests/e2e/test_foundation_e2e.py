"""Browser: Overview and Deprivation open, filters change, the map answers a click."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, choose, click_map, goto, shot, wait_idle

pytestmark = pytest.mark.e2e


def test_overview(page):
    goto(page)
    page.get_by_text("Safer Wolverhampton Insight").first.wait_for()
    page.get_by_text("263,753").first.wait_for()
    assert_no_exception(page)
    # The shared sidebar is there on every page.
    sb = page.locator('[data-testid="stSidebar"]')
    assert sb.get_by_text("Geography level").count() == 1
    choose(page, "Area", "Ward: Heath Town")
    assert_no_exception(page)
    shot(page, "overview")


def test_deprivation_filter_and_click(page):
    goto(page, "deprivation")
    page.get_by_role("heading", name="Deprivation").wait_for()
    assert_no_exception(page)
    click_map(page)
    assert_no_exception(page)
    page.get_by_text("Profile:").first.wait_for(timeout=30_000)
    shot(page, "deprivation-profile")
    page.locator('[data-testid="stSidebar"]').get_by_text("Wards", exact=True).click()
    wait_idle(page, 1.0)
    assert_no_exception(page)
    choose(page, "Show", "Pockets of deprivation")
    assert_no_exception(page)
    page.get_by_text("Hidden pockets").wait_for()
    shot(page, "deprivation-pockets")
