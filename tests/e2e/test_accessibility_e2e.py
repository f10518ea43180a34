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
import re

import pytest

from tests.e2e.axe_helpers import violations
from tests.e2e.conftest import ROOT, assert_no_exception, goto, start_server, stop_server, wait_idle

pytestmark = pytest.mark.e2e

# Every page of app.py's PAGES (new pages are checked without a change here), and the views that open
# a page's heaviest content (the hotspot map). A page a mode does not serve opens the Overview instead.
_ROWS = [(m, line) for line in re.findall(r'.*st\.Page\("pages/\w+\.py".*', (ROOT / "app.py").read_text())
         for m in re.findall(r'pages/(\w+)\.py', line)]  # fmt: skip
PAGES = ["" if name == "overview" else name for name, _ in _ROWS] + ["crime_map?map=hotspots"]
PUBLIC = ["" if name == "overview" else name for name, line in _ROWS if "auth.EVERYONE" in line]
PUBLIC += ["crime_map?map=hotspots"]


def _check(pg, path: str) -> list[str]:
    goto(pg, path)
    wait_idle(pg, 1.5)
    assert_no_exception(pg)
    return [f"/{path}: {line}" for line in violations(pg)]


def test_axe_every_page_local(page):
    found: list[str] = []
    assert {"", "data", "agendas", "trends"} <= set(PAGES)
    for path in PAGES:
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
        assert "data" not in PUBLIC and "trends" in PUBLIC
        for path in PUBLIC:
            found += _check(pg, path)
        assert not found, "accessibility violations (public site):\n" + "\n".join(found)
    finally:
        ctx.close()
