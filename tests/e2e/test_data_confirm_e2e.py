"""Browser: on the Data page, a one-row upload that would erase a month is
refused with the confirmation checkbox; ticked, the import goes ahead. Its own
server (the import changes the store)."""

from __future__ import annotations

import csv

import pytest

from swp_data.sources.policeuk import POLICE_COLUMNS
from tests.e2e.conftest import (
    ARTIFACTS,
    assert_no_exception,
    shot,
    start_server,
    stop_server,
    wait_idle,
)

CONFIRM = "Replace months even when the new file has far fewer records"


@pytest.fixture
def own_page(browser, demo_store, tmp_path):
    srv = start_server(demo_store, tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(30_000)
    try:
        yield pg, srv["url"]
    finally:
        ctx.close()
        stop_server(srv)
    assert not errors, errors


def test_a_one_row_upload_is_refused_then_confirmed(own_page, tmp_path):
    pg, url = own_page
    upload = tmp_path / "2025-06-west-midlands-street.csv"
    with open(upload, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(POLICE_COLUMNS)
        w.writerow(
            ["x1", "2025-06", "West Midlands Police", "West Midlands Police", "-1.890000", "52.480000",
             "On or near Broad Street", "E01009000", "Birmingham 050A", "Burglary", "", ""]
        )  # fmt: skip
    pg.goto(url + "/data")
    wait_idle(pg, 1.0)
    pg.get_by_role("heading", name="Import files").first.wait_for()
    pg.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    pg.locator('[data-testid="stFileChipName"]').first.wait_for()
    wait_idle(pg, 1.0)
    pg.get_by_role("button", name="Import", exact=True).click()
    wait_idle(pg, 1.5)
    alert = pg.locator('[data-testid="stAlertContentError"]').first
    alert.wait_for(timeout=60_000)
    text = alert.inner_text()
    assert "would remove the" in text and "West Midlands Police, Jun 2025 and bring 0" in text
    assert "/tmp" not in text and "Traceback" not in text
    box = pg.get_by_text(CONFIRM, exact=True)
    box.wait_for()
    assert_no_exception(pg)
    shot(pg, "data-replace-refused")
    box.click()
    wait_idle(pg, 1.0)
    pg.get_by_role("button", name="Import", exact=True).click()
    wait_idle(pg, 1.5)
    pg.get_by_text("Rows kept (Wolverhampton): 0").first.wait_for(timeout=60_000)
    wait_idle(pg, 1.5)  # the run goes on below the report: its end removes the last run's elements
    assert pg.locator('[data-testid="stAlertContentError"]').count() == 0
    assert pg.get_by_text(CONFIRM, exact=True).count() == 0
    assert_no_exception(pg)
    shot(pg, "data-replace-confirmed")
