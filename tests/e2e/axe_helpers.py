"""axe-core in the browser tests: every frame of a page checked as a document
of its own (WCAG 2.0, 2.1 and 2.2, levels A and AA). Used by
test_accessibility_e2e.py (every page, every mode), test_agendas_e2e.py
(presentation mode) and test_auth_e2e.py (partnership mode)."""

from __future__ import annotations

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"], "iframes": False}


def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _wait_frames(pg) -> None:
    """Let the script finish (Streamlit fades the elements of a run in progress: axe would measure
    the fading, not the page) and the component iframes (maps, snippets) load their documents."""
    pg.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]') && "
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=90_000,
    )
    for frame_el in pg.locator("iframe").all():
        try:
            frame_el.wait_for(state="attached", timeout=10_000)
        except Exception:  # noqa: BLE001 - a frame removed by a rerun is not checked
            continue
    leaflet = pg.frame_locator('iframe[src*="streamlit_folium"]').locator(".leaflet-container")
    if pg.locator('iframe[src*="streamlit_folium"]').count():
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
