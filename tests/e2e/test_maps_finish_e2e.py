"""Browser: issue #22's last findings at 1280x720. Maps: the whole city in the
frame, a one-line attribution clear of it, the frame titled for screen
readers. Overview: no figure cut off with "…". The level and the Area list
agree."""

from __future__ import annotations

from tests.e2e.conftest import assert_no_exception, goto, shot, wait_idle

MAP = 'iframe[src*="streamlit_folium"]'
# the first GeoJSON layer's (the choropleth's) bounds in the map's pixels, and the attribution's box
JS_FIT = """() => {
  const first = (k, f) => Object.keys(window).filter(n => n.startsWith(k)).map(n => window[n]).find(v => v && v[f]);
  const map = first('map_', 'getContainer'), layer = first('geo_json_', 'getBounds');
  const b = layer.getBounds();
  const sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
  const a = document.querySelector('.leaflet-control-attribution');
  const r = a.getBoundingClientRect(), el = map.getContainer();
  return {w: el.clientWidth, h: el.clientHeight, left: sw.x, bottom: sw.y, right: ne.x, top: ne.y,
          attTop: r.top, attLeft: r.left, attH: r.height, text: a.innerText};
}"""


def test_maps_overview_and_level_at_1280(page):
    pg = page
    pg.set_viewport_size({"width": 1280, "height": 720})
    goto(pg, "crime_map")
    assert_no_exception(pg)
    frame_el = pg.locator(MAP).first
    frame_el.wait_for(state="visible", timeout=60_000)
    frame = frame_el.content_frame
    frame.locator(".leaflet-container canvas").first.wait_for(state="attached", timeout=30_000)
    pg.wait_for_function(
        "t => [...document.querySelectorAll(t)].every(f => f.title.startsWith('Map of Wolverhampton'))", arg=MAP
    )
    # the city's polygons (the canvas layer's bounds in the map's pixels) inside the frame, above the attribution
    geo = frame_el.element_handle().content_frame().evaluate(JS_FIT)
    assert geo["left"] >= 0 and geo["top"] >= 0, geo
    assert geo["right"] <= geo["w"] and geo["bottom"] <= geo["h"], geo
    assert geo["bottom"] <= geo["attTop"] or geo["attLeft"] > geo["left"], geo  # the attribution below the city
    assert geo["attH"] < 24 and "Leaflet" not in geo["text"], geo  # one line, no prefix
    shot(pg, "maps-crime-1280")

    goto(pg, "")
    assert_no_exception(pg)
    cut = pg.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMetricLabel"] div, [data-testid="stMetricValue"] div')]
           .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""
    )
    assert cut == []
    shot(pg, "overview-1280")

    # by wards, the Area list offers no Impact Area
    sb = pg.locator('[data-testid="stSidebar"]')
    sb.get_by_text("Wards", exact=True).click()
    wait_idle(pg, 1.0)
    box = sb.get_by_role("combobox", name="Area", exact=True)
    box.click()
    box.fill("Impact Area")
    assert pg.get_by_role("option").filter(has_text="Impact Area").count() == 0
    pg.keyboard.press("Escape")
