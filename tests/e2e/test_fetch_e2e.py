"""Browser: the Data page's "Update from police.uk" against the local
police.uk stand-in, with the progress bar month by month and the report."""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import assert_no_exception, goto, shot, start_server, stop_server, wait_idle
from tests.policeuk_standin import StandIn, synthetic_months


@pytest.fixture(scope="module")
def standin():
    with StandIn(synthetic_months(3, last="2026-09")) as a:
        yield a


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_store, standin):
    """The app (on a copy of the demo store) with SWP_POLICE_API pointing at the stand-in."""
    old = os.environ.get("SWP_POLICE_API")
    os.environ["SWP_POLICE_API"] = standin.url
    try:
        srv = start_server(demo_store, tmp_path_factory.mktemp("e2e-fetch"))
    finally:
        if old is None:
            os.environ.pop("SWP_POLICE_API", None)
        else:
            os.environ["SWP_POLICE_API"] = old
    yield srv
    stop_server(srv)


def test_update_from_police_uk_in_the_browser(page, standin):
    for m in standin.months:  # each month answers slowly, so the bar can be seen moving
        standin.month_faults[m] = ("slow", 1)
    standin.slow_seconds = 2.5
    goto(page, "data")
    page.get_by_role("heading", name="Update from police.uk").first.wait_for()
    assert_no_exception(page)
    page.get_by_role("button", name="Update from police.uk").click()
    page.mouse.move(0, 0)  # no tooltip over the screenshots
    bar = page.locator('[data-testid="stProgress"]')
    bar.filter(has_text="of 3").first.wait_for(timeout=30_000)
    seen = {bar.first.inner_text()}
    shot(page, "data-fetch-progress")
    deadline = time.time() + 90
    while page.get_by_text("Updated from police.uk").count() == 0 and time.time() < deadline:
        try:
            if bar.count():
                seen.add(bar.first.inner_text(timeout=1000))
        except PlaywrightError:  # the bar went away between count() and inner_text()
            pass
        page.wait_for_timeout(100)
    page.get_by_text("Updated from police.uk: 3 month(s) fetched and imported.").first.wait_for(timeout=60_000)
    wait_idle(page, 1.0)
    assert_no_exception(page)
    # the bar moved month by month
    steps = {k for k in (1, 2, 3) if any(f"({k} of 3)" in s for s in seen)}
    assert 1 in steps and len(steps) >= 2, seen
    report = page.locator('[data-testid="stCode"]').filter(has_text="Months fetched: 3").first
    report.wait_for()
    assert "Jul 2026 (not loaded from the API yet):" in report.inner_text()
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Requests")
    assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == "5"  # requests, exactly
    shot(page, "data-fetch-done")
    assert {e["ua"] for e in standin.log} == {
        "SaferWolverhamptonInsight/1.0 (Safer Wolverhampton Partnership dashboard; police.uk monthly update)"
    }
