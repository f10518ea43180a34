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
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 3  # mix, share charged, delays
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
