"""Browser: the Outcomes page on the demo store: the answer, the charts, a
change of crimes written to the URL, and a link opening the same view."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, choose, goto, shot, wait_idle

pytestmark = pytest.mark.e2e


def test_outcomes_page_answers_and_keeps_its_view_in_the_url(page):
    goto(page, "outcomes")
    page.get_by_role("heading", name="Outcomes", exact=True).wait_for()
    assert_no_exception(page)
    page.get_by_text("DEMO DATA", exact=False).first.wait_for()
    page.get_by_text("had a suspect charged or summonsed", exact=False).first.wait_for()
    # mix, share charged, delays (plotly draws each chart when it comes into view: scroll through the page)
    page.mouse.wheel(0, 6000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
    page.mouse.wheel(0, -6000)
    shot(page, "outcomes-city")
    choose(page, "Crimes", "Burglary")
    page.wait_for_function("() => location.search.includes('measure=burglary')", timeout=30_000)
    assert page.locator("strong", has_text="Burglary").count() >= 1
    assert_no_exception(page)
    # the link opens the same view
    url = page.url
    goto(page, "")
    page.goto(url)
    wait_idle(page, 1.0)
    page.get_by_role("heading", name="Outcomes", exact=True).wait_for()
    box = page.get_by_role("combobox", name="Crimes", exact=True).first
    assert box.input_value() == "Burglary"
    page.get_by_text("had a suspect charged or summonsed", exact=False).first.wait_for()
    assert page.locator("strong", has_text="Burglary").count() >= 1
    assert_no_exception(page)
