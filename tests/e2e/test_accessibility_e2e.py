"""Accessibility: axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on every page, in
the local mode (an analyst: every page, the Data page too) and on the public
site, in the main document and inside every iframe (the folium maps, the
components), and in the meeting room's presentation mode. Any violation fails
the test, with axe's report of it.

axe-core comes from axe-playwright-python (the test extra). It is injected into
each frame and run there on that frame's document: a map's iframe is checked as
a document of its own (its viewport, its title), and the frame element is
checked from its parent (``frame-title``).
"""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import assert_no_exception, goto, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"], "iframes": False}
# Every page of app.py's PAGES with a path and a view that opens its heaviest content (a map, charts).
PAGES = [
    "",
    "performance",
    "trends",
    "crime_map",
    "crime_map?map=hotspots",
    "deprivation",
    "impact_areas",
    "clusters",
    "engagement",
    "agendas",
]
ANALYST_ONLY = ["data"]


def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _wait_frames(pg) -> None:
    """Let the component iframes (maps, snippets) load their documents."""
    for frame_el in pg.locator("iframe").all():
        try:
            frame_el.wait_for(state="attached", timeout=10_000)
        except Exception:  # noqa: BLE001 - a frame removed by a rerun is not checked
            continue
    leaflet = pg.frame_locator('iframe[title*="map" i]').locator(".leaflet-container")
    if pg.locator('iframe[title*="map" i]').count():
        leaflet.first.wait_for(state="attached", timeout=30_000)
    pg.wait_for_timeout(800)


def violations(pg) -> list[str]:
    """axe's violations in the page and in each of its frames, as readable lines."""
    _wait_frames(pg)
    axe = _axe()
    found: list[str] = []
    for frame in pg.frames:
        if frame.is_detached():
            continue
        try:
            frame.evaluate(axe.axe_script)
            res = frame.evaluate("opts => axe.run(document, opts)", OPTIONS)
        except Exception as e:  # noqa: BLE001 - a frame navigated away mid-check is checked on the next view
            if "detached" in str(e) or "navigat" in str(e) or "destroyed" in str(e):
                continue
            raise
        where = "page" if frame == pg.main_frame else f"frame {frame.url[:80]}"
        for v in res["violations"]:
            for node in v["nodes"]:
                msgs = [m["message"] for kind in ("any", "all", "none") for m in node.get(kind, [])]
                found.append(f"{where}: {v['id']} ({v['impact']}): {node['target']}: {node['html'][:200]} | {msgs}")
    return found


def _check(pg, path: str) -> list[str]:
    goto(pg, path)
    wait_idle(pg, 1.5)
    assert_no_exception(pg)
    return [f"/{path}: {line}" for line in violations(pg)]


def test_axe_every_page_local(page):
    found: list[str] = []
    for path in PAGES + ANALYST_ONLY:
        found += _check(page, path)
    assert not found, "accessibility violations:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def public_server(tmp_path_factory, demo_store):
    old = os.environ.get("SWP_MODE")
    os.environ["SWP_MODE"] = "public"
    try:
        srv = start_server(demo_store, tmp_path_factory.mktemp("axe-public"))
    finally:
        if old is None:
            os.environ.pop("SWP_MODE", None)
        else:
            os.environ["SWP_MODE"] = old
    yield srv
    stop_server(srv)


def test_axe_every_page_public(browser, public_server):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    pg.base_url = public_server["url"]  # type: ignore[attr-defined]
    try:
        found: list[str] = []
        for path in [p for p in PAGES if p != "agendas"]:
            found += _check(pg, path)
        assert not found, "accessibility violations (public site):\n" + "\n".join(found)
    finally:
        ctx.close()
