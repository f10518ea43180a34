"""Browser: Trends answers a filter, the Crime map answers a click with a
profile, and the Data page imports a file uploaded through the browser."""

from __future__ import annotations

import csv

import pytest

from tests.e2e.conftest import assert_no_exception, choose, click_map, goto, shot, wait_idle

pytestmark = pytest.mark.e2e

CSV_2012 = "police_uk/csv/2012-01-west-midlands-street-wolverhampton.csv"


def test_trends_filter_and_chart(page):
    goto(page, "trends")
    page.get_by_role("heading", name="Trends").first.wait_for()
    page.get_by_text("Latest month: Sep 2026").first.wait_for()
    charts = page.locator('[data-testid="stPlotlyChart"]')
    charts.first.wait_for()
    assert charts.count() >= 3
    page.get_by_text("Same period last year: Sep 2026 vs Sep 2025").first.wait_for()
    assert_no_exception(page)
    page.get_by_text("Quarterly", exact=True).first.click()
    wait_idle(page, 1.0)
    page.get_by_text("Same period last year: Jul–Sep 2026 vs Jul–Sep 2025").first.wait_for()
    choose(page, "Crime type", "Violence (grouping)")
    page.get_by_role("heading", name="Violence: quarterly counts").first.wait_for()
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for()
    assert_no_exception(page)
    shot(page, "trends-violence-quarterly")


def test_crime_map_click_shows_a_profile(page):
    goto(page, "crime_map")
    page.get_by_role("heading", name="Crime map").first.wait_for()
    page.get_by_text("Latest month: Sep 2026").first.wait_for()
    assert_no_exception(page)
    click_map(page)
    assert_no_exception(page)
    page.get_by_text("Profile:").first.wait_for(timeout=30_000)
    page.get_by_text("Residents (Census 2021)").first.wait_for()
    page.get_by_text("Top categories").first.wait_for()
    shot(page, "crime-map-profile")


def test_hotspot_map_with_the_points_layer_draws_and_opens_a_record(page):
    """The points layer on the hotspots view: the map is drawn (its frame has
    a size; folium's jQuery popups once stopped its script) and a record's
    popup opens with the record's text. The page fixture fails on any
    JavaScript error."""
    goto(page, "crime_map?map=hotspots&layer=points")
    page.get_by_text("Hot spots").first.wait_for()
    frame_el = page.locator('iframe[src*="streamlit_folium"]').first
    frame_el.wait_for(state="visible")
    assert frame_el.bounding_box()["height"] > 300
    frame = frame_el.content_frame
    frame.locator(".leaflet-container canvas").first.wait_for(state="attached")
    opened = frame.locator("body").evaluate(
        """() => { let n = 0, text = null;
            for (const k of Object.keys(window)) { const v = window[k];
                try { if (v && typeof v.getPopup === 'function' && v.getPopup()) {
                    n++; if (text === null) { v.openPopup(); text = v.getPopup().getContent(); } } } catch (e) {} }
            return [n, text]; }"""
    )
    assert opened[0] == 1000 and "Location" in opened[1]
    frame.locator(".leaflet-popup-content").filter(has_text="Last outcome").wait_for()
    assert_no_exception(page)
    shot(page, "crime-map-hotspots-points")


def test_data_upload_in_the_browser(page, bundle_dir, tmp_path):
    # a police.uk CSV made from the real 2012 sample: its first 300 records
    with open(bundle_dir / CSV_2012, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    upload = tmp_path / "2012-01-west-midlands-street.csv"
    with open(upload, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows[:301])
    goto(page, "data")
    page.get_by_role("heading", name="Import files").first.wait_for()
    assert_no_exception(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    page.locator('[data-testid="stFileChipName"]').first.wait_for()  # uploaded (the name is shortened)
    wait_idle(page, 1.0)
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page, 1.5)
    page.get_by_text("Rows kept (Wolverhampton): 300").first.wait_for(timeout=60_000)
    assert_no_exception(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    # the grid draws on a canvas; its (hidden) accessible table holds the cells, newest dataset first
    first = grid.locator('[data-testid="glide-cell-0-0"]')
    first.wait_for(state="attached")
    assert first.text_content() == "police.uk street-level crime: West Midlands Police"
    status = grid.locator('td[role="gridcell"][aria-colindex="3"]').first
    assert status.text_content() == "Real"
    assert page.locator('[data-testid="stMetricValue"]').filter(has_text="300").count() >= 2  # rows read, kept
    shot(page, "data-uploaded")
