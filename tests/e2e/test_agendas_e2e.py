"""Browser: the Meetings page: an agenda from the pack's contents, presented with
the keyboard, the live view with the meeting bar, back to the same item; axe
finds nothing in presentation mode or on a view with the bar."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_exception, goto, shot, wait_idle
from tests.e2e.test_accessibility_e2e import violations

pytestmark = pytest.mark.e2e


def test_present_an_agenda(page):
    goto(page, "agendas")
    page.get_by_role("heading", name="Meetings").wait_for()
    if page.get_by_text("There is no agenda yet").count():
        page.get_by_label("Title").first.fill("Delivery Group <b>June</b>")
        page.get_by_role("button", name="Create the agenda").click()
        wait_idle(page, 1.5)
    assert_no_exception(page)
    page.get_by_text("agenda kept").first.wait_for()
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
