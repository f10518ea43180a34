"""Browser: the Action plan page: an analyst adds an action (its title shown
as text, never markup), then "did it work?" for the sidebar's Impact Area
shows the verdict and the chart."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, choose, goto, shot, wait_idle

pytestmark = pytest.mark.e2e

TITLE = "Op <b>Shield</b> & *stars*"


def test_add_an_action_and_ask_did_it_work(page):
    goto(page, "actions")
    page.get_by_role("heading", name="Action plan").first.wait_for()
    assert_no_exception(page)
    page.get_by_text("The action plan is empty.").wait_for()
    page.get_by_text("Change the plan (analysts)").click()
    wait_idle(page)
    title = page.get_by_label("Title").first
    title.fill(TITLE)
    title.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Add the action").click()
    wait_idle(page, 1.0)
    page.get_by_text(f"Added “{TITLE}”.").wait_for(timeout=30_000)
    page.get_by_text("The plan has 1 action: 1 not started.").wait_for()
    assert page.locator("b", has_text="Shield").count() == 0  # shown as text
    assert_no_exception(page)
    # Did it work? for the area chosen in the sidebar (the new action has no place, start or measure)
    page.get_by_text("Choose a ward or an Impact Area in the sidebar").wait_for()
    choose(page, "Area", "Impact Area: Whitmore Reans (approximate)")
    wait_idle(page, 1.0)
    page.get_by_text("in Whitmore Reans (approximate) from").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(state="visible")
    page.get_by_text("Placebo check").wait_for()
    page.get_by_text("DEMO DATA").first.wait_for()
    assert "area=" in page.url
    assert_no_exception(page)
    shot(page, "action-plan")
