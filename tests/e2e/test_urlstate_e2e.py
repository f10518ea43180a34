"""Browser: a link opens the same view; changing a filter changes the URL;
the back button brings the previous view back; a bad link opens the page with
defaults and a note; the sidebar offers the link to copy."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_exception, goto, shot, wait_idle

pytestmark = pytest.mark.e2e

EAST_PARK = "E05014843"


def _heading(pg, name: str) -> None:
    pg.get_by_role("heading", name=name, exact=True).wait_for(timeout=60_000)


def _checked(pg, label: str) -> bool:
    return pg.locator('[data-testid="stRadio"] label').filter(has_text=label).first.locator("input").is_checked()


def _area(pg) -> str:
    box = pg.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Area", exact=True)
    return box.input_value()


def _link(pg) -> str:
    sb = pg.locator('[data-testid="stSidebar"]')
    box = sb.locator('[data-testid="stCode"]')
    if not box.is_visible():
        sb.get_by_text("Copy link to this view", exact=True).click()
    box.wait_for()
    return re.sub(r"\s+", "", box.inner_text())


def test_a_link_opens_the_view_and_the_back_button_returns(page):
    pg = page
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    goto(pg, f"trends?area=ward%3A{EAST_PARK}&cat=burglary&freq=quarter")
    _heading(pg, "Burglary: quarterly counts")
    wait_idle(pg)
    sb = pg.locator('[data-testid="stSidebar"]')
    assert _area(pg) == "Ward: East Park"
    assert _checked(pg, "Quarterly")
    assert pg.url.endswith(f"/trends?area=ward%3A{EAST_PARK}&cat=burglary&freq=quarter")
    assert _link(pg) == pg.url  # the full link, host included
    shot(pg, "urlstate-trends-link")

    # a change of filter: the URL follows, with one history entry
    before = pg.evaluate("history.length")
    pg.locator('[data-testid="stRadio"] label').filter(has_text="Financial year").first.click()
    _heading(pg, "Burglary: financial year counts")
    pg.wait_for_url(re.compile(r"freq=fy"))
    wait_idle(pg)
    assert pg.evaluate("history.length") == before + 1

    # back: the quarterly view again; forward: the financial years again
    pg.go_back()
    _heading(pg, "Burglary: quarterly counts")
    wait_idle(pg)
    assert "freq=quarter" in pg.url
    assert _checked(pg, "Quarterly")
    pg.go_forward()
    _heading(pg, "Burglary: financial year counts")
    wait_idle(pg)
    assert _checked(pg, "Financial year")

    # another page through the navigation: the sidebar area carries over
    sb.get_by_role("link", name="Crime map").click()
    _heading(pg, "Crime map")
    pg.wait_for_url(re.compile(rf"/crime_map\?area=ward%3A{EAST_PARK}$"))
    wait_idle(pg)
    assert _area(pg) == "Ward: East Park"
    assert_no_exception(pg)

    # back to Trends: the page switch made two entries (the bare /crime_map
    # the navigation pushes, then its filled-in URL), so two steps at most
    pg.go_back()
    wait_idle(pg, 1.0)
    if "/crime_map" in pg.url:
        assert _area(pg) == "Ward: East Park"  # the bare URL keeps the view
        pg.go_back()
    _heading(pg, "Burglary: financial year counts")
    wait_idle(pg)
    assert "/trends?" in pg.url and "freq=fy" in pg.url
    assert_no_exception(pg)
    assert not dialogs


def test_a_bad_link_opens_the_page_with_defaults_and_a_note(page):
    pg = page
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    goto(pg, "crime_map?area=ward%3AE09999999&cat=%3Cscript%3Ealert(1)%3C%2Fscript%3E&from=2001-01&map=hotspots")
    _heading(pg, "Crime map")
    note = pg.locator('[data-testid="stAlert"]').filter(has_text="Part of this link could not be used")
    note.wait_for()
    text = note.inner_text()
    assert "area" in text and "cat" in text and "from" in text
    assert "<script>alert(1)</script>" in text  # shown as text, never run
    assert note.locator("script").count() == 0
    wait_idle(pg)
    assert_no_exception(pg)
    assert (
        pg.locator('[data-testid="stRadio"] label').filter(has_text="Hotspots").first.locator("input").is_checked()
    )  # the valid part of the link is kept
    pg.wait_for_url(re.compile(r"/crime_map\?area=city&map=hotspots$"))
    assert _link(pg).endswith("/crime_map?area=city&map=hotspots")
    shot(pg, "urlstate-bad-link")
    assert not dialogs
