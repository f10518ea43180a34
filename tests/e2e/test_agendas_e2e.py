"""Browser: the Meetings page: an agenda from the pack's contents, presented with
the keyboard, the live view with the meeting bar, back to the same item; axe
finds nothing in presentation mode or on a view with the bar."""

from __future__ import annotations

import re

import pytest

from tests.e2e.axe_helpers import violations
from tests.e2e.conftest import assert_no_exception, goto, shot, wait_idle

pytestmark = pytest.mark.e2e


def test_present_an_agenda(page):
    goto(page, "agendas")
    page.get_by_role("heading", name="Meetings").wait_for()
    if page.get_by_text("There is no agenda yet").count():
        page.get_by_label("Title").first.fill("Delivery Group <b>June</b>")
        page.get_by_role("button", name="Create the agenda").click()
        wait_idle(page, 1.5)
    try:
        page.get_by_text("agenda kept").first.wait_for(timeout=90_000)  # the store's cached queries are redone
    finally:
        shot(page, "meeting-created")
    assert_no_exception(page)
    page.get_by_role("button", name="Present").click()
    wait_idle(page, 1.5)
    progress = page.locator(".st-key-meeting_progress")
    progress.get_by_text(re.compile(r"1 of \d+")).wait_for()
    total = int(re.search(r"1 of (\d+)", progress.inner_text()).group(1))
    assert total >= 4  # priorities, the ward appendix, the Impact Areas
    assert not page.locator('[data-testid="stSidebar"]').is_visible()  # hidden for the projector
    size = page.locator(".st-key-meeting_slide h1").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48
    shot(page, "meeting-slide")
    found = violations(page)
    assert not found, "accessibility violations in presentation mode:\n" + "\n".join(found)
    page.keyboard.press("ArrowRight")
    wait_idle(page, 1.0)
    progress.get_by_text(f"2 of {total}").wait_for()
    title = page.locator(".st-key-meeting_slide h1").inner_text()
    page.keyboard.press("v")  # the live view of item 2
    wait_idle(page, 2.0)
    assert_no_exception(page)
    assert "/performance?" in page.url and "chart=" in page.url
    bar = page.locator(".st-key-meeting_bar")
    bar.get_by_text(f"item 2 of {total}").wait_for()
    assert title in bar.inner_text()
    found = violations(page)
    assert not found, "accessibility violations on a view with the meeting bar:\n" + "\n".join(found)
    shot(page, "meeting-view")
    page.locator('[data-testid="stSidebar"]').get_by_text("Copy link to this view").wait_for()  # the view published
    wait_idle(page, 1.0)
    bar.get_by_role("button", name="Save this view to the item").click()
    wait_idle(page, 1.0)
    shot(page, "meeting-view-saved")
    page.get_by_text("Saved: this view is now the item's view.").wait_for()
    # explore freely, then come back to the same item
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Trends", exact=True).click()
    wait_idle(page, 2.0)
    bar.get_by_role("button", name="Back to the agenda").click()
    wait_idle(page, 1.5)
    progress.get_by_text(f"2 of {total}").wait_for()
    page.keyboard.press("Escape")
    wait_idle(page, 1.0)
    page.get_by_role("heading", name="Meetings").wait_for()
    assert page.locator('[data-testid="stSidebar"]').is_visible()


def test_a_view_that_no_longer_exists_opens_with_defaults_and_says_so(page):
    goto(page, "agendas")
    page.get_by_role("heading", name="Meetings").wait_for()
    form = page.locator('[data-testid="stForm"]').first
    if not form.get_by_label("Title").is_visible():  # collapsed once an agenda exists
        page.get_by_text("New agenda").first.click()
    form.get_by_label("Title").fill("Stale views")
    form.get_by_text("Start from the quarterly pack's contents").click()  # unticked: an empty agenda
    form.get_by_role("button", name="Create the agenda").click()
    wait_idle(page, 1.5)
    assert page.get_by_role("button", name="Present").is_disabled()  # an empty agenda cannot be presented
    page.get_by_text("An empty agenda cannot be presented").wait_for()
    add = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Add to the agenda"))
    add.get_by_label("Title").fill("A deleted Impact Area")
    add.get_by_label(re.compile("^View: paste a link")).fill("/trends?area=impact:999&cat=burglary")
    add.get_by_role("button", name="Add to the agenda").click()
    wait_idle(page, 1.5)
    assert_no_exception(page)
    page.get_by_role("button", name="Present").click()
    wait_idle(page, 1.0)
    page.get_by_role("button", name="Show the view").click()
    wait_idle(page, 2.0)
    assert "/trends" in page.url
    page.get_by_text("Part of this link could not be used").wait_for()
    page.locator(".st-key-meeting_bar").get_by_text("item 1 of 1").wait_for()
    sb = page.locator('[data-testid="stSidebar"]')
    assert (
        "Whole city" in sb.get_by_role("combobox", name="Area").first.input_value()
        or sb.get_by_text("Whole city").count()
    )
