"""Browser: issue #22's sidebar behaviours: a place name sets the Area; a real
"Copy link" button, reached by keyboard, copies the view's link and says so."""

from __future__ import annotations

import re

from tests.e2e.conftest import assert_no_exception, goto, shot, wait_idle


def test_place_search_and_copy_link_button(page):
    pg = page
    pg.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=pg.base_url)
    goto(pg, "impact_areas")
    assert_no_exception(pg)
    sb = pg.locator('[data-testid="stSidebar"]')
    box = sb.get_by_role("combobox", name="Find a place", exact=True)
    box.click()
    box.fill("Whitmore")
    pg.get_by_role("option", name="Whitmore Reans", exact=True).first.click()
    wait_idle(pg, 1.5)
    assert_no_exception(pg)
    assert sb.get_by_role("combobox", name="Area", exact=True).input_value() == (
        "Impact Area: Whitmore Reans (approximate)"
    )
    sb.get_by_text("Whitmore Reans: in Park ward").wait_for()
    pg.get_by_role("heading", name="Whitmore Reans").first.wait_for()
    pg.wait_for_url(re.compile(r"area=impact%3Ademo-whitmore-reans"))
    # the copy button: a real button in the sidebar, pressed from the keyboard
    frame = pg.frame_locator('[data-testid="stSidebar"] iframe').first
    button = frame.get_by_role("button", name="Copy link")
    button.focus()
    pg.keyboard.press("Enter")
    frame.get_by_text("Link copied").wait_for(timeout=10_000)
    copied = pg.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(pg.base_url) and "area=impact%3Ademo-whitmore-reans" in copied
    shot(pg, "plain-answers-sidebar")
