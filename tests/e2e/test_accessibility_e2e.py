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

from tests.e2e.axe_helpers import violations
from tests.e2e.conftest import assert_no_exception, goto, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e

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
