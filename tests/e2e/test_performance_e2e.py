"""Browser: the Performance page shows the priorities table with RAG labels in
words; an analyst sets a target and sees it turn green, then removes it."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import assert_no_exception, goto, shot, wait_idle

pytestmark = pytest.mark.e2e


def _grid_text(pg) -> str:
    """The cells of the priorities table: the grid draws on a canvas; its
    (hidden) accessible table holds the cells."""
    grid = pg.locator('[data-testid="stDataFrame"]').first
    grid.locator('[data-testid="glide-cell-0-0"]').wait_for(state="attached")
    return " | ".join(grid.locator('td[role="gridcell"]').all_text_contents())


def _wait_grid(pg, text: str, timeout: float = 15) -> None:
    deadline = time.time() + timeout
    while text not in (got := _grid_text(pg)):
        assert time.time() < deadline, f"{text!r} not in the priorities table: {got[:300]}"
        time.sleep(0.3)


def test_performance_page_priorities_and_rag(page):
    goto(page, "performance")
    page.get_by_role("heading", name="Performance").first.wait_for()
    page.get_by_role("heading", name="Strategy priorities").wait_for()
    assert_no_exception(page)
    # the table is the page's first; while a run is still replacing the page's
    # elements, the first grid in the page can briefly be another one: wait
    for label in ("Anti-social behaviour (DEMO)", "Violence (DEMO)", "Hate crime (DEMO)", "Grey: no target"):
        _wait_grid(page, label)
    page.get_by_text("RAG thresholds.").wait_for()
    page.get_by_text("Amber: above the target by up to 5%").first.wait_for()
    page.get_by_text("DEMO DATA").first.wait_for()
    page.get_by_role("heading", name="Ward appendix").wait_for()
    shot(page, "performance")

    # an analyst (local mode: the OS user) sets a count target for ASB
    page.get_by_text("Targets and thresholds (analysts)").click()
    page.get_by_text("At most a number in 12 months").click()
    wait_idle(page)
    box = page.get_by_label("At most (in 12 months)")
    box.fill("100000")
    box.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Set target").click()
    wait_idle(page, 1.0)
    page.get_by_text("Target set for Anti-social behaviour.").wait_for()
    _wait_grid(page, "Green: met")
    wait_idle(page)
    shot(page, "performance-target")
    assert_no_exception(page)
    # the editor stays open after the change
    page.get_by_role("button", name="Remove target").click()
    wait_idle(page, 1.0)
    page.get_by_text("Target removed for Anti-social behaviour.").wait_for()
    _wait_grid(page, "Grey: no target")
